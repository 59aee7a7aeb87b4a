"""The committee's dues figures per branch, and the branches' half-year publication (党费收缴情况公示).

Everything here is read with a fixed handful of grouped queries, whatever the
number of branches or members: one for the organizations of the subtree, one
for the dues of the period, one for the payments, one for the totals.

Where the money is counted:

- due, paid and outstanding are the dues of the period's months, in the
  books of the branch the member belonged to that month (``Due.organization``);
  paid means settled by a confirmed payment, whenever it was made;
- "to remit upward" is what was collected in the quarter: the dues and the
  voluntary extra of payments confirmed with ``paid_on`` in the quarter, by the
  branch the money was handed to (``Payment.organization``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from branches.access import Capability, can, scope_of
from branches.dates import month_end
from branches.models import Organization
from members.access import own_member
from members.models import Member
from members.spreadsheets import safe_cell
from notifications.services import Notice, notify_members
from notifications.wordings import wording

from .amounts import yuan
from .errors import DuesError
from .models import Due, Payment, Publication

C = Capability
# Dues start with the 2008 rules (the rates' migration): no period before them has figures.
FIRST_YEAR = 2008
PUBLICATION_KIND = "dues_publication"
MEMBERS_PER_PAGE = 100

HALF_LABELS = {1: gettext_lazy("January–June"), 2: gettext_lazy("July–December")}


# --- Periods ------------------------------------------------------------------------------


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def half_of(day: dt.date) -> int:
    return 1 if day.month <= 6 else 2


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    @property
    def first_month(self) -> dt.date:
        return dt.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last_month(self) -> dt.date:
        return dt.date(self.year, 3 * self.quarter, 1)

    @property
    def last_day(self) -> dt.date:
        return month_end(self.year, 3 * self.quarter)

    def __str__(self) -> str:
        return _("%(year)d, quarter %(quarter)d") % {"year": self.year, "quarter": self.quarter}


def last_published_half(today: dt.date) -> tuple[int, int]:
    """The half-year a branch would publish now: the one that ended last."""
    return (today.year, 1) if today.month > 6 else (today.year - 1, 2)


# --- Which organizations a user sees the figures of --------------------------------------


def totals_organizations(user) -> list[Organization]:
    """The organizations the user may pick on the totals page: the top of each subtree where they keep the dues."""
    scope = scope_of(user)
    if scope.is_superuser:
        tops = Organization.objects.filter(parent__isnull=True)
    else:
        paths = scope.paths(C.RECORD_DUES)
        if not paths:
            return []
        tops = Organization.objects.filter(path__in=paths)
    return list(tops.order_by("path"))


def get_totals_organization(user, pk: int) -> Organization:
    """An organization in the user's dues scope, or 404: another committee's branch tells nothing."""
    organization = Organization.objects.filter(pk=pk).first()
    if not can(user, C.RECORD_DUES, organization):
        raise Http404("No such organization")
    return organization


def get_publishing_branch(user, pk: int) -> Organization:
    """A branch where the user keeps the dues, or 404: only branches publish their collection."""
    organization = get_totals_organization(user, pk)
    if organization.kind != Organization.Kind.BRANCH:
        raise Http404("Not a branch")
    return organization


# --- The committee's totals -----------------------------------------------------------------


@dataclass
class BranchTotals:
    organization: Organization
    members: int = 0
    due_fen: int = 0
    paid_fen: int = 0
    remit_fen: int = 0
    extra_fen: int = 0

    @property
    def outstanding_fen(self) -> int:
        return self.due_fen - self.paid_fen

    # Yuan as the pages show them ("1,234.50").
    @property
    def due(self) -> str:
        return yuan(self.due_fen)

    @property
    def paid(self) -> str:
        return yuan(self.paid_fen)

    @property
    def outstanding(self) -> str:
        return yuan(self.outstanding_fen)

    @property
    def remit(self) -> str:
        return yuan(self.remit_fen)

    @property
    def extra(self) -> str:
        return yuan(self.extra_fen)


@dataclass
class Totals:
    organization: Organization
    period: Quarter
    rows: list[BranchTotals] = field(default_factory=list)
    total: BranchTotals | None = None


def _subtree_dues(organization: Organization, period: Quarter) -> QuerySet[Due]:
    return Due.objects.filter(
        organization__path__startswith=organization.path,
        month__gte=period.first_month,
        month__lte=period.last_month,
    )


def _collected(organization: Organization, period: Quarter) -> QuerySet[Payment]:
    return Payment.objects.filter(
        organization__path__startswith=organization.path,
        status=Payment.Status.CONFIRMED,
        paid_on__gte=period.first_month,
        paid_on__lte=period.last_day,
    )


def _figures() -> dict[str, Any]:
    return {
        "members": Count("member_id", distinct=True),
        "due": Sum("amount_fen", default=0),
        "paid": Sum("amount_fen", filter=Q(payment__isnull=False), default=0),
    }


def _money() -> dict[str, Any]:
    return {"remit": Sum(F("dues_fen") + F("extra_fen"), default=0), "extra": Sum("extra_fen", default=0)}


def branch_totals(organization: Organization, period: Quarter) -> Totals:
    """Each branch of the subtree with its members with dues, due, paid, outstanding and what it remits.

    Four queries, however many branches: the organizations, the dues grouped
    by branch, the payments grouped by branch, and the subtree's totals (a
    member who moved branch in the quarter is one member there, not two).
    Organizations that are not branches show only when money is booked to them.
    """
    organizations = list(
        Organization.objects.subtree_of(organization).exclude(kind=Organization.Kind.GROUP).order_by("path")
    )
    dues = {
        row["organization_id"]: row
        for row in _subtree_dues(organization, period).order_by().values("organization_id").annotate(**_figures())
    }
    money = {
        row["organization_id"]: row
        for row in _collected(organization, period).order_by().values("organization_id").annotate(**_money())
    }
    totals = Totals(organization=organization, period=period)
    for candidate in organizations:
        booked, paid = dues.get(candidate.pk), money.get(candidate.pk)
        if candidate.kind != Organization.Kind.BRANCH and booked is None and paid is None:
            continue
        row = BranchTotals(candidate)
        if booked:
            row.members, row.due_fen, row.paid_fen = booked["members"], booked["due"], booked["paid"]
        if paid:
            row.remit_fen, row.extra_fen = paid["remit"], paid["extra"]
        totals.rows.append(row)
    whole = _subtree_dues(organization, period).aggregate(**_figures())
    totals.total = BranchTotals(
        organization,
        members=whole["members"],
        due_fen=whole["due"],
        paid_fen=whole["paid"],
        remit_fen=sum(row.remit_fen for row in totals.rows),
        extra_fen=sum(row.extra_fen for row in totals.rows),
    )
    return totals


# --- The half-year publication ------------------------------------------------------------------


@wording(PUBLICATION_KIND)
def publication_wording(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: branch, year, half (1 or 2)."""
    title = _("Dues collection of %(branch)s, %(year)s %(half)s") % {
        "branch": params["branch"],
        "year": params["year"],
        "half": HALF_LABELS[int(params["half"])],
    }
    return title, _("The branch has published who has paid their dues for which months. Open it to check your own.")


def publication_url(publication: Publication) -> str:
    return reverse("dues:publication", kwargs={"pk": publication.pk})


def publish(
    organization: Organization,
    *,
    year: int,
    half: int,
    show_amounts: bool = False,
    by=None,
    today: dt.date | None = None,
) -> Publication:
    """Publish a branch's collection of a half-year to its members, once; they are told in their inbox once.

    The unique constraint on (branch, year, half) decides, so a double click
    or two secretaries at once publish one; the second is refused.
    """
    today = today or timezone.localdate()
    if half not in HALF_LABELS:
        raise DuesError(_("Choose the first or the second half of the year."), code="bad_half", field="half")
    if year < FIRST_YEAR or (year, half) > (today.year, half_of(today)):
        raise DuesError(_("Only a half-year that has begun can be published."), code="not_begun", field="year")
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                organization=organization,
                year=year,
                half=half,
                show_amounts=show_amounts,
                published_by=by,
                published_at=timezone.now(),
            )
            members = Member.objects.active().filter(organization=organization).values_list("pk", flat=True)
            notice = Notice(
                kind=PUBLICATION_KIND,
                wording=PUBLICATION_KIND,
                params={"branch": organization.name, "year": year, "half": half},
                url=publication_url(publication),
            )
            notify_members(members, notice, key=f"{PUBLICATION_KIND}:{publication.pk}:{{member}}")
    except IntegrityError:
        raise DuesError(
            _("%(branch)s has already published %(year)s %(half)s.")
            % {"branch": organization.name, "year": year, "half": HALF_LABELS[half]},
            code="already_published",
        ) from None
    return publication


def get_visible_publication(user, pk: int) -> Publication:
    """A publication of the user's own branch (active members), or of a branch where they keep the dues; else 404."""
    publication = Publication.objects.select_related("organization", "published_by").filter(pk=pk).first()
    if publication is None:
        raise Http404("No such publication")
    member = own_member(user)
    if member is not None and member.organization_id == publication.organization_id:
        return publication
    if can(user, C.RECORD_DUES, publication.organization):
        return publication
    raise Http404("No such publication")


def own_publications(member: Member) -> QuerySet[Publication]:
    return Publication.objects.filter(organization_id=member.organization_id).order_by("-year", "-half")


PAID, UNPAID, EXEMPT, NOT_DUE = "paid", "unpaid", "exempt", "not_due"


@dataclass
class Cell:
    state: str
    amount_fen: int | None = None

    @property
    def amount(self) -> str:
        return yuan(self.amount_fen)


@dataclass
class PublicationRow:
    name: str
    cells: list[Cell]
    extra_fen: int = 0

    @property
    def paid_fen(self) -> int:
        return sum(cell.amount_fen or 0 for cell in self.cells if cell.state == PAID)

    @property
    def paid(self) -> str:
        return yuan(self.paid_fen)

    @property
    def extra(self) -> str:
        return yuan(self.extra_fen)


@dataclass
class PublicationSummary:
    members: int
    members_settled: int
    due_fen: int
    paid_fen: int
    extra_fen: int

    @property
    def outstanding_fen(self) -> int:
        return self.due_fen - self.paid_fen

    @property
    def due(self) -> str:
        return yuan(self.due_fen)

    @property
    def paid(self) -> str:
        return yuan(self.paid_fen)

    @property
    def outstanding(self) -> str:
        return yuan(self.outstanding_fen)

    @property
    def extra(self) -> str:
        return yuan(self.extra_fen)


def _half_dues(publication: Publication) -> QuerySet[Due]:
    months = publication.months
    return Due.objects.filter(
        organization_id=publication.organization_id, month__gte=months[0], month__lte=months[-1]
    ).order_by()


def _half_payments(publication: Publication) -> QuerySet[Payment]:
    months = publication.months
    return Payment.objects.filter(
        organization_id=publication.organization_id,
        status=Payment.Status.CONFIRMED,
        paid_on__gte=months[0],
        paid_on__lte=month_end(months[-1].year, months[-1].month),
    ).order_by()


def cell_for(amount_fen: int, payment_id: int | None, relief_id: int | None) -> Cell:
    if payment_id is not None:
        return Cell(PAID, amount_fen)
    if amount_fen == 0:
        return Cell(EXEMPT if relief_id is not None else NOT_DUE, 0)
    return Cell(UNPAID, amount_fen)


def publication_table(publication: Publication, page_number: object = 1) -> tuple[Page, list[PublicationRow]]:
    """One page of members by the half's six months: who paid which month; never an income.

    The members are those with a due in the branch's books in the half
    (members who left since are still the branch's account of it). Three
    queries a page, four with amounts: the count, the page of members, their
    dues, and their voluntary extra.
    """
    months = publication.months
    dues = _half_dues(publication)
    members = (
        Member.objects.filter(Exists(dues.filter(member_id=OuterRef("pk"))))
        .order_by("name_pinyin", "name", "pk")
        .only("pk", "name")
    )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(page_number)
    ids = [member.pk for member in page]
    found: dict[tuple[int, dt.date], Cell] = {}
    for member_id, month, amount, payment_id, relief_id in dues.filter(member_id__in=ids).values_list(
        "member_id", "month", "amount_fen", "payment_id", "relief_id"
    ):
        found[member_id, month] = cell_for(amount, payment_id, relief_id)
    extras: dict[int, int] = {}
    if publication.show_amounts:
        extras = dict(
            _half_payments(publication)
            .filter(member_id__in=ids, extra_fen__gt=0)
            .values("member_id")
            .annotate(extra=Sum("extra_fen"))
            .values_list("member_id", "extra")
        )
    rows = [
        PublicationRow(
            name=member.name,
            cells=[found.get((member.pk, month), Cell(NOT_DUE)) for month in months],
            extra_fen=extras.get(member.pk, 0),
        )
        for member in page
    ]
    return page, rows


def publication_summary(publication: Publication) -> PublicationSummary:
    """The branch's figures for the half: two queries."""
    row = _half_dues(publication).aggregate(
        members=Count("member_id", distinct=True),
        members_owing=Count("member_id", distinct=True, filter=Q(payment__isnull=True, amount_fen__gt=0)),
        due=Sum("amount_fen", default=0),
        paid=Sum("amount_fen", filter=Q(payment__isnull=False), default=0),
    )
    extra = _half_payments(publication).aggregate(extra=Sum("extra_fen", default=0))["extra"]
    return PublicationSummary(
        members=row["members"],
        members_settled=row["members"] - row["members_owing"],
        due_fen=row["due"],
        paid_fen=row["paid"],
        extra_fen=extra,
    )


# --- The totals as a spreadsheet ----------------------------------------------------------------

YUAN_FORMAT = "#,##0.00"


def _yuan_number(fen: int) -> Decimal:
    return Decimal(fen) / 100


def totals_workbook(totals: Totals) -> bytes:
    """The totals page's table as an .xlsx: a header row, a row a branch, the total; yuan as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{totals.period.year}Q{totals.period.quarter}"
    headers = [
        _("Organization"),
        _("Members with dues"),
        _("Due (yuan)"),
        _("Paid (yuan)"),
        _("Outstanding (yuan)"),
        _("To remit upward (yuan)"),
        _("Of which voluntary extra (yuan)"),
    ]
    sheet.append([safe_cell(str(header)) for header in headers])
    rows = [*totals.rows]
    if totals.total is not None:
        rows.append(totals.total)
    for index, row in enumerate(rows):
        name = _("Total, all branches") if index == len(totals.rows) else row.organization.name
        sheet.append(
            [
                safe_cell(str(name)),
                row.members,
                *(
                    _yuan_number(fen)
                    for fen in (row.due_fen, row.paid_fen, row.outstanding_fen, row.remit_fen, row.extra_fen)
                ),
            ]
        )
    for column in sheet.iter_cols(min_col=3, max_col=len(headers), min_row=2):
        for cell in column:
            cell.number_format = YUAN_FORMAT
    sheet.column_dimensions["A"].width = 30
    for letter in "BCDEFG":
        sheet.column_dimensions[letter].width = 16
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def totals_filename(totals: Totals) -> str:
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", totals.organization.code or "").strip("-") or str(totals.organization.pk)
    return f"dues-{code}-{totals.period.year}-q{totals.period.quarter}.xlsx"
