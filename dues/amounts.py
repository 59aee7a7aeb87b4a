"""How much a month's due is: the bracket rules, a fixed amount, or a relief. Pure arithmetic, no queries.

Rounding, stated once and shown on the pages: income x rate, rounded to the
nearest fen, halves up (0.5 fen → 1 fen).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .errors import DuesError
from .models import FIXED_AMOUNTS, INCOME_CATEGORIES, Category, RateBracket, Relief


@dataclass(frozen=True)
class Bracket:
    upper_fen: int | None
    rate: Decimal


class RateTables:
    """Every bracket row, loaded once; answers which table is in force for a month."""

    def __init__(self, rows: Iterable[RateBracket] | None = None) -> None:
        if rows is None:
            rows = RateBracket.objects.all()
        tables: dict[str, dict[dt.date, list[Bracket]]] = {}
        for row in rows:
            tables.setdefault(row.table, {}).setdefault(row.valid_from, []).append(Bracket(row.upper_fen, row.rate))
        # Open-ended bracket last, the others by their upper bound.
        self._tables = {
            table: sorted(
                (
                    (valid_from, sorted(brackets, key=lambda b: (b.upper_fen is None, b.upper_fen or 0)))
                    for valid_from, brackets in versions.items()
                ),
                reverse=True,
            )
            for table, versions in tables.items()
        }

    def brackets(self, table: str, month: dt.date) -> list[Bracket]:
        for valid_from, brackets in self._tables.get(table, ()):
            if valid_from <= month:
                return brackets
        raise DuesError(_("No dues rates apply to %(month)s.") % {"month": f"{month:%Y-%m}"}, code="no_rates")

    def bracket_for(self, table: str, month: dt.date, income_fen: int) -> Bracket:
        brackets = self.brackets(table, month)
        for bracket in brackets:
            if bracket.upper_fen is None or income_fen <= bracket.upper_fen:
                return bracket
        return brackets[-1]


def percentage_of(income_fen: int, rate: Decimal) -> int:
    return int((Decimal(income_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def monthly_due(
    *,
    category: str,
    income_fen: int | None,
    fixed_fen: int | None,
    month: dt.date,
    tables: RateTables,
    relief: Relief | None = None,
) -> tuple[int, dict]:
    """The due in fen for ``month`` and what it was computed from (kept on the due, shown on the page)."""
    if relief is not None and relief.kind == Relief.Kind.EXEMPT:
        return 0, {"relief": "exempt"}
    if relief is not None:
        return int(relief.amount_fen or 0), {"relief": "reduced", "amount_fen": relief.amount_fen}
    if category in INCOME_CATEGORIES:
        if income_fen is None:
            raise DuesError(_("This category needs the monthly income."), code="income_missing", field="income_yuan")
        bracket = tables.bracket_for(INCOME_CATEGORIES[category], month, income_fen)
        return percentage_of(income_fen, bracket.rate), {
            "category": category,
            "income_fen": income_fen,
            "rate": str(bracket.rate),
        }
    low, high = FIXED_AMOUNTS[Category(category)]
    amount = low if low == high else fixed_fen
    if amount is None or not low <= amount <= high:
        raise DuesError(
            _("The fixed monthly amount for this category is %(low)s to %(high)s yuan.")
            % {"low": yuan(low), "high": yuan(high)},
            code="fixed_out_of_range",
            field="fixed_yuan",
        )
    return amount, {"category": category, "fixed_fen": amount}


def yuan(fen: int | None) -> str:
    """Fen as yuan with two decimals: 1234 → '12.34'."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def fen_from_yuan(value: Decimal) -> int:
    """A yuan amount typed on a form (at most two decimals, already validated) in fen."""
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
