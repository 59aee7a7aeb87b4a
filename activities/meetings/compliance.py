"""What is due and what was held: each branch's meetings of each kind, period by period.

For a branch, a kind and a period of the kind's frequency (a month, a quarter
or the year; ``frequencies``):

- **due** is the frequency's times per period; a 党小组会 is due that many times
  for each of the branch's groups.
- **held** counts the meetings of the kind in the period that took place: the
  ones whose outcomes were written (``closed_at`` set, which the close of the
  check-in window does). A meeting whose date passed but whose attendance was
  never fixed is not held: it is what the branch still owes. A held meeting
  whose record is still a draft (or was returned) counts as held, flagged
  "record not yet submitted" (``unsubmitted``); the activity day has no record
  to submit and is never flagged. A group's meetings count up to the times due
  for that group, so one group meeting twice does not stand in for another
  that did not meet.
- **planned** counts the meetings not held yet whose check-in has not closed:
  they may still be held.
- A period is **overdue** once it has ended (its last day is before today)
  with held below due, **open** while it runs, **met** when held reaches due.

Measuring is set-based: for any number of branches one grouped query for the
meetings (by organization, kind, month and group), one for the frequencies
and one for the groups.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.dates import MONTHS_AP
from django.utils.translation import gettext as _

from branches.dates import month_end
from branches.models import Organization

from ..models import Activity
from .frequencies import DUE_KINDS, PERIOD, Frequency, frequencies_for

KIND = Activity.Kind
RECORD = Activity.RecordStatus
# The records a secretary has not handed in yet.
NOT_SUBMITTED = (RECORD.DRAFT, RECORD.RETURNED)


def is_record_pending(activity: Activity) -> bool:
    """Held, but its record not handed in: the one-row form of the ``unsubmitted`` count below."""
    return bool(activity.closed_at and not activity.is_theme_day and activity.record_status in NOT_SUBMITTED)


MONTHS_OF = {PERIOD.MONTH: 1, PERIOD.QUARTER: 3, PERIOD.YEAR: 12}


@dataclass(frozen=True, order=True)
class Span:
    """One period: a month (number 1-12), a quarter (1-4) or the year (1)."""

    year: int
    period: str
    number: int

    @property
    def months(self) -> range:
        size = MONTHS_OF[self.period]
        first = (self.number - 1) * size + 1
        return range(first, first + size)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.months[0], 1)

    @property
    def end(self) -> dt.date:
        return month_end(self.year, self.months[-1])

    @property
    def key(self) -> str:
        """As URLs and notification keys spell it: 2026-03, 2026-q1, 2026."""
        if self.period == PERIOD.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.period == PERIOD.QUARTER:
            return f"{self.year}-q{self.number}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.period == PERIOD.MONTH:
            return _("%(year)d-%(month)02d") % {"year": self.year, "month": self.number}
        if self.period == PERIOD.QUARTER:
            return _("Q%(quarter)d %(year)d") % {"year": self.year, "quarter": self.number}
        return str(self.year)

    @property
    def short_label(self) -> str:
        if self.period == PERIOD.MONTH:
            return str(MONTHS_AP[self.number])
        if self.period == PERIOD.QUARTER:
            return _("Q%(quarter)d") % {"quarter": self.number}
        return _("Whole year")

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end

    def ended(self, today: dt.date) -> bool:
        return self.end < today


def spans(year: int, period: str) -> list[Span]:
    return [Span(year, period, n) for n in range(1, 12 // MONTHS_OF[period] + 1)]


def span_of(year: int, period: str, month: int) -> Span:
    return Span(year, period, (month - 1) // MONTHS_OF[period] + 1)


def parse_span(value: str | None, fallback: Span) -> Span:
    """A span from its key (2026-03, 2026-q2, 2026); the fallback for anything else."""
    value = (value or "").strip().lower()
    try:
        if "-q" in value:
            year, quarter = value.split("-q")
            span = Span(int(year), PERIOD.QUARTER, int(quarter))
        elif "-" in value:
            year, month = value.split("-")
            span = Span(int(year), PERIOD.MONTH, int(month))
        elif value:
            span = Span(int(value), PERIOD.YEAR, 1)
        else:
            return fallback
        if not (2000 <= span.year <= 2100) or span.number not in range(1, 12 // MONTHS_OF[span.period] + 1):
            return fallback
        return span
    except ValueError:
        return fallback


@dataclass
class Cell:
    """One kind in one span (or several spans added up): due, held, and the state of the period."""

    kind: str
    span: Span
    due: int = 0
    held: int = 0
    unsubmitted: int = 0
    planned: int = 0
    ended: bool = False
    # For a cell that adds up several spans: whether one of them is overdue.
    any_overdue: bool = False

    @property
    def status(self) -> str:
        if self.due <= 0:
            return "none"
        if (self.ended and self.held < self.due) or self.any_overdue:
            return "overdue"
        if self.held >= self.due:
            return "met"
        return "open"

    @property
    def is_overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def short(self) -> int:
        """Meetings still missing once the planned ones are held: what a reminder is about."""
        return max(self.due - self.held - self.planned, 0)

    @property
    def label(self) -> str:
        return str(KIND(self.kind).label)


@dataclass
class BranchCompliance:
    branch: Organization
    groups: int
    frequencies: dict[str, Frequency]
    # kind → its spans of the year, in order.
    cells: dict[str, list[Cell]] = field(default_factory=dict)

    def window(self, window: Span) -> dict[str, Cell]:
        """Each kind's spans that overlap ``window``, added up: a quarterly kind in a month shows its quarter."""
        result = {}
        for kind, cells in self.cells.items():
            inside = [c for c in cells if c.span.overlaps(window)]
            total = Cell(kind, window if len(inside) != 1 else inside[0].span)
            for cell in inside:
                total.due += cell.due
                total.held += cell.held
                total.unsubmitted += cell.unsubmitted
                total.planned += cell.planned
                total.any_overdue = total.any_overdue or cell.is_overdue
            total.ended = all(c.ended for c in inside) if inside else False
            result[kind] = total
        return result

    @cached_property
    def overdue(self) -> list[Cell]:
        return [c for cells in self.cells.values() for c in cells if c.is_overdue]

    def ended_totals(self) -> tuple[int, int]:
        """(held, due) over the ended spans of every kind, each span's held capped at its due."""
        held = due = 0
        for cells in self.cells.values():
            for cell in cells:
                if cell.ended and cell.due > 0:
                    held += min(cell.held, cell.due)
                    due += cell.due
        return held, due


def _meeting_rows(branch_ids: list[int], year: int, now: dt.datetime, within: Organization | None) -> QuerySet:
    meetings = Activity.objects.filter(year=year, kind__in=DUE_KINDS)
    if within is not None:
        # A whole subtree: one join on the indexed path instead of a list of thousands of ids.
        meetings = meetings.filter(organization__path__startswith=within.path)
    else:
        meetings = meetings.filter(organization_id__in=branch_ids)
    held = Q(closed_at__isnull=False)
    return (
        meetings.values_list("organization_id", "kind", "month", "group_id")
        .annotate(
            held=Count("pk", filter=held),
            unsubmitted=Count("pk", filter=held & ~Q(kind=KIND.THEME_DAY) & Q(record_status__in=NOT_SUBMITTED)),
            planned=Count("pk", filter=Q(closed_at__isnull=True, closes_at__gt=now)),
        )
        .order_by()
    )


def _group_counts(branch_ids: list[int], within: Organization | None) -> dict[int, int]:
    groups = Organization.objects.filter(kind=Organization.Kind.GROUP)
    if within is not None:
        groups = groups.filter(path__startswith=within.path)
    else:
        groups = groups.filter(parent_id__in=branch_ids)
    return dict(groups.values_list("parent_id").annotate(n=Count("pk")).order_by())


def measure(
    branches: list[Organization], year: int, today: dt.date, *, within: Organization | None = None
) -> dict[int, BranchCompliance]:
    """Per branch, every kind's spans of ``year`` with due, held and planned, as of ``today``.

    ``within``: the branches are all the branches under this organization,
    so the queries select by its path (for the whole subtree at once).
    Three queries, whatever the number of branches.
    """
    branches = [b for b in branches if b.kind == Organization.Kind.BRANCH]
    if not branches:
        return {}
    ids = [b.pk for b in branches]
    wanted = set(ids)
    now = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_default_timezone())
    frequencies = frequencies_for(branches)
    groups = _group_counts(ids, within)
    # The year's spans per period, and whether each has ended, built once: thousands of branches share them.
    year_spans = {period: spans(year, period) for period in MONTHS_OF}
    ended = {span: span.ended(today) for listed in year_spans.values() for span in listed}
    # (branch, kind) → span number → group (None but for 党小组会) → [held, unsubmitted, planned]
    counts: dict[tuple[int, str], dict[int, dict[int | None, list[int]]]] = defaultdict(dict)
    for org_id, kind, month, group_id, held, unsubmitted, planned in _meeting_rows(ids, year, now, within):
        if org_id not in wanted:
            continue
        number = (month - 1) // MONTHS_OF[frequencies[org_id][kind].period] + 1
        by_group = counts[(org_id, kind)].setdefault(number, {})
        tally = by_group.setdefault(group_id if kind == KIND.GROUP else None, [0, 0, 0])
        tally[0] += held
        tally[1] += unsubmitted
        tally[2] += planned
    result = {}
    for branch in branches:
        compliance = BranchCompliance(branch, groups.get(branch.pk, 0), frequencies[branch.pk])
        for kind in DUE_KINDS:
            frequency = compliance.frequencies[kind]
            due = frequency.times * (compliance.groups if kind == KIND.GROUP else 1)
            capped = kind == KIND.GROUP and frequency.times > 0
            mine = counts.get((branch.pk, kind), {})
            cells = []
            for span in year_spans[frequency.period]:
                cell = Cell(kind, span, due=due, ended=ended[span])
                for held, unsubmitted, planned in mine.get(span.number, {}).values():
                    if capped:
                        # Each group's meetings count up to what that group owes.
                        planned = min(planned, max(frequency.times - held, 0))
                        held = min(held, frequency.times)
                    cell.held += held
                    cell.unsubmitted += unsubmitted
                    cell.planned += planned
                cells.append(cell)
            compliance.cells[kind] = cells
        result[branch.pk] = compliance
    return result


def meetings_in(branch: Organization, kind: str, span: Span) -> QuerySet[Activity]:
    """The meetings behind one cell, for the drill-down."""
    return (
        Activity.objects.filter(organization=branch, kind=kind, year=span.year, month__in=list(span.months))
        .select_related("group")
        .order_by("date", "pk")
    )


def branches_under(organization: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(path__startswith=organization.path, kind=Organization.Kind.BRANCH).order_by(
        "path"
    )


# --- The reminder sweep ---------------------------------------------------------------------

NOTICE_KIND = "meeting_due"
# Branches measured at once by the sweep: three queries a batch.
BATCH = 500


def _short_cells(compliance: BranchCompliance, today: dt.date, days: int) -> list[Cell]:
    """Spans still running whose last ``days`` days have come, with fewer held or planned than due."""
    return [
        cell
        for cells in compliance.cells.values()
        for cell in cells
        if cell.due > 0 and not cell.ended and cell.span.end - dt.timedelta(days=days) <= today and cell.short > 0
    ]


def remind_short_meetings(today: dt.date, *, days: int | None = None) -> dict[str, int]:
    """Tell each branch's secretaries, once per kind and period, that the period ends short of what is due.

    Every span whose reminder day has come and that has not ended is looked
    at, so a day the beat missed is caught up the next day; a notice key per
    branch, kind, period and person makes a replayed day send nothing twice.
    """
    from django.conf import settings
    from django.db import transaction
    from django.urls import reverse

    from branches.holders import RoleHolders
    from branches.models import Role
    from notifications.models import Notification
    from notifications.services import Notice, notify_users

    days = settings.MEETING_DUE_REMINDER_DAYS if days is None else days
    told = last = 0
    branches = Organization.objects.branches().order_by("pk").only("pk", "name", "path", "kind", "parent_id")
    while batch := list(branches.filter(pk__gt=last)[:BATCH]):
        last = batch[-1].pk
        short = {
            pk: cells
            for pk, compliance in measure(batch, today.year, today).items()
            if (cells := _short_cells(compliance, today, days))
        }
        if not short:
            continue
        by_pk = {b.pk: b for b in batch}
        holders = RoleHolders((by_pk[pk] for pk in short), Role.SECRETARY_KINDS)
        users = {pk: holders.on(pk, Role.SECRETARY_KINDS) for pk in short}
        keys = {
            (pk, cell.kind, cell.span): f"{NOTICE_KIND}:{pk}:{cell.kind}:{cell.span.key}:user:"
            for pk, cells in short.items()
            for cell in cells
        }
        # Who was told already, in one query: a replayed day then writes nothing and asks nothing more.
        wanted = [prefix + str(user) for (pk, _kind, _span), prefix in keys.items() for user in users[pk]]
        told_before = set(Notification.objects.filter(key__in=wanted).values_list("key", flat=True))
        to_send = []
        for pk, cells in short.items():
            url = reverse("meetings:compliance_branch", args=[pk]) + f"?year={today.year}"
            for cell in cells:
                prefix = keys[(pk, cell.kind, cell.span)]
                left = {user for user in users[pk] if prefix + str(user) not in told_before}
                if not left:
                    continue
                params = {
                    "branch": by_pk[pk].name,
                    "kind": cell.kind,
                    "span": cell.span.key,
                    "ends_on": cell.span.end.isoformat(),
                    "due": cell.due,
                    "held": cell.held,
                    "planned": cell.planned,
                    "short": cell.short,
                }
                to_send.append((left, Notice(kind=NOTICE_KIND, params=params, url=url), prefix + "{user}"))
        if to_send:
            with transaction.atomic():
                for left, notice, key in to_send:
                    told += notify_users(left, notice, key=key)
    return {"reminded": told}
