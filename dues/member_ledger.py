"""The member's own dues, as their pages read them: the months, payments, bases and rates, in a fixed few queries.

Nothing here writes. ``check_report`` asks the same questions the secretary's
confirmation will ask (``services._settle``), so a member learns at once that
a month is paid already or that the amount is short, instead of after the
secretary has looked at the receipt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, Max, OuterRef, Q
from django.utils.translation import gettext as _

from branches.dates import shift_month
from members.models import Member

from . import services
from .amounts import RateTables, yuan
from .errors import DuesError
from .models import FIXED_AMOUNTS, Basis, Category, Due, Payment, RateBracket, Relief, first_of_month

# The ledger page shows this many months up to the present one (and any paid ahead).
LEDGER_MONTHS = 24
# How far ahead a member may pay: a year, which is what a branch collects ahead at most in practice.
AHEAD_MONTHS = 12


def add_month(month: dt.date, months: int) -> dt.date:
    return dt.date(*shift_month(month.year, month.month, months), 1)


def percent(rate: Decimal | str) -> str:
    """A rate as a percentage without trailing zeros: 0.0150 → '1.5'."""
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}"


def months_text(months: list[dt.date]) -> str:
    return ", ".join(f"{month:%Y-%m}" for month in months)


@dataclass
class MonthRow:
    """One month of the ledger with what the page says about it."""

    due: Due
    state: str  # paid, exempt, nothing (a zero due), waiting (a reported payment covers it), unpaid, open (this month)
    how: str
    payment: Payment | None = None

    @property
    def month(self) -> dt.date:
        return self.due.month

    @property
    def amount(self) -> str:
        return yuan(self.due.amount_fen)


@dataclass
class PaymentRow:
    payment: Payment
    back_payment: bool

    @property
    def amount(self) -> str:
        return yuan(self.payment.amount_fen)

    @property
    def dues(self) -> str:
        return yuan(self.payment.dues_fen)

    @property
    def extra(self) -> str:
        return yuan(self.payment.extra_fen) if self.payment.extra_fen else ""


@dataclass
class BasisRow:
    basis: Basis

    @property
    def income(self) -> str:
        return yuan(self.basis.income_fen)

    @property
    def fixed(self) -> str:
        return yuan(self.basis.fixed_fen)


@dataclass
class ReliefRow:
    relief: Relief

    @property
    def amount(self) -> str:
        return yuan(self.relief.amount_fen)


@dataclass
class Ledger:
    today: dt.date
    this_month: dt.date
    months: list[MonthRow]
    arrears: list[MonthRow]
    payments: list[PaymentRow]
    bases: list[BasisRow]
    reliefs: list[ReliefRow]
    current: MonthRow | None
    waiting: list[MonthRow] = field(default_factory=list)

    @property
    def arrears_total(self) -> str:
        return yuan(sum(row.due.amount_fen for row in self.arrears))

    @property
    def arrears_months(self) -> str:
        return months_text([row.month for row in self.arrears])


def describe(due: Due, reliefs: dict[int, Relief]) -> str:
    """How the due was computed, in words, from what the row keeps (``Due.how``)."""
    how = due.how or {}
    relief = reliefs.get(due.relief_id) if due.relief_id else None
    reason = relief.reason if relief else ""
    if how.get("relief") == "exempt":
        return _("Exempt: %(reason)s") % {"reason": reason} if reason else _("Exempt")
    if how.get("relief") == "reduced":
        amount = yuan(how.get("amount_fen") or due.amount_fen)
        if reason:
            return _("Reduced to %(amount)s yuan a month: %(reason)s") % {"amount": amount, "reason": reason}
        return _("Reduced to %(amount)s yuan a month") % {"amount": amount}
    category = how.get("category")
    label = Category(category).label if category in Category.values else ""
    if how.get("income_fen") is not None and how.get("rate") is not None:
        return _("%(category)s: %(income)s yuan × %(rate)s %%, rounded to the fen") % {
            "category": label,
            "income": yuan(how["income_fen"]),
            "rate": percent(how["rate"]),
        }
    if how.get("fixed_fen") is not None:
        return _("%(category)s: a fixed %(amount)s yuan") % {"category": label, "amount": yuan(how["fixed_fen"])}
    return ""


def ledger_of(member: Member, today: dt.date) -> Ledger:
    """Everything the member's ledger page shows: four queries, whatever the history's length."""
    this_month = first_of_month(today)
    start = add_month(this_month, 1 - LEDGER_MONTHS)
    # The window, the months paid ahead, and arrears older than the window, in one query.
    dues = list(
        Due.objects.filter(member=member)
        .filter(Q(month__gte=start) | Q(payment__isnull=True, amount_fen__gt=0, month__lt=this_month))
        .order_by("-month")
    )
    # Every payment that settled a month of the window, or still waits for the secretary.
    payments = list(
        Payment.objects.filter(member=member)
        .filter(Q(last_month__gte=start) | Q(status=Payment.Status.REPORTED) | Q(paid_on__gte=start))
        .order_by("-paid_on", "-entered_at", "-pk")
    )
    bases = list(
        Basis.objects.filter(member=member)
        .select_related("entered_by", "decided_by")
        .order_by("-applies_from", "-entered_at", "-pk")
    )
    reliefs = list(Relief.objects.filter(member=member).order_by("-first_month", "-pk"))
    by_pk = {payment.pk: payment for payment in payments}
    relief_by_pk = {relief.pk: relief for relief in reliefs}
    reported = [payment for payment in payments if payment.status == Payment.Status.REPORTED]

    rows = []
    for due in dues:
        payment = by_pk.get(due.payment_id) if due.payment_id else None
        if due.payment_id:
            state = "paid"
        elif due.amount_fen == 0:
            state = "exempt" if due.relief_id else "nothing"
        elif any(p.first_month <= due.month <= p.last_month for p in reported):
            state = "waiting"
            payment = next(p for p in reported if p.first_month <= due.month <= p.last_month)
        elif due.month < this_month:
            state = "unpaid"
        else:
            state = "open"
        rows.append(MonthRow(due=due, state=state, how=describe(due, relief_by_pk), payment=payment))
    return Ledger(
        today=today,
        this_month=this_month,
        months=[row for row in rows if row.month >= start],
        arrears=sorted((row for row in rows if row.state == "unpaid"), key=lambda row: row.month),
        waiting=sorted(
            (row for row in rows if row.state == "waiting" and row.month < this_month), key=lambda row: row.month
        ),
        payments=[PaymentRow(payment, services.is_back_payment(payment)) for payment in payments],
        bases=[BasisRow(basis) for basis in bases],
        reliefs=[ReliefRow(relief) for relief in reliefs],
        current=next((row for row in rows if row.month == this_month), None),
    )


# --- The rates, in words ------------------------------------------------------------------


@dataclass(frozen=True)
class RateLine:
    text: str
    rate: str


def rate_lines(today: dt.date) -> dict[str, object]:
    """The bracket tables in force this month and the fixed amounts, as sentences for the page: one query."""
    month = first_of_month(today)
    tables = RateTables()
    out: dict[str, object] = {}
    for table, key in ((RateBracket.Table.SALARY, "salary"), (RateBracket.Table.RETIRED, "retired")):
        try:
            brackets = tables.brackets(table, month)
        except DuesError:
            out[key] = []
            continue
        lines, lower = [], None
        for bracket in brackets:
            if bracket.upper_fen is None:
                text = _("above %(lower)s yuan") % {"lower": yuan(lower)} if lower is not None else _("any income")
            elif lower is None:
                text = _("up to %(upper)s yuan") % {"upper": yuan(bracket.upper_fen)}
            else:
                text = _("above %(lower)s up to %(upper)s yuan") % {
                    "lower": yuan(lower),
                    "upper": yuan(bracket.upper_fen),
                }
            lines.append(RateLine(text, percent(bracket.rate)))
            lower = bracket.upper_fen
        out[key] = lines
    out["fixed"] = [
        (Category(category).label, yuan(low), yuan(high) if high != low else "")
        for category, (low, high) in FIXED_AMOUNTS.items()
    ]
    return out


# --- Reporting a payment ------------------------------------------------------------------


def owed_for(member: Member, first: dt.date, last: dt.date, today: dt.date) -> int:
    """What the months from ``first`` to ``last`` come to, in fen; DuesError when they cannot be paid.

    Months not written yet (paid ahead) are computed from the confirmed basis
    exactly as the confirmation will write them.
    """
    first, last = first_of_month(first), first_of_month(last)
    this_month = first_of_month(today)
    if last < first:
        raise DuesError(_("The last month comes before the first."), code="bad_period", field="last_month")
    if last > add_month(this_month, AHEAD_MONTHS):
        raise DuesError(
            _("You can pay at most %(months)d months ahead, up to %(last)s.")
            % {"months": AHEAD_MONTHS, "last": f"{add_month(this_month, AHEAD_MONTHS):%Y-%m}"},
            code="too_far_ahead",
            field="last_month",
        )
    months = services.months_between(first, last)
    existing = {due.month: due for due in Due.objects.filter(member=member, month__gte=first, month__lte=last)}
    paid = [month for month in months if month in existing and existing[month].payment_id is not None]
    if paid:
        raise DuesError(_("Already paid: %(months)s.") % {"months": months_text(paid)}, code="already_paid")
    missing = [month for month in months if month not in existing]
    owed = sum(existing[month].amount_fen for month in months if month in existing)
    if missing:
        inputs = services._Inputs.load([member.pk], last)
        starts = services.first_due_month(member)
        without = []
        for month in missing:
            computed = inputs.due(member.pk, month) if month >= starts else None
            if computed is None:
                without.append(month)
            else:
                owed += computed[0]
        if without:
            raise DuesError(
                _("No due can be worked out for %(months)s: your dues basis is not set or not confirmed yet.")
                % {"months": months_text(without)},
                code="no_basis",
                field="first_month",
            )
    return owed


def check_report(member: Member, first: dt.date, last: dt.date, amount_fen: int, today: dt.date) -> int:
    """Refuse a report the secretary could not confirm: months paid already, without a due, or money short."""
    if amount_fen <= 0:
        raise DuesError(_("Enter an amount above zero."), code="no_amount", field="amount_yuan")
    owed = owed_for(member, first, last, today)
    if amount_fen < owed:
        raise DuesError(
            _("These months come to %(owed)s yuan; %(amount)s yuan is not enough.")
            % {"owed": yuan(owed), "amount": yuan(amount_fen)},
            code="not_enough",
            field="amount_yuan",
        )
    return owed


def default_months(member: Member, today: dt.date) -> tuple[dt.date, dt.date]:
    """The months a report starts with: the oldest unpaid month to this one, else the first month not covered yet."""
    this_month = first_of_month(today)
    reported = Payment.objects.filter(
        member=member,
        status=Payment.Status.REPORTED,
        first_month__lte=OuterRef("month"),
        last_month__gte=OuterRef("month"),
    )
    oldest = (
        Due.objects.filter(member=member, payment__isnull=True, amount_fen__gt=0, month__lte=this_month)
        .exclude(Exists(reported))
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    if oldest is not None:
        return oldest, this_month
    # Nothing owed up to now: the month after the last one settled, or reported, from this month on.
    settled = Due.objects.filter(member=member, month__gte=this_month).filter(
        Q(payment__isnull=False) | Q(amount_fen=0)
    )
    latest = [
        settled.aggregate(last=Max("month"))["last"],
        Payment.objects.filter(member=member, status=Payment.Status.REPORTED).aggregate(last=Max("last_month"))["last"],
    ]
    covered = max((month for month in latest if month is not None and month >= this_month), default=None)
    month = this_month if covered is None else add_month(covered, 1)
    return month, month
