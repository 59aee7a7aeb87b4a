"""Automatic items: what netbranch's own records say, one rule per item method.

Each rule measures a batch of subjects (members or branches) with a handful
of grouped queries, never one query per subject, and returns for each subject
what was done out of what was due, plus the counts shown beside the rule on
the page. Points are the item's points times done/due; nothing due means full
points, so a member is never marked down for a month in which nothing was
asked of them. What the rules excuse (approved leave) is neither done nor
due.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activities.models import Activity, Attendance, CheckIn, MaterialDelivery, Report
from branches.dates import month_end
from members.models import Contact, Member, Visit

from .models import Subject

TENTH = Decimal("0.1")


@dataclass
class Measure:
    done: int = 0
    due: int = 0
    facts: dict[str, int] = field(default_factory=dict)

    def points(self, full: Decimal) -> Decimal:
        if self.due <= 0:
            return full
        done = min(self.done, self.due)
        return (full * done / self.due).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Period:
    """The part of the year the rules look at: 1 January to the cut-off (end of year or today)."""

    year: int
    cutoff: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, 1, 1, tzinfo=timezone.get_default_timezone())

    @property
    def end(self) -> dt.datetime:
        """Exclusive: midnight after the cut-off day."""
        return dt.datetime.combine(
            self.cutoff + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_default_timezone()
        )

    def months_ended(self) -> list[int]:
        """Months of the year that are over by the cut-off: only they can be due."""
        if self.cutoff.year < self.year:
            return []
        cutoff = self.cutoff
        last = cutoff.month if cutoff == month_end(cutoff.year, cutoff.month) else cutoff.month - 1
        return list(range(1, last + 1))


def period_for(year: int, today: dt.date) -> Period:
    return Period(year, min(dt.date(year, 12, 31), today))


Measurer = Callable[[list[int], Period], dict[int, Measure]]


@dataclass(frozen=True)
class Rule:
    key: str
    subject: str
    label: str
    # The rule as stated on the page, beside the item.
    explanation: str
    measure: Measurer
    describe: Callable[[dict[str, int]], str]


RULES: dict[str, Rule] = {}


def rule(key: str, subject: str, label: str, explanation: str, describe: Callable[[dict[str, int]], str]):
    def register(measure: Measurer) -> Measurer:
        RULES[key] = Rule(key, subject, label, explanation, measure, describe)
        return measure

    return register


def choices(subject: str) -> list[tuple[str, str]]:
    return [(r.key, r.label) for r in RULES.values() if r.subject == subject]


def _party_start_month(joined: dt.date | None, year: int) -> int:
    """First month a member owes anything: the month they joined, if it was this year."""
    if joined is None or joined.year < year:
        return 1
    return joined.month if joined.year == year else 13


# --- Members ------------------------------------------------------------------------------


def _attendance_counts(key: str, ids: list[int], period: Period) -> dict[int, Measure]:
    rows = (
        Attendance.objects.filter(**{f"{key}__in": ids}, activity__year=period.year, activity__date__lte=period.cutoff)
        .values_list(key, "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    measures: dict[int, Measure] = defaultdict(Measure)
    for subject_id, outcome, n in rows:
        measures[subject_id].facts[outcome] = n
    for measure in measures.values():
        facts = measure.facts
        for outcome in Attendance.Outcome.values:
            facts.setdefault(outcome, 0)
        measure.done = facts["attended"] + facts["made_up"]
        measure.due = measure.done + facts["absent"]
        facts.update(done=measure.done, due=measure.due)
    return measures


def _describe_attendance(facts: dict[str, int]) -> str:
    return _(
        "Attended %(attended)d and made up %(made_up)d of %(due)d activity days; absent %(absent)d. "
        "%(excused)d on approved leave, not counted."
    ) % {k: facts.get(k, 0) for k in ("attended", "made_up", "due", "absent", "excused")}


@rule(
    "attendance",
    Subject.MEMBER,
    _("Activity-day attendance"),
    _(
        "Points × (attended + made up) ÷ (attended + made up + absent), over the year's activity days of the "
        "member's branch that have closed. Approved leave is neither attended nor due."
    ),
    _describe_attendance,
)
def attendance(ids: list[int], period: Period) -> dict[int, Measure]:
    return _attendance_counts("member_id", ids, period)


def _study_counts(key: str, ids: list[int], period: Period) -> dict[int, Measure]:
    deliveries = MaterialDelivery.objects.filter(
        **{f"{key}__in": ids}, delivered_at__gte=period.start, delivered_at__lt=period.end
    )
    measures: dict[int, Measure] = defaultdict(Measure)
    for subject_id, delivered, studied in (
        deliveries.values_list(key)
        .annotate(n=Count("pk"), studied=Count("pk", filter=Q(studied_at__isnull=False)))
        .order_by()
    ):
        measures[subject_id].facts.update(delivered=delivered, studied=studied, excused=0)
    # Material of an activity day the member was excused from is not owed
    # unless they studied it anyway.
    excused = Attendance.objects.filter(
        member_id=OuterRef("member_id"), activity_id=OuterRef("activity_id"), outcome=Attendance.Outcome.EXCUSED
    )
    for subject_id, n in (
        deliveries.filter(Exists(excused), studied_at__isnull=True).values_list(key).annotate(n=Count("pk")).order_by()
    ):
        measures[subject_id].facts["excused"] = n
    for measure in measures.values():
        facts = measure.facts
        measure.done = facts["studied"]
        measure.due = facts["delivered"] - facts["excused"]
        facts.update(done=measure.done, due=measure.due)
    return measures


def _describe_study(facts: dict[str, int]) -> str:
    return _(
        "Studied %(studied)d of %(due)d materials due; %(excused)d more were sent for activity days on approved "
        "leave and are not counted."
    ) % {k: facts.get(k, 0) for k in ("studied", "due", "excused")}


@rule(
    "study",
    Subject.MEMBER,
    _("Study completion"),
    _(
        "Points × materials studied ÷ materials sent this year. Material of an activity day the member was on "
        "approved leave for is not counted unless they studied it."
    ),
    _describe_study,
)
def study(ids: list[int], period: Period) -> dict[int, Measure]:
    return _study_counts("member_id", ids, period)


def _month_of(when: str, period: Period):
    """The month (Asia/Shanghai) of a timestamp of the year.

    SQLite converts a time zone in Python, row by row, which made ExtractMonth
    most of a province's contact rule there (52 s to open a 100,000-member
    round, 33 s with comparisons); PostgreSQL does it natively and is slower
    with eleven comparisons (81 s against 95 s), so each gets its own.
    """
    if connection.vendor != "sqlite":
        return ExtractMonth(when)
    zone = timezone.get_default_timezone()
    firsts = [dt.datetime(period.year, month + 1, 1, tzinfo=zone) for month in range(1, 12)]
    return Case(
        *(When(**{f"{when}__lt": first}, then=Value(month)) for month, first in enumerate(firsts, start=1)),
        default=Value(12),
        output_field=IntegerField(),
    )


def _months_with(model, when: str, ids: list[int], period: Period) -> set[tuple[int, int]]:
    rows = (
        model.objects.filter(member_id__in=ids, **{f"{when}__gte": period.start, f"{when}__lt": period.end})
        .annotate(month=_month_of(when, period))
        .values_list("member_id", "month")
        .distinct()
        .order_by()
    )
    return set(rows)


def _members(ids: list[int]) -> list[tuple[int, dt.date | None, int]]:
    return list(
        Member.objects.filter(pk__in=ids).values_list("pk", "joined_party_on", "organization__report_every_months")
    )


@rule(
    "reports",
    Subject.MEMBER,
    _("Reports on time"),
    _(
        "Points × report periods with at least one report ÷ report periods due. A period is as long as the "
        "branch's reporting rule says (every three months by default) and is due once it has ended."
    ),
    lambda facts: _("Reported in %(done)d of %(due)d periods due.") % facts,
)
def reports(ids: list[int], period: Period) -> dict[int, Measure]:
    months = _months_with(Report, "submitted_at", ids, period)
    ended = set(period.months_ended())
    measures = {}
    for pk, joined, every in _members(ids):
        first = _party_start_month(joined, period.year)
        done = due = 0
        for start in range(1, 13, every):
            span = range(start, min(start + every, 13))
            if span[-1] not in ended or span[-1] < first:
                continue
            due += 1
            done += any((pk, m) in months for m in span)
        measures[pk] = Measure(done, due, {"done": done, "due": due})
    return measures


@rule(
    "contact",
    Subject.MEMBER,
    _("Contact kept"),
    _(
        "Points × months with any contact ÷ months due. A check-in, a report or a contact the branch recorded "
        "each count; months before joining the Party are not due."
    ),
    lambda facts: (
        ngettext(
            "In touch in %(done)d of %(due)d month.", "In touch in %(done)d of %(due)d months.", facts.get("due", 0)
        )
        % facts
    ),
)
def contact(ids: list[int], period: Period) -> dict[int, Measure]:
    months = (
        _months_with(Contact, "at", ids, period)
        | _months_with(CheckIn, "checked_in_at", ids, period)
        | _months_with(Report, "submitted_at", ids, period)
    )
    ended = period.months_ended()
    measures = {}
    for pk, joined, _every in _members(ids):
        due_months = [m for m in ended if m >= _party_start_month(joined, period.year)]
        done = sum((pk, m) in months for m in due_months)
        measures[pk] = Measure(done, len(due_months), {"done": done, "due": len(due_months)})
    return measures


# --- Branches -----------------------------------------------------------------------------


@rule(
    "branch_activities",
    Subject.BRANCH,
    _("Activity days held"),
    _("Points × months whose activity day was held and closed ÷ months of the year that have ended."),
    lambda facts: _("Held %(done)d of %(due)d activity days.") % facts,
)
def branch_activities(ids: list[int], period: Period) -> dict[int, Measure]:
    ended = period.months_ended()
    held = dict(
        Activity.objects.filter(organization_id__in=ids, year=period.year, month__in=ended, closed_at__isnull=False)
        .values_list("organization_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {pk: Measure(held.get(pk, 0), len(ended), {"done": held.get(pk, 0), "due": len(ended)}) for pk in ids}


@rule(
    "branch_attendance",
    Subject.BRANCH,
    _("Members at activity days"),
    _(
        "Points × (attended + made up) ÷ (attended + made up + absent) over every member and every closed "
        "activity day of the year. Approved leave is not counted."
    ),
    _describe_attendance,
)
def branch_attendance(ids: list[int], period: Period) -> dict[int, Measure]:
    return _attendance_counts("activity__organization_id", ids, period)


@rule(
    "branch_study",
    Subject.BRANCH,
    _("Members' study completion"),
    _(
        "Points × materials studied ÷ materials sent to the branch's members this year; material of an "
        "activity day a member was on leave for is not counted unless studied."
    ),
    _describe_study,
)
def branch_study(ids: list[int], period: Period) -> dict[int, Measure]:
    return _study_counts("member__organization_id", ids, period)


@rule(
    "branch_reports",
    Subject.BRANCH,
    _("Reports answered"),
    _("Points × members' reports of the year with a reply ÷ reports handed in."),
    lambda facts: _("Answered %(done)d of %(due)d reports.") % facts,
)
def branch_reports(ids: list[int], period: Period) -> dict[int, Measure]:
    rows = (
        Report.objects.filter(
            member__organization_id__in=ids, submitted_at__gte=period.start, submitted_at__lt=period.end
        )
        .values_list("member__organization_id")
        .annotate(n=Count("pk"), replied=Count("pk", filter=Q(replied_at__isnull=False)))
        .order_by()
    )
    return {pk: Measure(replied, n, {"done": replied, "due": n}) for pk, n, replied in rows}


@rule(
    "branch_visits",
    Subject.BRANCH,
    _("Members in hardship visited"),
    _("Points × active members in hardship visited or helped this year ÷ active members in hardship."),
    lambda facts: _("Visited %(done)d of %(due)d members in hardship.") % facts,
)
def branch_visits(ids: list[int], period: Period) -> dict[int, Measure]:
    visited = Visit.objects.filter(
        member_id=OuterRef("pk"), visited_on__gte=period.start.date(), visited_on__lte=period.cutoff
    )
    rows = (
        Member.objects.active()
        .filter(organization_id__in=ids, in_hardship=True)
        .values_list("organization_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(Exists(visited))))
        .order_by()
    )
    return {pk: Measure(done, n, {"done": done, "due": n}) for pk, n, done in rows}
