"""Cell values → Member field values: dates as Excel and people write them, labels, numbers and groups."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop
from openpyxl.utils.datetime import from_excel

from branches.errors import DomainError
from branches.models import Organization

from ..spreadsheets import GENDER_LABELS, NO, ROSTER_HEADERS, STATUS_LABELS, YES, province_code, unguard_cell
from ..validators import normalize_id_number, normalize_national_phone, normalize_phone
from .files import is_filled
from .messages import Invalid, Message, Text

# The fields a row can set, in the order of ROSTER_HEADERS and of the comparison's report.
ROW_FIELDS = (
    "name",
    "gender",
    "phone",
    "id_number",
    "birth_date",
    "joined_party_on",
    "full_member_on",
    "status",
    "group",
    "is_itinerant",
    "province",
    "city",
    "workplace",
    "emergency_contact",
    "emergency_phone",
)
DATE_FIELDS = {"birth_date", "joined_party_on", "full_member_on"}
NUMBER_FIELDS = {"phone", "id_number", "emergency_phone"}
MASK = "****"
GENDERS = {label: code for code, label in GENDER_LABELS.items()}
STATUSES = {label: code for code, label in STATUS_LABELS.items()}
BOOLEANS = {YES: True, NO: False}
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class CellError(DomainError):
    """One cell that cannot be read; the row is reported with the message, the others still are."""

    default_code = "bad_cell"


def parse_date(value: object) -> dt.date:
    """2019-07-01, 2019/7/1, 2019年7月1日, 20190701, Excel date cells and Excel serial numbers."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value)
    text = str(value).strip()
    match = DATE_PATTERN.match(text)
    try:
        if match:
            return dt.date(*(int(part) for part in match.groups()))
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        # A CSV saved from Excel writes an unformatted date cell as its serial.
        if re.fullmatch(r"\d{4,5}(\.0+)?", text):
            return _from_serial(float(text))
    except ValueError:
        pass
    raise CellError(Message(gettext_noop("“%(value)s” is not a date; write it as 2019-07-01."), {"value": text}))


def _from_serial(value: float) -> dt.date:
    # Serials before 1900-03-01 sit on Excel's fictitious 29 February 1900.
    if not 61 <= value < 2958466:
        raise CellError(Message(gettext_noop("“%(value)s” is not a date; write it as 2019-07-01."), {"value": value}))
    return from_excel(value).date()


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _choice(value: object, choices: dict) -> object:
    text = _text(value)
    if text not in choices:
        raise CellError(
            Message(
                gettext_noop("“%(value)s” is not allowed here; write one of: %(choices)s."),
                {"value": text, "choices": "、".join(choices)},
            )
        )
    return choices[text]


def _id_number(value: object) -> str:
    if isinstance(value, float):
        raise CellError(
            Message(
                gettext_noop(
                    "Excel stored the ID number as a number and dropped digits. "
                    "Format the column as text and type it again."
                )
            )
        )
    return _text(value)


def _unmasked(value: object) -> object:
    # A masked number (138****5678) typed or copied from the masked export would overwrite the real one.
    if isinstance(value, str) and MASK in value:
        raise CellError(
            Message(
                gettext_noop("“%(value)s” is a masked number; type the full number, or use the export with full data."),
                {"value": value.strip()},
            )
        )
    return value


def _value(field_name: str, raw: object, groups: dict[str, Organization]) -> object:
    if field_name in NUMBER_FIELDS:
        _unmasked(raw)
    if field_name in DATE_FIELDS:
        return parse_date(raw)
    if field_name == "gender":
        return _choice(raw, GENDERS)
    if field_name == "status":
        return _choice(raw, STATUSES)
    if field_name == "is_itinerant":
        return _choice(raw, BOOLEANS)
    if field_name == "phone":
        return normalize_phone(_text(raw))
    if field_name == "id_number":
        return normalize_id_number(_id_number(raw))
    if field_name == "emergency_phone":
        return normalize_national_phone(_text(raw))
    if field_name == "group":
        name = _text(raw)
        if name not in groups:
            raise CellError(Message(gettext_noop("The branch has no group named “%(name)s”."), {"name": name}))
        return groups[name]
    if field_name == "province":
        code = province_code(_text(raw))
        if code is None:
            raise CellError(Message(gettext_noop("“%(value)s” is not a province of China."), {"value": _text(raw)}))
        return code
    return _text(raw)


def parse_row(cells: dict[str, object], groups: dict[str, Organization]) -> tuple[dict, list[tuple[str, Text]]]:
    """Cell values → Member field values, and (column, message) per bad cell; messages render when read.

    Empty cells are left out: they keep what the roster has. The export's
    formula guard is undone first, so the site's own full export reads back
    as the roster it was written from.
    """
    values: dict[str, object] = {}
    errors: list[tuple[str, Text]] = []
    for header, field_name in zip(ROSTER_HEADERS, ROW_FIELDS, strict=True):
        raw = unguard_cell(cells.get(header))
        if not is_filled(raw):
            continue
        try:
            values[field_name] = _value(field_name, raw, groups)
        except CellError as exc:
            errors.append((header, exc.message))
        except ValidationError as exc:
            errors.append((header, Invalid(exc)))
    return values, errors
