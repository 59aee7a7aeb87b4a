"""Whole numbers from a request, parsed in one place.

``str.isdigit()`` accepts ``²`` and other Unicode digits that ``int()``
refuses, and a forty-digit id overflows a database integer: both were 500s.
Here anything that is not a plain ASCII number of a sane size is None, and
the caller answers it as "nothing chosen".
"""

from __future__ import annotations

import re

_ASCII_INT = re.compile(r"[0-9]{1,18}")
# The largest value every supported database stores in a BIGINT key.
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """A positive primary key, or None for anything else (empty, signs, exponents, Unicode digits, too long)."""
    if not isinstance(value, str) or not _ASCII_INT.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
