"""A year's cycle on the demo data, through the services: self-assessment to final rating.

The committee runs the online branch's 先锋指数 for its 57 members, and the
堡垒指数 for its branches; every automatic item is checked against what the
records say, worked out here directly from the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone

from activities.models import Attendance, CheckIn, MaterialDelivery, Report
from evaluations import demo, services
from evaluations.models import Assessment, Evaluation, Item, ItemScore, Objection, ScoreChange, Section
from evaluations.services import EvaluationError
from members import demo as member_demo
from members.models import Contact, Member, User

from .test_demo import TODAY, seed_all

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
TENTH = D("0.1")


@pytest.fixture
def demo_year():
    with time_machine.travel(MORNING, tick=True):
        seed_all(TODAY)
        yield


def committee_secretary() -> User:
    return User.objects.get(phone=member_demo.demo_phone(1))


def login_member() -> Member:
    return Member.objects.select_related("user", "organization").get(
        phone=member_demo.demo_phone(member_demo.ITINERANT_PHONES_FROM)
    )


def result(evaluation: Evaluation, **subject) -> Assessment:
    return evaluation.assessments.select_related("evaluation__scheme", "member", "branch").get(**subject)


def share(points: D, done: int, due: int) -> D:
    if due <= 0:
        return points
    return (points * min(done, due) / due).quantize(TENTH, rounding=ROUND_HALF_UP)


def expected_automatic(evaluation: Evaluation, cutoff: dt.date) -> dict[tuple[int, str], D]:
    """Each member's automatic points, counted one row at a time in Python."""
    zone = timezone.get_default_timezone()
    year = evaluation.year
    automatic = Item.objects.filter(section__scheme=evaluation.scheme).exclude(method=Item.MANUAL)
    items = {item.method: item.points for item in automatic}
    roster = Member.objects.filter(assessments__evaluation=evaluation).select_related("organization")
    members = {member.pk: member for member in roster}
    # The last month that has ended by the cut-off (the 1st of a month here: the one before).
    last_month = cutoff.month - 1

    outcomes: dict[int, Counter] = defaultdict(Counter)
    for row in Attendance.objects.filter(member_id__in=members).select_related("activity"):
        if row.activity.year == year and row.activity.date <= cutoff:
            outcomes[row.member_id][row.outcome] += 1
    excused = set(
        Attendance.objects.filter(member_id__in=members, outcome="excused").values_list("member_id", "activity_id")
    )
    delivered: dict[int, Counter] = defaultdict(Counter)
    for row in MaterialDelivery.objects.filter(member_id__in=members):
        when = row.delivered_at.astimezone(zone).date()
        if when.year != year or when > cutoff:
            continue
        delivered[row.member_id]["sent"] += 1
        if row.studied_at:
            delivered[row.member_id]["studied"] += 1
        elif (row.member_id, row.activity_id) in excused:
            delivered[row.member_id]["excused"] += 1
    touch: dict[int, set[int]] = defaultdict(set)
    reported: dict[int, set[int]] = defaultdict(set)
    for model, field in ((Contact, "at"), (CheckIn, "checked_in_at"), (Report, "submitted_at")):
        for member_id, when in model.objects.filter(member_id__in=members).values_list("member_id", field):
            local = when.astimezone(zone).date()
            if local.year == year and local <= cutoff:
                touch[member_id].add(local.month)
                if model is Report:
                    reported[member_id].add(local.month)

    expected = {}
    for pk, member in members.items():
        joined = member.joined_party_on
        first = 1 if joined.year < year else joined.month
        count = outcomes[pk]
        done = count["attended"] + count["made_up"]
        expected[pk, "attendance"] = share(items["attendance"], done, done + count["absent"])
        sent = delivered[pk]
        expected[pk, "study"] = share(items["study"], sent["studied"], sent["sent"] - sent["excused"])
        every = member.organization.report_every_months
        spans = [range(s, min(s + every, 13)) for s in range(1, 13, every)]
        due_spans = [span for span in spans if span[-1] <= last_month and span[-1] >= first]
        done_spans = [span for span in due_spans if reported[pk] & set(span)]
        expected[pk, "reports"] = share(items["reports"], len(done_spans), len(due_spans))
        due_months = [m for m in range(1, last_month + 1) if m >= first]
        expected[pk, "contact"] = share(items["contact"], len(touch[pk] & set(due_months)), len(due_months))
    return expected


def test_the_committee_runs_the_online_branchs_year_to_final_ratings(demo_year):
    reviewer = committee_secretary()
    me = login_member()
    evaluation = demo.member_round(TODAY)
    scheme = evaluation.scheme
    manual = list(
        Item.objects.filter(section__scheme=scheme, method=Item.MANUAL)
        .exclude(section__kind__in=[Section.Kind.VETO, Section.Kind.REVERSE])
        .select_related("section")
    )
    role = next(i for i in manual if i.title == "立足岗位履职尽责")

    # Self-assessment: the member login sends theirs.
    mine = result(evaluation, member=me)
    claims = {role.pk: ("5", "在外带头安全生产")}
    services.submit_self_assessment(mine, me.user, "全年按时参加活动日，坚持学习。", claims)
    mine.refresh_from_db()
    assert mine.self_submitted_at is not None
    assert ScoreChange.objects.filter(assessment=mine, what="self", user=me.user).exists()

    # Review: every item by hand for the rest, then a few corrected one by one.
    evaluation = services.advance(evaluation, reviewer)
    assert evaluation.stage == Evaluation.Stage.REVIEW
    for item in manual:
        points = item.points if item.section.kind == Section.Kind.BASIC else D("0")
        assert services.score_item_for_rest(evaluation, item, reviewer, str(points), "支部评议，符合要求") == 57
    others = list(evaluation.assessments.exclude(member=me).select_related("evaluation__scheme", "member"))
    corrected = {others[0].pk: "3", others[1].pk: "2.5", mine.pk: "4"}
    for assessment in [*others[:2], mine]:
        services.score_item(assessment, role, reviewer, corrected[assessment.pk], "年中一次违章作业受到批评")
    assert result(evaluation, member=me).unscored == 0

    # One member's total is cleared to zero, with the reason kept and logged.
    vetoed = others[2]
    veto = Item.objects.filter(section__scheme=scheme, section__kind=Section.Kind.VETO).first()
    services.set_found(vetoed, veto, reviewer, True, "2026年8月因违法受到行政拘留")
    vetoed.refresh_from_db()
    assert (vetoed.total, vetoed.vetoed, vetoed.rating) == (D("0"), True, "unqualified")
    assert ItemScore.objects.get(assessment=vetoed, item=veto).note == "2026年8月因违法受到行政拘留"
    assert ScoreChange.objects.filter(
        assessment=vetoed, item=veto, what="found", user=reviewer, new="yes", reason="2026年8月因违法受到行政拘留"
    ).exists()

    # Publicity, and an objection from the member login.
    evaluation = services.advance(evaluation, reviewer)
    assert evaluation.stage == Evaluation.Stage.PUBLICITY
    objection = services.raise_objection(result(evaluation, member=me), me, "岗位履职扣分的那次批评已经撤销")
    with pytest.raises(EvaluationError):
        services.advance(evaluation, reviewer)  # publicity still running

    with time_machine.travel(evaluation.publicity_ends_at + dt.timedelta(minutes=5), tick=True):
        with pytest.raises(EvaluationError):
            services.advance(evaluation, reviewer)  # the objection is still open
        assert Evaluation.objects.get(pk=evaluation.pk).stage == Evaluation.Stage.PUBLICITY
        services.resolve_objection(objection, reviewer, False, "经核实，批评记录仍然有效，维持原分")
        evaluation = services.advance(evaluation, reviewer)

    assert evaluation.stage == Evaluation.Stage.FINAL and evaluation.finalized_at
    assert Objection.objects.get(pk=objection.pk).status == Objection.Status.DISMISSED
    assessments = list(evaluation.assessments.select_related("member"))
    assert len(assessments) == 57
    assert all(a.rating for a in assessments)
    for a in assessments:
        assert a.rating == ("unqualified" if a.vetoed else scheme.rating_for(a.total)), a.member.name
    assert [a.member_id for a in assessments if a.vetoed] == [vetoed.member_id]
    assert result(evaluation, member=me).scores.get(item=role).points == D("4")

    # The automatic items are exactly what the rows say, as of the day they were last scored.
    expected = expected_automatic(evaluation, TODAY)
    got = {
        (member_id, method): points
        for member_id, method, points in ItemScore.objects.filter(assessment__evaluation=evaluation)
        .exclude(item__method=Item.MANUAL)
        .values_list("assessment__member_id", "item__method", "points")
    }
    assert got == expected
    assert len(got) == 57 * 4
    assert len(set(got.values())) > 4  # the demo's records give a spread, not one number

    # Every change of points or of a found situation is logged with who and why; the latest is the score.
    changes = ScoreChange.objects.filter(evaluation=evaluation, what__in=["points", "found"])
    assert not changes.filter(user__isnull=True).exists()
    assert not changes.filter(reason="").exists()
    latest = {}
    for assessment_id, item_id, new in changes.order_by("at", "pk").values_list("assessment_id", "item_id", "new"):
        latest[assessment_id, item_id] = new
    scored = ItemScore.objects.filter(assessment__evaluation=evaluation, item__method=Item.MANUAL)
    for assessment_id, item_id, points in scored.filter(points__isnull=False).values_list(
        "assessment_id", "item_id", "points"
    ):
        assert D(latest[assessment_id, item_id]) == points
    assert len([key for key in latest if key[1] != veto.pk]) == 57 * len(manual)
    corrections = changes.filter(item=role, old__gt="").values_list("assessment_id", "old", "new")
    assert set(corrections) == {(pk, str(role.points), new) for pk, new in corrected.items()}
    stages = ScoreChange.objects.filter(evaluation=evaluation, what="stage").order_by("pk")
    assert [(c.new, c.user_id) for c in stages][-3:] == [
        ("review", reviewer.pk),
        ("publicity", reviewer.pk),
        ("final", reviewer.pk),
    ]


def test_a_reverse_situation_rates_a_branch_lagging_whatever_its_points(demo_year):
    reviewer = committee_secretary()
    evaluation = demo.branch_round(TODAY.year)
    assert evaluation.stage == Evaluation.Stage.REVIEW
    scheme = evaluation.scheme
    for item in (
        Item.objects.filter(section__scheme=scheme, method=Item.MANUAL)
        .exclude(section__kind=Section.Kind.REVERSE)
        .select_related("section")
    ):
        services.score_item_for_rest(evaluation, item, reviewer, str(item.points), "党委考核，符合要求")
    team = result(evaluation, branch__code="demo-zongcai-1")
    assert team.unscored == 0
    assert scheme.rating_for(team.total) == "advanced" and team.rating == "advanced"

    accident = Item.objects.get(section__scheme=scheme, title="发生重大安全生产责任事故")
    services.set_found(team, accident, reviewer, True, "2026年3月综采工作面发生较大事故，支部负有责任")
    team.refresh_from_db()
    assert team.vetoed and team.rating == "lagging"
    assert scheme.rating_for(team.total) == "advanced"  # its points alone would still earn it
    assert (
        ScoreChange.objects.filter(assessment=team, item=accident, what="found", user=reviewer)
        .exclude(reason="")
        .exists()
    )
    others = evaluation.assessments.exclude(pk=team.pk)
    assert not others.filter(rating="lagging", vetoed=True).exists()

    evaluation = services.advance(evaluation, reviewer)
    with time_machine.travel(evaluation.publicity_ends_at + dt.timedelta(minutes=1), tick=True):
        evaluation = services.advance(evaluation, reviewer)
    assert evaluation.stage == Evaluation.Stage.FINAL
    assert result(evaluation, branch__code="demo-zongcai-1").rating == "lagging"
    changes = ScoreChange.objects.filter(evaluation=evaluation, what__in=["points", "found"])
    assert changes.count() > 0
    assert not changes.filter(user__isnull=True).exists() and not changes.filter(reason="").exists()
