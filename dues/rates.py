"""The statutory rate tables (the 2008 rules on Party dues), as data: the migration writes them, and tests put them back
after a test that empties every table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

SOURCE = "中组发〔2008〕3号"
VALID_FROM = dt.date(2008, 4, 1)
# Each bracket includes its upper bound (fen); None is the open top bracket.
BRACKETS = {
    "salary": [(300000, "0.005"), (500000, "0.01"), (1000000, "0.015"), (None, "0.02")],
    "retired": [(500000, "0.005"), (None, "0.01")],
}


def ensure_statutory_rates(rate_model=None) -> int:
    """Write any missing bracket of the 2008 tables; returns how many were written."""
    if rate_model is None:
        from .models import RateBracket as rate_model
    expected = sum(len(rows) for rows in BRACKETS.values())
    if rate_model.objects.filter(valid_from=VALID_FROM, source=SOURCE).count() == expected:
        return 0
    written = 0
    for table, rows in BRACKETS.items():
        for upper_fen, rate in rows:
            _row, created = rate_model.objects.get_or_create(
                table=table,
                valid_from=VALID_FROM,
                upper_fen=upper_fen,
                defaults={"rate": Decimal(rate), "source": SOURCE},
            )
            written += created
    return written
