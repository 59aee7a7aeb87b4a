"""Values from a request, parsed in one place.

``str.isdigit()`` accepts ``²`` and other Unicode digits that ``int()``
refuses, and a forty-digit id overflows a database integer: both were 500s.
Here anything that is not a plain ASCII number of a sane size is None, and
the caller answers it as "nothing chosen" (or 404 where it names an object).
The same holds for a return address: anything but a path on this site is None.
"""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

_ASCII_INT = re.compile(r"-?[0-9]{1,19}")
# The largest value every supported database stores in a BIGINT key.
MAX_ID = 2**63 - 1
MIN_INT = -(2**63)
# Years a person can mean on these pages; beyond them a date() or a chart axis breaks.
MIN_YEAR, MAX_YEAR = 1900, 9999


def parse_int(value: object, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """A whole number in ASCII digits with an optional minus, within the bounds (inclusive), or None.

    Without bounds it is still one a database integer column holds.
    """
    if not isinstance(value, str) or not _ASCII_INT.fullmatch(value):
        return None
    number = int(value)
    low = MIN_INT if minimum is None else max(minimum, MIN_INT)
    high = MAX_ID if maximum is None else min(maximum, MAX_ID)
    return number if low <= number <= high else None


def parse_id(value: object) -> int | None:
    """A positive primary key, or None for anything else (empty, signs, exponents, Unicode digits, too long)."""
    if isinstance(value, str) and value.startswith("-"):
        return None
    return parse_int(value, minimum=1)


def parse_year(value: object) -> int | None:
    """A four-digit year, or None."""
    return parse_int(value, minimum=MIN_YEAR, maximum=MAX_YEAR)


def parse_next(request: HttpRequest, value: object) -> str | None:
    """A path on this site to send the user back to, or None.

    Only a path starting with one slash: ``redirect()`` reads anything else
    as a view name to look up (and raises when there is none), and an
    absolute URL could send the user to another site.
    """
    if not isinstance(value, str) or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return value
