"""Validation of Chinese phone numbers and resident ID numbers."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB/T 2260 provincial codes: the first two digits of a resident ID number.
ID_PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50}
    | {51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# What people type around a phone number's digits; anything else (letters, markup) is not a number.
PHONE_CHARACTERS = re.compile(r"[0-9+\-().]+")
ID_NUMBER_FORMAT = re.compile(r"[0-9]{17}[0-9X]")


def _as_typed(value: str) -> str | None:
    """NFKC without spaces, so full-width input (digits, X, ideographic spaces) becomes ASCII.

    None for text holding superscripts, circled or other non-decimal digits: NFKC would
    turn ² into 2, and a number nobody typed as digits must not become one.
    """
    if any(unicodedata.category(char) == "No" for char in value):
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def normalize_phone(value: str) -> str:
    """Return a Chinese mobile number in E.164 (+8613812345678), or raise.

    Accepts what people type: spaces, dashes, a leading +86 or 0086, full-width digits.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a mobile phone number."), code="required")
    typed = _as_typed(raw)
    parsed = _parse_mobile(typed) if typed and PHONE_CHARACTERS.fullmatch(typed) else None
    if parsed is None:
        raise ValidationError(_("“%(value)s” is not a phone number."), code="invalid_phone", params={"value": raw})
    if parsed == "":
        raise ValidationError(
            _("“%(value)s” is not a valid mainland China mobile number (11 digits starting with 1)."),
            code="invalid_phone",
            params={"value": raw},
        )
    return parsed


# A roster import checks each number several times (the row, the field
# validator, Member.clean); parsing dominates its time, so results are kept.
@functools.lru_cache(maxsize=65536)
def _parse_mobile(raw: str) -> str | None:
    """E.164 for a mainland mobile number, "" for another kind of number, None for no number."""
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalize_phone(value)


def normalize_national_phone(value: str) -> str:
    """A mainland mobile number as its 11 digits (13812345678), checked like ``normalize_phone``.

    The form for numbers kept beside a member's own, such as the emergency contact's: it is how
    secretaries type them and how the roster export writes them, so an import reads them back unchanged.
    """
    return normalize_phone(value).removeprefix("+86")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_birth_date(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def normalize_id_number(value: str) -> str:
    """Return an 18-character resident ID number (upper-case X), or raise.

    Full-width input is read as ASCII, so it meets the same uniqueness checks.
    Checks the format, the province code, the embedded birth date and the
    ISO 7064 MOD 11-2 check character.
    """
    raw = (_as_typed(value or "") or "").upper()
    if not ID_NUMBER_FORMAT.fullmatch(raw):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."), code="invalid_id_format"
        )
    if int(raw[:2]) not in ID_PROVINCE_CODES:
        raise ValidationError(_("The ID number does not start with a valid region code."), code="invalid_id_region")
    birth = id_birth_date(raw)
    if birth is None or birth.year < 1900:
        raise ValidationError(_("The ID number does not contain a valid birth date."), code="invalid_id_birth")
    if id_check_char(raw[:17]) != raw[17]:
        raise ValidationError(
            _("The ID number's check character is wrong; please check for a typo."), code="invalid_id_checksum"
        )
    return raw


def validate_id_number(value: str) -> None:
    normalize_id_number(value)


def mask_id_number(value: str) -> str:
    """Keep the first three and last four characters: 510***********123X."""
    if not value:
        return ""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_phone(value: str) -> str:
    """+8613812345678 → 138****5678."""
    if not value:
        return ""
    national = value[3:] if value.startswith("+86") else value
    return f"{national[:3]}****{national[-4:]}"
