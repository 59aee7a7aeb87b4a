"""The automatic items say exactly what the records say.

Each test builds a handful of records by hand, scores a round, and checks
every automatic item's points and facts against numbers worked out here, in
the comments, from those records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Attendance, CheckIn, Leave, MaterialDelivery, Report
from activities.tests.factories import ActivityFactory, MaterialFactory
from evaluations import services
from evaluations.models import Evaluation, Item, ItemScore, Section
from evaluations.scoring import score_automatic
from members.models import Contact, Member, Visit
from members.tests.factories import MemberFactory

from .conftest import YEAR

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
ATTENDED, MADE_UP, EXCUSED, ABSENT = (
    Attendance.Outcome.ATTENDED,
    Attendance.Outcome.MADE_UP,
    Attendance.Outcome.EXCUSED,
    Attendance.Outcome.ABSENT,
)
# Scored as of 10 January of the next year: every month of YEAR has ended.
AFTER_THE_YEAR = dt.date(YEAR + 1, 1, 10)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def activity(branch, month: int, *, year: int = YEAR, closed: bool = True):
    day = dt.date(year, month, 6)
    closed_at = at(day + dt.timedelta(days=4), 0) if closed else None
    return ActivityFactory(organization=branch, date=day, closed_at=closed_at)


def attend(member, activity, outcome: str, *, checked_in: dt.date | None = None) -> None:
    """The outcome when the window closed, and the check-in or leave it came from."""
    Attendance.objects.create(member=member, activity=activity, outcome=outcome, recorded_at=activity.closes_at)
    if outcome in (ATTENDED, MADE_UP):
        kind = CheckIn.Kind.ON_TIME if outcome == ATTENDED else CheckIn.Kind.MAKE_UP
        CheckIn.objects.create(
            member=member, activity=activity, kind=kind, checked_in_at=at(checked_in or activity.date, 20)
        )
    elif outcome == EXCUSED:
        Leave.objects.create(member=member, activity=activity, reason="倒班", status=Leave.Status.APPROVED)


def deliver(member, activity=None, *, studied: bool, when: dt.datetime | None = None) -> None:
    delivered = when or activity.morning()
    MaterialDelivery.objects.create(
        member=member,
        material=MaterialFactory(),
        activity=activity,
        delivered_at=delivered,
        studied_at=delivered + dt.timedelta(hours=3) if studied else None,
    )


def report(member, when: dt.datetime, *, replied: bool = False) -> None:
    created = Report.objects.create(member=member, title="思想汇报", body="正文")
    # submitted_at is set on insert; the test's date goes in afterwards.
    Report.objects.filter(pk=created.pk).update(
        submitted_at=when, replied_at=when + dt.timedelta(days=2) if replied else None
    )


def contact(member, when: dt.datetime) -> None:
    Contact.objects.create(member=member, at=when, note="电话联系")


def scores(evaluation: Evaluation) -> dict[tuple[str, str], ItemScore]:
    """(subject name, rule key) → score, for the automatic items."""
    rows = ItemScore.objects.filter(assessment__evaluation=evaluation).exclude(item__method=Item.MANUAL)
    return {
        (s.assessment.subject_name, s.item.method): s
        for s in rows.select_related("item", "assessment__member", "assessment__branch")
    }


def points_and_facts(evaluation: Evaluation) -> dict[tuple[str, str], tuple[D, dict]]:
    return {key: (s.points, s.facts) for key, s in scores(evaluation).items()}


@pytest.fixture
def year_of_records(branch_a):
    """Three members of branch A and what they did in YEAR.

    m1, a member for years: six activity days and December's, study, four
    reports (two in one quarter), two contacts by the branch.
    m2, joined the Party on 10 May: April to June, two deliveries, two reports
    (one before joining).
    m3, no activity day at all: only contacts at the edges of the year.
    """
    m1 = MemberFactory(name="m1", organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    m2 = MemberFactory(
        name="m2",
        organization=branch_a,
        joined_party_on=dt.date(YEAR, 5, 10),
        full_member_on=None,
        status=Member.Status.PROBATIONARY,
    )
    m3 = MemberFactory(name="m3", organization=branch_a, joined_party_on=dt.date(2012, 1, 1))
    days = {month: activity(branch_a, month) for month in (1, 2, 3, 4, 5, 6, 12)}
    last_year = activity(branch_a, 12, year=YEAR - 1)

    for month, outcome in [(1, ATTENDED), (2, MADE_UP), (3, EXCUSED), (4, ABSENT), (5, ATTENDED), (6, ATTENDED)]:
        attend(m1, days[month], outcome, checked_in=dt.date(YEAR, 2, 12) if outcome == MADE_UP else None)
    attend(m1, days[12], ABSENT)
    attend(m1, last_year, ABSENT)  # another year: not counted
    for month, studied in [(1, True), (2, True), (3, True), (4, False), (5, True), (12, True)]:
        deliver(m1, days[month], studied=studied)
    deliver(m1, days[3], studied=False)  # sent for the day on leave and not studied: not owed
    deliver(m1, last_year, studied=False)  # another year
    report(m1, at(dt.date(YEAR, 2, 20)))
    report(m1, at(dt.date(YEAR, 5, 3)), replied=True)
    report(m1, at(dt.date(YEAR, 6, 28)))  # the second in the same quarter counts once
    report(m1, at(dt.date(YEAR, 11, 15)))
    report(m1, at(dt.date(YEAR - 1, 12, 20)))  # another year
    contact(m1, at(dt.date(YEAR, 7, 9)))
    contact(m1, at(dt.date(YEAR, 9, 9)))

    for month, outcome in [(4, ABSENT), (5, ATTENDED), (6, ATTENDED)]:
        attend(m2, days[month], outcome)
    deliver(m2, days[5], studied=True)
    deliver(m2, days[6], studied=False)
    deliver(m2, days[4], studied=False)
    report(m2, at(dt.date(YEAR, 2, 20)))  # before joining the Party
    report(m2, at(dt.date(YEAR, 8, 20)))

    # 00:30 on 1 January in Shanghai is still 31 December in UTC; 04:00 on
    # 1 January of the next year is 31 December in UTC. Months are Shanghai's.
    contact(m3, dt.datetime(YEAR - 1, 12, 31, 16, 30, tzinfo=UTC))
    contact(m3, dt.datetime(YEAR, 12, 31, 20, 0, tzinfo=UTC))
    return m1, m2, m3


def open_round(scheme, organization, user, today: dt.date) -> Evaluation:
    evaluation = services.open_evaluation(scheme, organization, user)
    score_automatic(evaluation, today)
    return evaluation


def test_member_items_match_the_records_over_the_whole_year(member_scheme, secretary, year_of_records):
    evaluation = open_round(member_scheme, member_scheme.organization, secretary, AFTER_THE_YEAR)
    got = points_and_facts(evaluation)
    attendance = {"attended": 3, "made_up": 1, "excused": 1, "absent": 2}
    expected = {
        # (3 attended + 1 made up) / (4 + 2 absent); leave is neither: 10 * 4/6 = 6.67
        ("m1", "attendance"): (D("6.7"), {**attendance, "done": 4, "due": 6}),
        # 7 sent this year, 5 studied; the unstudied one of the day on leave is not owed: 10 * 5/6
        ("m1", "study"): (D("8.3"), {"delivered": 7, "studied": 5, "excused": 1, "done": 5, "due": 6}),
        # quarters 1, 2 and 4 have a report, the third not: 5 * 3/4 = 3.75
        ("m1", "reports"): (D("3.8"), {"done": 3, "due": 4}),
        # check-ins in January, February (make-up), May, June; reports in February, May, June,
        # November; contacts in July and September: 7 of 12 months, 5 * 7/12 = 2.92
        ("m1", "contact"): (D("2.9"), {"done": 7, "due": 12}),
        # absent in April, attended in May and June: 10 * 2/3
        ("m2", "attendance"): (
            D("6.7"),
            {"attended": 2, "made_up": 0, "excused": 0, "absent": 1, "done": 2, "due": 3},
        ),
        ("m2", "study"): (D("3.3"), {"delivered": 3, "studied": 1, "excused": 0, "done": 1, "due": 3}),
        # the first quarter ended before May: not due; the August report covers the third: 5 * 1/3
        ("m2", "reports"): (D("1.7"), {"done": 1, "due": 3}),
        # May to December are due; in touch in May and June (check-ins) and August (report): 5 * 3/8
        ("m2", "contact"): (D("1.9"), {"done": 3, "due": 8}),
        # no activity day, nothing sent: nothing due gives the full points
        ("m3", "attendance"): (D("10"), {"done": 0, "due": 0}),
        ("m3", "study"): (D("10"), {"done": 0, "due": 0}),
        ("m3", "reports"): (D("0"), {"done": 0, "due": 4}),
        # only the contact at 00:30 on 1 January, Shanghai time, is in the year: 5 * 1/12
        ("m3", "contact"): (D("0.4"), {"done": 1, "due": 12}),
    }
    assert got == expected


def test_months_not_yet_ended_are_not_due(member_scheme, secretary, year_of_records):
    evaluation = open_round(member_scheme, member_scheme.organization, secretary, dt.date(YEAR, 6, 15))
    got = points_and_facts(evaluation)
    # Up to 15 June: the June activity day (6 June) counts, December's not yet.
    assert got[("m1", "attendance")] == (
        D("8.0"),
        {"attended": 3, "made_up": 1, "excused": 1, "absent": 1, "done": 4, "due": 5},
    )
    # Sent by 15 June: January to June, two of them in March (one on leave): 4 of 5
    assert got[("m1", "study")] == (D("8.0"), {"delivered": 6, "studied": 4, "excused": 1, "done": 4, "due": 5})
    # Only the first quarter has ended.
    assert got[("m1", "reports")] == (D("5.0"), {"done": 1, "due": 1})
    # January to May have ended; in touch in January, February and May: 5 * 3/5
    assert got[("m1", "contact")] == (D("3.0"), {"done": 3, "due": 5})
    # m2 joined in May: no report period has ended since, and only May is due for contact.
    assert got[("m2", "reports")] == (D("5"), {"done": 0, "due": 0})
    assert got[("m2", "contact")] == (D("5.0"), {"done": 1, "due": 1})
    assert got[("m3", "contact")] == (D("1.0"), {"done": 1, "due": 5})


def test_report_periods_follow_the_branch_rule(member_scheme, secretary, year_of_records, branch_a):
    branch_a.report_every_months = 5
    branch_a.save(update_fields=["report_every_months"])
    evaluation = open_round(member_scheme, branch_a, secretary, AFTER_THE_YEAR)
    got = points_and_facts(evaluation)
    # Periods January to May, June to October, November and December; m1 reported in all three.
    assert got[("m1", "reports")] == (D("5.0"), {"done": 3, "due": 3})
    # m2 joined in May, inside the first period, so it is due; it has a report (February's),
    # the second has August's, the third none: 5 * 2/3.
    assert got[("m2", "reports")] == (D("3.3"), {"done": 2, "due": 3})


def test_scoring_twice_writes_the_same_rows(member_scheme, secretary, year_of_records):
    evaluation = open_round(member_scheme, member_scheme.organization, secretary, AFTER_THE_YEAR)
    first = points_and_facts(evaluation)
    count = ItemScore.objects.filter(assessment__evaluation=evaluation).count()
    totals = list(evaluation.assessments.order_by("pk").values_list("total", "automatic_points", "section_points"))
    assert score_automatic(evaluation, AFTER_THE_YEAR) == 3 * 4
    assert points_and_facts(evaluation) == first
    assert ItemScore.objects.filter(assessment__evaluation=evaluation).count() == count == 3 * 4
    assert list(evaluation.assessments.order_by("pk").values_list("total", "automatic_points", "section_points")) == (
        totals
    )


def test_a_published_round_is_not_rescored(member_scheme, secretary, year_of_records):
    m1 = year_of_records[0]
    evaluation = open_round(member_scheme, member_scheme.organization, secretary, AFTER_THE_YEAR)
    evaluation = services.advance(evaluation, secretary)
    manual = Item.objects.get(section__scheme=member_scheme, method=Item.MANUAL, section__kind=Section.Kind.BASIC)
    services.score_item_for_rest(evaluation, manual, secretary, "40", "合格")
    evaluation = services.advance(evaluation, secretary)
    assert evaluation.stage == Evaluation.Stage.PUBLICITY
    before = points_and_facts(evaluation)
    total = evaluation.assessments.get(member=m1).total
    contact(m1, at(dt.date(YEAR, 10, 9)))  # a record that would add a month
    assert score_automatic(evaluation, AFTER_THE_YEAR) == 0
    assert points_and_facts(evaluation) == before
    assert evaluation.assessments.get(member=m1).total == total


# --- Branches --------------------------------------------------------------------------------


@pytest.fixture
def branch_records(committee):
    """The team branch: ten closed activity days and November's still open; members t1 to t3, and t4 gone.

    The village branch: no activity day, one member in hardship visited last year only.
    """
    team = committee.children.get(code="team")
    village = committee.children.get(code="village")
    days = [activity(team, month) for month in range(1, 11)]
    activity(team, 11, closed=False)
    activity(team, 12, year=YEAR - 1)  # closed, but last year
    t1 = MemberFactory(name="t1", organization=team)
    t2 = MemberFactory(name="t2", organization=team)
    t3 = MemberFactory(name="t3", organization=team, in_hardship=True)
    t4 = MemberFactory(name="t4", organization=team, in_hardship=True, state=Member.State.TRANSFERRED_OUT)
    v1 = MemberFactory(name="v1", organization=village, in_hardship=True)
    attend(t1, days[0], ATTENDED)
    attend(t1, days[1], ATTENDED)
    attend(t2, days[0], ABSENT)
    attend(t2, days[1], MADE_UP)
    attend(t2, days[2], EXCUSED)
    deliver(t1, days[0], studied=True)
    deliver(t1, days[1], studied=True)
    deliver(t2, days[1], studied=False)
    deliver(t2, days[2], studied=False)  # on leave: not owed
    report(t1, at(dt.date(YEAR, 3, 1)), replied=True)
    report(t1, at(dt.date(YEAR, 6, 1)))
    report(t2, at(dt.date(YEAR, 9, 1)), replied=True)
    report(t2, at(dt.date(YEAR - 1, 9, 1)), replied=True)  # last year
    for member, day in [(t3, dt.date(YEAR, 3, 1)), (t1, dt.date(YEAR, 4, 1)), (v1, dt.date(YEAR - 1, 8, 1))]:
        Visit.objects.create(member=member, visited_on=day, help_given="慰问")
    Visit.objects.create(member=t4, visited_on=dt.date(YEAR - 1, 2, 1), help_given="慰问")
    return team, village


def test_branch_items_match_the_records(branch_scheme, committee, committee_secretary, branch_records):
    common = Section.objects.get(scheme=branch_scheme, title="共性指数")
    rules = Section.objects.create(scheme=branch_scheme, position=6, title="自动", kind="basic", cap=D("40"))
    for position, (method, points) in enumerate(
        [("branch_attendance", "10"), ("branch_study", "5"), ("branch_reports", "5"), ("branch_visits", "3")]
    ):
        Item.objects.create(section=rules, position=position, title=method, points=D(points), method=method)
    assert common.items.filter(method="branch_activities").exists()
    evaluation = open_round(branch_scheme, committee, committee_secretary, AFTER_THE_YEAR)
    got = points_and_facts(evaluation)
    team, village = "综采队党支部", "村党支部"
    assert got == {
        # ten of twelve months held and closed; November's is still open: 10 * 10/12
        (team, "branch_activities"): (D("8.3"), {"done": 10, "due": 12}),
        (village, "branch_activities"): (D("0.0"), {"done": 0, "due": 12}),
        # 2 attended + 1 made up of 4 due (one absent); one on leave not counted: 10 * 3/4
        (team, "branch_attendance"): (
            D("7.5"),
            {"attended": 2, "made_up": 1, "excused": 1, "absent": 1, "done": 3, "due": 4},
        ),
        (village, "branch_attendance"): (D("10"), {"done": 0, "due": 0}),
        # 4 sent, 2 studied, the unstudied one of a day on leave not owed: 5 * 2/3
        (team, "branch_study"): (D("3.3"), {"delivered": 4, "studied": 2, "excused": 1, "done": 2, "due": 3}),
        (village, "branch_study"): (D("5"), {"done": 0, "due": 0}),
        # this year's three reports, two answered: 5 * 2/3
        (team, "branch_reports"): (D("3.3"), {"done": 2, "due": 3}),
        (village, "branch_reports"): (D("5"), {"done": 0, "due": 0}),
        # t3 in hardship visited; t4 transferred out and t1 not in hardship do not count
        (team, "branch_visits"): (D("3.0"), {"done": 1, "due": 1}),
        # visited only last year
        (village, "branch_visits"): (D("0.0"), {"done": 0, "due": 1}),
    }


# --- Set-based ------------------------------------------------------------------------------


def roster_with_records(branch, size: int) -> None:
    """``size`` members with an activity day each month, a delivery, a report and a contact."""
    days = [activity(branch, month) for month in (1, 2, 3)]
    members = MemberFactory.create_batch(size, organization=branch)
    Attendance.objects.bulk_create(
        Attendance(member=m, activity=day, outcome=ATTENDED if (m.pk + n) % 3 else ABSENT, recorded_at=day.closes_at)
        for m in members
        for n, day in enumerate(days)
    )
    material = MaterialFactory()
    MaterialDelivery.objects.bulk_create(
        MaterialDelivery(member=m, material=material, activity=days[0], delivered_at=days[0].morning()) for m in members
    )
    Report.objects.bulk_create(Report(member=m, title="汇报", body="正文") for m in members)
    Contact.objects.bulk_create(Contact(member=m, at=at(dt.date(YEAR, 2, 2))) for m in members)


def scoring_queries(scheme, branch, user, size: int) -> list[str]:
    roster_with_records(branch, size)
    evaluation = services.open_evaluation(scheme, branch, user)
    with CaptureQueriesContext(connection) as captured:
        score_automatic(evaluation, AFTER_THE_YEAR)
    assert ItemScore.objects.filter(assessment__evaluation=evaluation).count() == size * 4
    return [query["sql"] for query in captured]


def test_scoring_costs_the_same_queries_for_5_and_50_members(secretary, branch_a, branch_b):
    from .conftest import build_member_scheme

    small = scoring_queries(build_member_scheme(branch_a), branch_a, secretary, 5)
    large = scoring_queries(build_member_scheme(branch_b), branch_b, secretary, 50)
    # One upsert statement per thousand scores: 20 and 200 rows both take one.
    assert len(large) == len(small)
    assert sum(q.startswith('INSERT INTO "evaluations_itemscore"') for q in large) == 1
