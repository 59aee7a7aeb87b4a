"""Phone numbers as a Chinese reader writes them: ``{{ member.phone|phone_display }}`` → 138 0013 8000."""

from __future__ import annotations

import re

import phonenumbers
from django import template

register = template.Library()

# A mainland mobile in E.164, as 11 national digits, or masked (138****5678): the forms the site stores and shows.
MAINLAND_MOBILE = re.compile(r"(?:\+86)?(1[0-9*]{2})([0-9*]{4})([0-9]{4})")


@register.filter
def phone_display(value) -> str:
    """Group a mainland mobile 3-4-4 (``138 0013 8000``, masked ``138 **** 5678``).

    Other valid numbers get the international format; anything else (an e-mail
    address in the same slot of a page, a typing mistake) is shown unchanged.
    """
    text = str(value or "").strip()
    match = MAINLAND_MOBILE.fullmatch(text)
    if match:
        return " ".join(match.groups())
    if text.startswith("+"):
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return text
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return text
