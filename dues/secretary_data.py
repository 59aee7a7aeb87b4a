"""What the secretary's dues pages read: a branch's year, a member's books, arrears, what months come to.

Every function reads a bounded number of queries whatever the number of
members or months: lists are narrowed to a page first, and the page's dues
come in one more query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, Min, OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from branches.bulk import count_subquery
from branches.models import Organization
from members.models import Member
from members.roster.search import NAME_ORDER

from . import services
from .amounts import yuan
from .errors import DuesError
from .models import Basis, Category, Due, Payment, Relief, first_of_month

# --- Small pieces ---------------------------------------------------------------------------


def year_months(year: int) -> list[dt.date]:
    return [dt.date(year, month, 1) for month in range(1, 13)]


def percent(rate: str | Decimal) -> str:
    """A rate kept as a fraction ("0.0150") as people write it: 1.5%."""
    value = (Decimal(str(rate)) * 100).normalize()
    return f"{value:f}%"


def how_computed(how: dict) -> str:
    """What a due was worked out from, in words (``Due.how``)."""
    relief = how.get("relief")
    if relief == "exempt":
        return _("Exempt")
    if relief == "reduced":
        return _("Reduced to %(amount)s yuan") % {"amount": yuan(how.get("amount_fen"))}
    if "rate" in how:
        return _("%(income)s yuan × %(rate)s") % {"income": yuan(how.get("income_fen")), "rate": percent(how["rate"])}
    if "fixed_fen" in how:
        return _("Fixed amount")
    return ""


def confirmed_bases(up_to: dt.date):
    """Confirmed bases of the member in the outer query applying by ``up_to``, latest first."""
    return Basis.objects.filter(member=OuterRef("pk"), status=Basis.Status.CONFIRMED, applies_from__lte=up_to).order_by(
        "-applies_from", "-entered_at", "-pk"
    )


# --- A branch's year ------------------------------------------------------------------------

PAID, EXEMPT, UNPAID, OPEN, NONE = "paid", "exempt", "unpaid", "open", "none"


@dataclass
class Cell:
    month: dt.date
    state: str
    amount_fen: int | None = None


@dataclass
class LedgerRow:
    member: Member
    cells: list[Cell]

    @property
    def latest_due_fen(self) -> int | None:
        amounts = [cell.amount_fen for cell in self.cells if cell.amount_fen is not None]
        return amounts[-1] if amounts else None

    @property
    def paid_months(self) -> int:
        return sum(1 for cell in self.cells if cell.state == PAID)

    @property
    def unpaid_months(self) -> int:
        return sum(1 for cell in self.cells if cell.state == UNPAID)


def members_of(organization: Organization) -> QuerySet[Member]:
    """The active members whose dues an organization's ledger lists: its own, its group's, or its subtree's."""
    members = Member.objects.active()
    if organization.kind == Organization.Kind.BRANCH:
        return members.filter(organization_id=organization.pk)
    if organization.kind == Organization.Kind.GROUP:
        return members.filter(group_id=organization.pk)
    return members.filter(organization__path__startswith=organization.path)


def dues_of(organization: Organization) -> QuerySet[Due]:
    """The dues in an organization's books: those of the months its members belonged to it."""
    if organization.kind == Organization.Kind.BRANCH:
        return Due.objects.filter(organization_id=organization.pk)
    if organization.kind == Organization.Kind.GROUP:
        return Due.objects.filter(member__group_id=organization.pk)
    return Due.objects.filter(organization__path__startswith=organization.path)


def ledger_members(
    organization: Organization, year: int, today: dt.date, *, arrears_only: bool = False, no_basis: bool = False
) -> QuerySet[Member]:
    """The ledger's members with their basis category, arrears count and what waits for the secretary."""
    up_to = min(dt.date(year, 12, 1), first_of_month(today))
    members = members_of(organization).annotate(
        dues_category=Subquery(confirmed_bases(up_to).values("category")[:1]),
        dues_arrears=count_subquery(services.unpaid(today).filter(member=OuterRef("pk"))),
        dues_declared=Exists(Basis.objects.filter(member=OuterRef("pk"), status=Basis.Status.DECLARED)),
        dues_reported=Exists(Payment.objects.filter(member=OuterRef("pk"), status=Payment.Status.REPORTED)),
    )
    if arrears_only:
        members = members.filter(dues_arrears__gt=0)
    if no_basis:
        members = members.filter(dues_category__isnull=True)
    return members.order_by(*NAME_ORDER)


def ledger_rows(members: Sequence[Member], year: int, today: dt.date) -> list[LedgerRow]:
    """Each member of a page with the twelve months of ``year``: one query for all of them."""
    this_month = first_of_month(today)
    dues: dict[tuple[int, dt.date], tuple[int, int | None]] = {
        (member_id, month): (amount, payment_id)
        for member_id, month, amount, payment_id in Due.objects.filter(
            member_id__in=[m.pk for m in members], month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1)
        ).values_list("member_id", "month", "amount_fen", "payment_id")
    }
    rows = []
    for member in members:
        cells = []
        for month in year_months(year):
            found = dues.get((member.pk, month))
            if found is None:
                cells.append(Cell(month, NONE))
                continue
            amount, payment_id = found
            if payment_id is not None:
                state = PAID
            elif amount == 0:
                state = EXEMPT
            else:
                state = UNPAID if month < this_month else OPEN
            cells.append(Cell(month, state, amount))
        rows.append(LedgerRow(member, cells))
    return rows


def ledger_totals(organization: Organization, year: int) -> dict[str, int]:
    months = {"month__gte": dt.date(year, 1, 1), "month__lte": dt.date(year, 12, 1)}
    return services.totals(dues_of(organization).filter(**months))


# --- Arrears --------------------------------------------------------------------------------


def arrears_members(members: QuerySet[Member], today: dt.date, *, at_least: int = 1) -> QuerySet[Member]:
    """Active members with ``at_least`` unpaid months before this one, most months first."""
    return (
        members.filter(state=Member.State.ACTIVE)
        .alias(dues_unpaid=count_subquery(services.unpaid(today).filter(member=OuterRef("pk"))))
        .filter(dues_unpaid__gte=max(1, at_least))
        .order_by(F("dues_unpaid").desc(), *NAME_ORDER)
    )


@dataclass(frozen=True)
class Arrears:
    months: int
    amount_fen: int
    oldest: dt.date


def arrears_of(member_ids: Iterable[int], today: dt.date) -> dict[int, Arrears]:
    """Months, amount and oldest month unpaid for each member: one grouped query."""
    rows = (
        services.unpaid(today)
        .filter(member_id__in=list(member_ids))
        .order_by()
        .values("member_id")
        .annotate(months=Count("pk"), amount=Sum("amount_fen"), oldest=Min("month"))
    )
    return {row["member_id"]: Arrears(row["months"], row["amount"], row["oldest"]) for row in rows}


def without_basis(members: QuerySet[Member], today: dt.date) -> QuerySet[Member]:
    """Active members with no confirmed basis for this month: nothing is due for them yet."""
    return (
        members.filter(state=Member.State.ACTIVE)
        .exclude(Exists(confirmed_bases(first_of_month(today))))
        .order_by(*NAME_ORDER)
    )


# --- What months come to --------------------------------------------------------------------


@dataclass
class Owed:
    """What a run of a member's months comes to, before anything is written."""

    first_month: dt.date
    last_month: dt.date
    months: list[tuple[dt.date, int]] = field(default_factory=list)
    paid: list[dt.date] = field(default_factory=list)
    without: list[dt.date] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(amount for _month, amount in self.months)

    @property
    def settles(self) -> bool:
        return not self.paid and not self.without


def owed_for(periods: Sequence[tuple[Member, dt.date, dt.date]], *, ignore_payment: int | None = None) -> list[Owed]:
    """What each (member, first month, last month) comes to: the dues written, and the rest worked out.

    One query for the dues of all of them; months not written yet (paid
    ahead) are worked out from the bases, reliefs and rates in three more,
    only when there are any.
    """
    if not periods:
        return []
    member_ids = {member.pk for member, _first, _last in periods}
    low = min(first for _member, first, _last in periods)
    high = max(last for _member, _first, last in periods)
    written = {
        (member_id, month): (amount, payment_id)
        for member_id, month, amount, payment_id in Due.objects.filter(
            member_id__in=member_ids, month__gte=low, month__lte=high
        ).values_list("member_id", "month", "amount_fen", "payment_id")
    }
    inputs = None
    results = []
    for member, first, last in periods:
        owed = Owed(first, last)
        for month in services.months_between(first, last):
            found = written.get((member.pk, month))
            if found is not None:
                amount, payment_id = found
                if payment_id is not None and payment_id != ignore_payment:
                    owed.paid.append(month)
                else:
                    owed.months.append((month, amount))
                continue
            if month < services.first_due_month(member):
                owed.without.append(month)
                continue
            if inputs is None:
                inputs = services._Inputs.load(member_ids, high)
            try:
                computed = inputs.due(member.pk, month)
            except DuesError:
                computed = None
            if computed is None:
                owed.without.append(month)
            else:
                owed.months.append((month, computed[0]))
        results.append(owed)
    return results


def unpaid_through(member: Member, today: dt.date) -> list[Due]:
    """The member's dues still needing money, up to this month: what a payment usually settles."""
    return list(
        Due.objects.filter(member=member, payment__isnull=True, amount_fen__gt=0, month__lte=first_of_month(today))
        .order_by("month")
        .only("month", "amount_fen")
    )


# --- One member's books ---------------------------------------------------------------------


@dataclass
class MemberBooks:
    bases: list[Basis]
    reliefs: list[Relief]
    dues: list[Due]
    payments: list[Payment]
    arrears: Arrears | None
    years: list[int]
    current: Basis | None


def member_books(member: Member, year: int, today: dt.date) -> MemberBooks:
    """Every basis row, relief and payment of the member, the dues of one year, the arrears: six queries."""
    bases = list(
        member.dues_bases.select_related("entered_by", "decided_by").order_by("-applies_from", "-entered_at", "-pk")
    )
    this_month = first_of_month(today)
    current = next(
        (b for b in bases if b.status == Basis.Status.CONFIRMED and b.applies_from <= this_month),
        None,
    )
    reliefs = list(member.dues_reliefs.select_related("entered_by").order_by("-first_month"))
    dues = list(
        Due.objects.filter(member=member, month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1))
        .select_related("payment")
        .order_by("month")
    )
    payments = list(
        member.dues_payments.select_related("entered_by", "decided_by", "organization").order_by(
            "-paid_on", "-entered_at", "-pk"
        )
    )
    span = Due.objects.filter(member=member).aggregate(first=Min("month"), last=Max("month"))
    first_year = span["first"].year if span["first"] else today.year
    last_year = max(span["last"].year if span["last"] else today.year, today.year)
    return MemberBooks(
        bases=bases,
        reliefs=reliefs,
        dues=dues,
        payments=payments,
        arrears=arrears_of([member.pk], today).get(member.pk),
        years=list(range(min(first_year, year), max(last_year, year) + 1)),
        current=current,
    )


def category_label(category: str | None) -> str:
    return str(Category(category).label) if category in Category.values else ""
