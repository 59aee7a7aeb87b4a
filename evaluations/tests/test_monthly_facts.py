"""The member rules read monthly facts (``activities.monthly``) and give exactly what the records give.

``RecordRules`` below are the member rules as they were when they read the
records themselves, chunk by chunk: the reference. Varied records (activity
days moved across month and year ends, timestamps either side of midnight in
Shanghai, members joining during the year, two reporting rules) are scored
both ways for cut-offs across the year, and must agree on every count.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractMonth

from activities.models import Attendance, CheckIn, MaterialDelivery, MemberMonth, Report
from activities.monthly import refresh_member_months
from activities.tests.factories import ActivityFactory, MaterialFactory
from branches.tests.factories import OrganizationFactory
from evaluations import services
from evaluations.models import Item, ItemScore
from evaluations.rules import RULES, Chunk, Measure, Period, _party_start_month, period_for
from evaluations.scoring import score_automatic
from members.models import Contact, Member
from members.tests.factories import MemberFactory

from .conftest import YEAR, build_member_scheme

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
MEMBER_RULES = ("attendance", "study", "reports", "contact")


class RecordRules:
    """The member rules reading the records, as they did before the monthly facts."""

    @staticmethod
    def attendance(ids: list[int], period: Period) -> dict[int, Measure]:
        rows = (
            Attendance.objects.filter(member_id__in=ids, activity__year=period.year, activity__date__lte=period.cutoff)
            .values_list("member_id", "outcome")
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

    @staticmethod
    def study(ids: list[int], period: Period) -> dict[int, Measure]:
        deliveries = MaterialDelivery.objects.filter(
            member_id__in=ids, delivered_at__gte=period.start, delivered_at__lt=period.end
        )
        measures: dict[int, Measure] = defaultdict(Measure)
        for subject_id, delivered, studied in (
            deliveries.values_list("member_id")
            .annotate(n=Count("pk"), studied=Count("pk", filter=Q(studied_at__isnull=False)))
            .order_by()
        ):
            measures[subject_id].facts.update(delivered=delivered, studied=studied, excused=0)
        excused = Attendance.objects.filter(
            member_id=OuterRef("member_id"), activity_id=OuterRef("activity_id"), outcome=Attendance.Outcome.EXCUSED
        )
        for subject_id, n in (
            deliveries.filter(Exists(excused), studied_at__isnull=True)
            .values_list("member_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            measures[subject_id].facts["excused"] = n
        for measure in measures.values():
            facts = measure.facts
            measure.done = facts["studied"]
            measure.due = facts["delivered"] - facts["excused"]
            facts.update(done=measure.done, due=measure.due)
        return measures

    @staticmethod
    def _months_with(model, when: str, ids: list[int], period: Period) -> set[tuple[int, int]]:
        return set(
            model.objects.filter(member_id__in=ids, **{f"{when}__gte": period.start, f"{when}__lt": period.end})
            .annotate(month=ExtractMonth(when))
            .values_list("member_id", "month")
            .distinct()
            .order_by()
        )

    @staticmethod
    def _members(ids: list[int]):
        return Member.objects.filter(pk__in=ids).values_list(
            "pk", "joined_party_on", "organization__report_every_months"
        )

    @classmethod
    def reports(cls, ids: list[int], period: Period) -> dict[int, Measure]:
        months = cls._months_with(Report, "submitted_at", ids, period)
        ended = set(period.months_ended())
        measures = {}
        for pk, joined, every in cls._members(ids):
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

    @classmethod
    def contact(cls, ids: list[int], period: Period) -> dict[int, Measure]:
        months = (
            cls._months_with(Contact, "at", ids, period)
            | cls._months_with(CheckIn, "checked_in_at", ids, period)
            | cls._months_with(Report, "submitted_at", ids, period)
        )
        ended = period.months_ended()
        measures = {}
        for pk, joined, _every in cls._members(ids):
            due_months = [m for m in ended if m >= _party_start_month(joined, period.year)]
            done = sum((pk, m) in months for m in due_months)
            measures[pk] = Measure(done, len(due_months), {"done": done, "due": len(due_months)})
        return measures


def comparable(measures: dict[int, Measure]) -> dict[int, tuple[int, int, dict]]:
    return {pk: (m.done, m.due, m.facts) for pk, m in measures.items()}


def moment(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    """Any hour between two days, in UTC: about a third of them fall on another day in Shanghai."""
    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    return dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=UTC)


def varied_records(seed: int) -> list[int]:
    """Two branches (reports every three and every five months) and a year of mixed records."""
    rng = random.Random(seed)
    around = (dt.date(YEAR - 1, 12, 1), dt.date(YEAR + 1, 1, 31))
    branches = [
        OrganizationFactory(name=f"支部{seed}-{n}", code=f"b{seed}-{n}", report_every_months=every)
        for n, every in enumerate((3, 5))
    ]
    members = []
    for n in range(14):
        # Most joined years ago; some this year (any month), one next year.
        joined = rng.choice(
            [dt.date(2001, 7, 1), dt.date(YEAR, rng.randint(1, 12), rng.randint(1, 28)), dt.date(YEAR + 1, 2, 1)]
            if n % 3
            else [dt.date(1999, 3, 3)]
        )
        members.append(MemberFactory(organization=branches[n % 2], joined_party_on=joined))
    for branch in branches:
        days = {}
        for month in range(1, 13):
            day = dt.date(YEAR, month, 6)
            # Moved: January's into the December before, December's into the January after,
            # and one month's a few days into the next.
            if month == 1 and rng.random() < 0.7:
                day = dt.date(YEAR - 1, 12, 28)
            elif month == 12 and rng.random() < 0.7:
                day = dt.date(YEAR + 1, 1, 3)
            elif rng.random() < 0.2:
                day = dt.date(YEAR, month, 28) + dt.timedelta(days=rng.randint(0, 7))
            days[month] = ActivityFactory(organization=branch, date=day, year=YEAR, month=month)
        days[0] = ActivityFactory(organization=branch, date=dt.date(YEAR - 1, 12, 6))
        days[13] = ActivityFactory(organization=branch, date=dt.date(YEAR + 1, 1, 6))
        for member in (m for m in members if m.organization_id == branch.pk):
            for activity in days.values():
                if rng.random() < 0.15:
                    continue
                outcome = rng.choice(Attendance.Outcome.values)
                Attendance.objects.create(
                    member=member, activity=activity, outcome=outcome, recorded_at=activity.closes_at
                )
                if outcome in ("attended", "made_up"):
                    when = activity.opens_at if rng.random() < 0.5 else moment(rng, *around)
                    CheckIn.objects.create(member=member, activity=activity, checked_in_at=when)
                delivered = activity.morning() if rng.random() < 0.6 else moment(rng, *around)
                MaterialDelivery.objects.create(
                    member=member,
                    material=MaterialFactory(),
                    activity=activity,
                    delivered_at=delivered,
                    studied_at=delivered + dt.timedelta(days=rng.randint(0, 40)) if rng.random() < 0.6 else None,
                )
            for _ in range(rng.randint(0, 4)):
                MaterialDelivery.objects.create(
                    member=member, material=MaterialFactory(), delivered_at=moment(rng, *around)
                )
            for _ in range(rng.randint(0, 6)):
                report = Report.objects.create(member=member, title="思想汇报", body="正文")
                Report.objects.filter(pk=report.pk).update(submitted_at=moment(rng, *around))
            for _ in range(rng.randint(0, 5)):
                Contact.objects.create(member=member, at=moment(rng, *around), note="电话联系")
    return [member.pk for member in members]


CUTOFFS = [
    dt.date(YEAR, 12, 31),
    dt.date(YEAR, 12, 15),
    dt.date(YEAR, 11, 30),
    dt.date(YEAR, 6, 6),
    dt.date(YEAR, 6, 5),
    dt.date(YEAR, 2, 28),
    dt.date(YEAR, 1, 15),
    dt.date(YEAR, 1, 1),
    dt.date(YEAR - 1, 12, 30),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_facts_give_what_the_records_give_for_every_cutoff(seed):
    ids = varied_records(seed)
    refresh_member_months(YEAR, Member.objects.filter(pk__in=ids).values("pk"))
    for cutoff in CUTOFFS:
        period = Period(YEAR, cutoff)
        for key in MEMBER_RULES:
            expected = comparable(getattr(RecordRules, key)(ids, period))
            assert comparable(RULES[key].measure(Chunk(ids, period))) == expected, (key, cutoff)
    # The records hold something for every rule, or the comparison would prove little.
    year_end = Period(YEAR, CUTOFFS[0])
    for key in MEMBER_RULES:
        assert any(m.due for m in RULES[key].measure(Chunk(ids, year_end)).values()), key


def test_the_facts_hold_a_row_per_member_and_month_with_records():
    ids = varied_records(4)
    members = Member.objects.filter(pk__in=ids).values("pk")
    refresh_member_months(YEAR, members)
    rows = MemberMonth.objects.filter(member_id__in=ids, year=YEAR)
    assert rows.count() > len(ids)
    # Twelve months, and the days moved across the year's ends.
    assert set(rows.values_list("month", flat=True)) <= set(range(14))
    assert not rows.filter(
        attended=0,
        made_up=0,
        excused=0,
        absent=0,
        delivered=0,
        studied=0,
        unstudied_excused=0,
        checkins=0,
        reports=0,
        contacts=0,
    ).exists()
    zone = SHANGHAI
    start, end = dt.datetime(YEAR, 1, 1, tzinfo=zone), dt.datetime(YEAR + 1, 1, 1, tzinfo=zone)
    assert (
        sum(rows.values_list("contacts", flat=True))
        == Contact.objects.filter(member_id__in=ids, at__gte=start, at__lt=end).count()
    )
    assert (
        sum(rows.values_list("attended", flat=True))
        == Attendance.objects.filter(member_id__in=ids, activity__year=YEAR, outcome="attended").count()
    )


def test_a_refresh_is_idempotent_updates_what_moved_and_drops_months_whose_records_are_gone(branch_a):
    member = MemberFactory(organization=branch_a)
    for month in (3, 4):
        Contact.objects.create(member=member, at=dt.datetime(YEAR, month, 9, 10, tzinfo=SHANGHAI), note="电话联系")
    members = Member.objects.filter(pk=member.pk).values("pk")
    refresh_member_months(YEAR, members)
    first = list(MemberMonth.objects.values_list("member_id", "year", "month", "contacts").order_by("month"))
    refresh_member_months(YEAR, members)
    assert list(MemberMonth.objects.values_list("member_id", "year", "month", "contacts").order_by("month")) == first
    assert first == [(member.pk, YEAR, 3, 1), (member.pk, YEAR, 4, 1)]
    Contact.objects.filter(at__month=4).delete()
    Contact.objects.create(member=member, at=dt.datetime(YEAR, 3, 20, 10, tzinfo=SHANGHAI), note="走访")
    refresh_member_months(YEAR, members)
    assert list(MemberMonth.objects.values_list("month", "contacts")) == [(3, 2)]


def _known_rows() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [MemberMonth._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics of PostgreSQL")
def test_a_refresh_that_grows_the_table_by_more_than_a_tenth_analyzes_it_at_once(branch_a):
    few, many = MemberFactory(organization=branch_a), MemberFactory.create_batch(6, organization=branch_a)
    for member, months in ((few, (3, 4)), *((member, range(1, 13)) for member in many)):
        for month in months:
            Contact.objects.create(member=member, at=dt.datetime(YEAR, month, 9, 10, tzinfo=SHANGHAI), note="电话联系")
    before = _known_rows()
    refresh_member_months(YEAR, Member.objects.filter(pk=few.pk).values("pk"))
    # Two rows are below the threshold: the statistics wait for autovacuum.
    assert _known_rows() == before
    refresh_member_months(YEAR, Member.objects.filter(organization=branch_a).values("pk"))
    # Seventy-two more: analyzed in the same transaction, so what follows plans against 74 rows.
    assert _known_rows() == MemberMonth.objects.count() == 74


def test_a_refresh_touches_only_its_members_and_year(branch_a, branch_b):
    mine, other = MemberFactory(organization=branch_a), MemberFactory(organization=branch_b)
    for member in (mine, other):
        for year in (YEAR - 1, YEAR):
            Contact.objects.create(member=member, at=dt.datetime(year, 5, 9, 10, tzinfo=SHANGHAI), note="电话联系")
    refresh_member_months(YEAR - 1, Member.objects.values("pk"))
    refresh_member_months(YEAR, Member.objects.values("pk"))
    Contact.objects.all().delete()
    refresh_member_months(YEAR, Member.objects.filter(pk=mine.pk).values("pk"))
    assert set(MemberMonth.objects.values_list("member_id", "year")) == {
        (mine.pk, YEAR - 1),
        (other.pk, YEAR - 1),
        (other.pk, YEAR),
    }


def automatic(evaluation) -> dict[str, tuple[D, dict]]:
    rows = ItemScore.objects.filter(assessment__evaluation=evaluation).exclude(item__method=Item.MANUAL)
    return {method: (points, facts) for method, points, facts in rows.values_list("item__method", "points", "facts")}


def test_rescoring_reflects_records_changed_since_the_last_scoring(branch_a, secretary):
    """Scoring rebuilds the facts first: a corrected attendance, a new contact and a deleted report all show."""
    member = MemberFactory(organization=branch_a, joined_party_on=dt.date(2001, 7, 1))
    today = dt.date(YEAR + 1, 1, 10)
    days = [ActivityFactory(organization=branch_a, date=dt.date(YEAR, month, 6)) for month in (1, 2)]
    for day in days:
        Attendance.objects.create(member=member, activity=day, outcome="absent", recorded_at=day.closes_at)
    report = Report.objects.create(member=member, title="思想汇报", body="正文")
    Report.objects.filter(pk=report.pk).update(submitted_at=dt.datetime(YEAR, 2, 20, 10, tzinfo=SHANGHAI))
    evaluation = services.open_evaluation(build_member_scheme(branch_a, YEAR), branch_a, secretary)
    score_automatic(evaluation, today)
    before = automatic(evaluation)
    assert before["attendance"] == (
        D("0.0"),
        {"attended": 0, "made_up": 0, "excused": 0, "absent": 2, "done": 0, "due": 2},
    )
    assert before["reports"] == (D("1.3"), {"done": 1, "due": 4})
    assert before["contact"] == (D("0.4"), {"done": 1, "due": 12})

    Attendance.objects.filter(activity=days[0]).update(outcome="attended")
    Report.objects.all().delete()
    Contact.objects.create(member=member, at=dt.datetime(YEAR, 8, 1, 9, tzinfo=SHANGHAI), note="走访")
    score_automatic(evaluation, today)
    after = automatic(evaluation)
    assert after["attendance"] == (
        D("5.0"),
        {"attended": 1, "made_up": 0, "excused": 0, "absent": 1, "done": 1, "due": 2},
    )
    assert after["reports"] == (D("0.0"), {"done": 0, "due": 4})
    # August's contact instead of February's report: still one month of twelve.
    assert after["contact"] == (D("0.4"), {"done": 1, "due": 12})
    assert list(MemberMonth.objects.values_list("month", "contacts", "reports").order_by("month")) == [
        (1, 0, 0),
        (2, 0, 0),
        (8, 1, 0),
    ]


def test_a_round_of_the_current_year_reads_the_month_under_way_from_the_records(branch_a, secretary):
    """Up to 15 June: June's facts cannot tell the 6th from the 20th, so those days come from the records."""
    member = MemberFactory(organization=branch_a, joined_party_on=dt.date(2001, 7, 1))
    june = ActivityFactory(organization=branch_a, date=dt.date(YEAR, 6, 6))
    Attendance.objects.create(member=member, activity=june, outcome="attended", recorded_at=june.closes_at)
    for day, studied in ((dt.date(YEAR, 6, 6), True), (dt.date(YEAR, 6, 20), False)):
        MaterialDelivery.objects.create(
            member=member,
            material=MaterialFactory(),
            delivered_at=dt.datetime.combine(day, dt.time(8), tzinfo=SHANGHAI),
            studied_at=dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI) if studied else None,
        )
    evaluation = services.open_evaluation(build_member_scheme(branch_a, YEAR), branch_a, secretary)
    score_automatic(evaluation, dt.date(YEAR, 6, 15))
    got = automatic(evaluation)
    assert got["attendance"] == (
        D("10.0"),
        {"attended": 1, "made_up": 0, "excused": 0, "absent": 0, "done": 1, "due": 1},
    )
    # The material of the 20th is not sent yet as of the 15th.
    assert got["study"] == (D("10.0"), {"delivered": 1, "studied": 1, "excused": 0, "done": 1, "due": 1})
    assert period_for(YEAR, dt.date(YEAR, 6, 15)).partial_from == dt.date(YEAR, 6, 1)
