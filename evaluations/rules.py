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
from functools import cached_property, lru_cache

from django.db.models import Case, Count, Exists, F, Func, IntegerField, OuterRef, Q, Sum, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activities.models import Activity, Attendance, MaterialDelivery, MemberMonth, Report
from branches.dates import month_end
from members.models import Member, Visit

from .lookups import IdsIn
from .models import Subject

TENTH = Decimal("0.1")
# Django builds a choices enum's ``values`` afresh on every access: once per member was seconds a province.
OUTCOMES = tuple(Attendance.Outcome.values)


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

    @property
    def whole_months(self) -> int:
        """The last month whose records all count, so the monthly facts answer for it and every month before.

        0 when only the days before the year do (an activity day moved into
        the December before), -1 when nothing does (a cut-off before the year).
        """
        if self.cutoff >= dt.date(self.year, 12, 31):
            return 12
        if self.cutoff.year < self.year:
            return -1
        ended = self.months_ended()
        return ended[-1] if ended else 0

    @property
    def partial_from(self) -> dt.date | None:
        """The first day after the whole months, if days of it up to the cut-off count; else None.

        Those days, part of a month, are read from the records themselves:
        a month's facts cannot tell the 10th from the 20th.
        """
        last = self.whole_months
        if last == 12:
            return None
        first = dt.date(self.year, last + 1, 1) if last >= 0 else dt.date.min
        return first if first <= self.cutoff else None


def period_for(year: int, today: dt.date) -> Period:
    return Period(year, min(dt.date(year, 12, 31), today))


Measurer = Callable[["Chunk"], dict[int, Measure]]


@dataclass(frozen=True)
class Rule:
    key: str
    subject: str
    label: str
    # The rule as stated on the page, beside the item.
    explanation: str
    measure: Measurer
    describe: Callable[[dict[str, int]], str]
    # Reads the members' monthly facts, which scoring rebuilds first.
    monthly: bool = False


RULES: dict[str, Rule] = {}


def rule(
    key: str,
    subject: str,
    label: str,
    explanation: str,
    describe: Callable[[dict[str, int]], str],
    *,
    monthly: bool = False,
):
    def register(measure: Measurer) -> Measurer:
        RULES[key] = Rule(key, subject, label, explanation, measure, describe, monthly)
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
#
# The member rules read the monthly facts (``activities.monthly``), which
# scoring rebuilds for the round's members just before: the whole months up
# to the cut-off from them, the part of a month after them from the records.


@dataclass
class MonthTotals:
    """A member's whole months of the period, added up from the monthly facts."""

    outcomes: dict[str, int]
    delivered: int
    studied: int
    excused: int
    # Bit masks, bit m for month m: months with a report, and months with any contact.
    reported: int
    in_touch: int


# One bit per month (2 ** month), summed over a member's rows (one a month): which months matched.
MONTH_BIT = Func(F("month"), template="(1 << %(expressions)s)", output_field=IntegerField())


def _bits(condition: Q) -> Sum:
    # Only ended months are ever due, and they are whole, so month 0 (days before the year) never is.
    return Sum(Case(When(condition & Q(month__gte=1), then=MONTH_BIT), default=0, output_field=IntegerField()))


class Chunk:
    """The subjects rules measure at once, in a period; what several rules read about them is read once."""

    def __init__(self, ids: list[int], period: Period) -> None:
        self.ids, self.period = ids, period

    @cached_property
    def months(self) -> dict[int, MonthTotals]:
        """Each member's whole months up to the cut-off, in one grouped query over about twelve rows a member."""
        outcomes = OUTCOMES
        rows = (
            MemberMonth.objects.filter(
                IdsIn("member_id", self.ids), year=self.period.year, month__lte=self.period.whole_months
            )
            .values_list("member_id")
            .annotate(
                *(Sum(outcome) for outcome in outcomes),
                Sum("delivered"),
                Sum("studied"),
                Sum("unstudied_excused"),
                reported=_bits(Q(reports__gt=0)),
                in_touch=_bits(Q(checkins__gt=0) | Q(reports__gt=0) | Q(contacts__gt=0)),
            )
            .order_by()
        )
        totals = {}
        for pk, *counts in rows:
            totals[pk] = MonthTotals(dict(zip(outcomes, counts[:4], strict=True)), *counts[4:])
        return totals

    @cached_property
    def members(self) -> list[tuple[int, dt.date, int]]:
        """(pk, joined the Party on, the branch's report period in months) of each member."""
        return list(
            Member.objects.filter(IdsIn("pk", self.ids)).values_list(
                "pk", "joined_party_on", "organization__report_every_months"
            )
        )


def _attendance_measures(counts: dict[int, dict[str, int]]) -> dict[int, Measure]:
    """Attended or made up out of those plus the absences; approved leave is neither."""
    measures: dict[int, Measure] = {}
    for subject_id, outcomes in counts.items():
        if not any(outcomes.values()):
            continue
        facts = dict.fromkeys(OUTCOMES, 0) | outcomes
        done = facts["attended"] + facts["made_up"]
        due = done + facts["absent"]
        measures[subject_id] = Measure(done, due, {**facts, "done": done, "due": due})
    return measures


def _attendance_records(key: str, ids: list[int], period: Period, since: dt.date | None = None) -> dict:
    """Outcomes per subject of the year's activity days from ``since`` (or the first) to the cut-off."""
    rows = Attendance.objects.filter(IdsIn(key, ids), activity__year=period.year, activity__date__lte=period.cutoff)
    if since is not None:
        rows = rows.filter(activity__date__gte=since)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for subject_id, outcome, n in rows.values_list(key, "outcome").annotate(n=Count("pk")).order_by():
        counts[subject_id][outcome] = n
    return counts


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
    monthly=True,
)
def attendance(chunk: Chunk) -> dict[int, Measure]:
    period = chunk.period
    counts = {pk: dict(totals.outcomes) for pk, totals in chunk.months.items()}
    if period.partial_from:
        partial = _attendance_records("member_id", chunk.ids, period, period.partial_from)
        for subject_id, outcomes in partial.items():
            mine = counts.setdefault(subject_id, dict.fromkeys(OUTCOMES, 0))
            for outcome, n in outcomes.items():
                mine[outcome] += n
    return _attendance_measures(counts)


def _study_records(key: str, ids: list[int], since: dt.datetime, until: dt.datetime) -> dict:
    """Material sent to each subject from ``since`` until before ``until``: delivered, studied, excused."""
    deliveries = MaterialDelivery.objects.filter(IdsIn(key, ids), delivered_at__gte=since, delivered_at__lt=until)
    counts: dict[int, dict[str, int]] = {}
    for subject_id, delivered, studied in (
        deliveries.values_list(key)
        .annotate(n=Count("pk"), studied=Count("pk", filter=Q(studied_at__isnull=False)))
        .order_by()
    ):
        counts[subject_id] = {"delivered": delivered, "studied": studied, "excused": 0}
    # Material of an activity day the member was excused from is not owed
    # unless they studied it anyway.
    excused = Attendance.objects.filter(
        member_id=OuterRef("member_id"), activity_id=OuterRef("activity_id"), outcome=Attendance.Outcome.EXCUSED
    )
    for subject_id, n in (
        deliveries.filter(Exists(excused), studied_at__isnull=True).values_list(key).annotate(n=Count("pk")).order_by()
    ):
        counts[subject_id]["excused"] = n
    return counts


def _study_measures(counts: dict[int, dict[str, int]]) -> dict[int, Measure]:
    measures: dict[int, Measure] = {}
    for subject_id, facts in counts.items():
        if not facts["delivered"]:
            continue
        done, due = facts["studied"], facts["delivered"] - facts["excused"]
        measures[subject_id] = Measure(done, due, {**facts, "done": done, "due": due})
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
    monthly=True,
)
def study(chunk: Chunk) -> dict[int, Measure]:
    period = chunk.period
    counts = {
        pk: {"delivered": totals.delivered, "studied": totals.studied, "excused": totals.excused}
        for pk, totals in chunk.months.items()
    }
    if period.partial_from:
        since = period.start
        if period.partial_from > since.date():
            since = dt.datetime.combine(period.partial_from, dt.time.min, tzinfo=timezone.get_default_timezone())
        for subject_id, partial in _study_records("member_id", chunk.ids, since, period.end).items():
            mine = counts.setdefault(subject_id, {"delivered": 0, "studied": 0, "excused": 0})
            for name, n in partial.items():
                mine[name] += n
    return _study_measures(counts)


@rule(
    "reports",
    Subject.MEMBER,
    _("Reports on time"),
    _(
        "Points × report periods with at least one report ÷ report periods due. A period is as long as the "
        "branch's reporting rule says (every three months by default) and is due once it has ended."
    ),
    lambda facts: _("Reported in %(done)d of %(due)d periods due.") % facts,
    monthly=True,
)
def reports(chunk: Chunk) -> dict[int, Measure]:
    last = _last_ended(chunk.period)
    measures = {}
    for pk, joined, every in chunk.members:
        reported = chunk.months[pk].reported if pk in chunk.months else 0
        done, due = _periods_reported(_party_start_month(joined, chunk.period.year), every, last, reported)
        measures[pk] = Measure(done, due, {"done": done, "due": due})
    return measures


def _last_ended(period: Period) -> int:
    """The last month over by the cut-off (0 if none): the months ended are 1 to it."""
    ended = period.months_ended()
    return ended[-1] if ended else 0


# Members share these few inputs by the thousand: each combination is worked out once.
@lru_cache(maxsize=8192)
def _periods_reported(first: int, every: int, last: int, reported: int) -> tuple[int, int]:
    """(periods with a report, periods due): those of ``every`` months that ended by ``last``, from ``first`` on."""
    done = due = 0
    for start in range(1, 13, every):
        end = min(start + every, 13) - 1
        if end > last or end < first:
            continue
        due += 1
        # Bits start to end: the period's months.
        done += bool(reported & ((1 << (end + 1)) - (1 << start)))
    return done, due


@lru_cache(maxsize=8192)
def _months_in_touch(first: int, last: int, in_touch: int) -> tuple[int, int]:
    """(months in touch, months due): the months from ``first`` to ``last``."""
    due_months = range(max(first, 1), last + 1)
    return sum(in_touch >> month & 1 for month in due_months), len(due_months)


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
    monthly=True,
)
def contact(chunk: Chunk) -> dict[int, Measure]:
    last = _last_ended(chunk.period)
    measures = {}
    for pk, joined, _every in chunk.members:
        in_touch = chunk.months[pk].in_touch if pk in chunk.months else 0
        done, due = _months_in_touch(_party_start_month(joined, chunk.period.year), last, in_touch)
        measures[pk] = Measure(done, due, {"done": done, "due": due})
    return measures


# --- Branches -----------------------------------------------------------------------------


@rule(
    "branch_activities",
    Subject.BRANCH,
    _("Activity days held"),
    _("Points × months whose activity day was held and closed ÷ months of the year that have ended."),
    lambda facts: _("Held %(done)d of %(due)d activity days.") % facts,
)
def branch_activities(chunk: Chunk) -> dict[int, Measure]:
    ids, period = chunk.ids, chunk.period
    ended = period.months_ended()
    held = dict(
        Activity.objects.filter(
            IdsIn("organization_id", ids),
            kind=Activity.Kind.THEME_DAY,
            year=period.year,
            month__in=ended,
            closed_at__isnull=False,
        )
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
def branch_attendance(chunk: Chunk) -> dict[int, Measure]:
    ids, period = chunk.ids, chunk.period
    return _attendance_measures(_attendance_records("activity__organization_id", ids, period))


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
def branch_study(chunk: Chunk) -> dict[int, Measure]:
    ids, period = chunk.ids, chunk.period
    return _study_measures(_study_records("member__organization_id", ids, period.start, period.end))


@rule(
    "branch_reports",
    Subject.BRANCH,
    _("Reports answered"),
    _("Points × members' reports of the year with a reply ÷ reports handed in."),
    lambda facts: _("Answered %(done)d of %(due)d reports.") % facts,
)
def branch_reports(chunk: Chunk) -> dict[int, Measure]:
    ids, period = chunk.ids, chunk.period
    rows = (
        Report.objects.filter(
            IdsIn("member__organization_id", ids), submitted_at__gte=period.start, submitted_at__lt=period.end
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
def branch_visits(chunk: Chunk) -> dict[int, Measure]:
    ids, period = chunk.ids, chunk.period
    visited = Visit.objects.filter(
        member_id=OuterRef("pk"), visited_on__gte=period.start.date(), visited_on__lte=period.cutoff
    )
    rows = (
        Member.objects.active()
        .filter(IdsIn("organization_id", ids), in_hardship=True)
        .values_list("organization_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(Exists(visited))))
        .order_by()
    )
    return {pk: Measure(done, n, {"done": done, "due": n}) for pk, n, done in rows}


@rule(
    "branch_meetings",
    Subject.BRANCH,
    _("Meetings held as due"),
    _(
        "Points × meetings held ÷ meetings due, over every kind of meeting (支部党员大会, 支委会, 党小组会, 党课, "
        "主题党日, 组织生活会, 民主评议党员) and every period of the year that has ended, as often as the branch's "
        "meeting frequencies ask; a period counts at most the meetings due in it. A meeting is held once its "
        "attendance is recorded."
    ),
    lambda facts: _("Held %(done)d of %(due)d meetings due.") % facts,
)
def branch_meetings(chunk: Chunk) -> dict[int, Measure]:
    from activities.meetings.compliance import measure
    from branches.models import Organization

    ids, period = chunk.ids, chunk.period
    branches = list(Organization.objects.filter(IdsIn("pk", ids)).only("pk", "kind", "path", "parent_id"))
    # A span has ended when its last day is on or before the cut-off: measured as of the day after.
    measured = measure(branches, period.year, period.cutoff + dt.timedelta(days=1))
    measures = {}
    for pk, compliance in measured.items():
        held, due = compliance.ended_totals()
        measures[pk] = Measure(held, due, {"done": held, "due": due})
    return measures
