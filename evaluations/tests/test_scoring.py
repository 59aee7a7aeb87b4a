"""Totals, stages and the guards of the evaluation services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone

from branches.models import Organization
from evaluations import services
from evaluations.models import Assessment, Evaluation, Item, Objection, ScoreChange
from evaluations.scoring import score_automatic
from evaluations.services import EvaluationError
from members.tests.factories import MemberFactory
from notifications.models import Notification

from .conftest import YEAR, build_member_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_the_year():
    """Before any month of the year has ended nothing is due yet: every automatic item gives full points."""
    with time_machine.travel(dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


def item(scheme, title: str) -> Item:
    return Item.objects.get(section__scheme=scheme, title=title)


@pytest.fixture
def round_(member_scheme, secretary, member):
    return services.open_evaluation(member_scheme, member_scheme.organization, secretary)


@pytest.fixture
def reviewing(round_, secretary):
    return services.advance(round_, secretary)


def bob(evaluation: Evaluation, member) -> Assessment:
    return evaluation.assessments.select_related("evaluation__scheme", "member").get(member=member)


def test_open_creates_one_assessment_per_active_member(member_scheme, secretary, member, branch_a, branch_b):
    MemberFactory(organization=branch_a)
    MemberFactory(organization=branch_a, state="transferred_out")
    MemberFactory(organization=branch_b)
    evaluation = services.open_evaluation(member_scheme, branch_a, secretary)
    assert evaluation.assessments.count() == 2
    assert evaluation.stage == Evaluation.Stage.SELF_ASSESSMENT
    assert bob(evaluation, member).automatic_points == D("30.0")
    assert ScoreChange.objects.filter(evaluation=evaluation, what="stage").count() == 1


def test_open_refuses_twice_another_organization_and_nobody(member_scheme, secretary, member, branch_a, branch_b):
    services.open_evaluation(member_scheme, branch_a, secretary)
    with pytest.raises(EvaluationError):
        services.open_evaluation(member_scheme, branch_a, secretary)
    with pytest.raises(EvaluationError):
        services.open_evaluation(member_scheme, branch_b, secretary)
    empty = build_member_scheme(branch_b)
    with pytest.raises(EvaluationError):
        services.open_evaluation(empty, branch_b, secretary)
    assert Evaluation.objects.filter(organization=branch_b).count() == 0


def test_totals_add_sections_within_their_caps(reviewing, secretary, member):
    scheme = reviewing.scheme
    assessment = bob(reviewing, member)
    assert assessment.unscored == 1
    services.score_item(assessment, item(scheme, "发挥作用"), secretary, "45.5", "带头完成任务")
    services.score_item(assessment, item(scheme, "受到表彰"), secretary, "10", "矿级表彰")
    services.score_item(assessment, item(scheme, "违反纪律"), secretary, "3", "迟交党费")
    assessment.refresh_from_db()
    # basic 30 automatic + 45.5, bonus 10, deduction 10 - 3
    assert assessment.total == D("92.5")
    assert assessment.unscored == 0
    assert assessment.rating == "excellent"
    assert sorted(assessment.section_points.values()) == ["10.0", "7.0", "75.5"]


def test_deductions_never_take_more_than_the_section(reviewing, secretary, member):
    scheme = reviewing.scheme
    extra = Item.objects.create(section=item(scheme, "违反纪律").section, title="不当言论", points=D("10"))
    assessment = bob(reviewing, member)
    services.score_item(assessment, item(scheme, "违反纪律"), secretary, "8", "x")
    services.score_item(assessment, extra, secretary, "8", "y")
    assessment.refresh_from_db()
    assert assessment.section_points[str(extra.section_id)] == "0.0"


def test_veto_clears_to_zero_with_its_reason_and_can_be_lifted(reviewing, secretary, member):
    scheme = reviewing.scheme
    assessment = bob(reviewing, member)
    services.score_item(assessment, item(scheme, "发挥作用"), secretary, "50", "好")
    veto = item(scheme, "违法犯罪")
    with pytest.raises(EvaluationError):
        services.set_found(assessment, veto, secretary, True, "  ")
    assessment.refresh_from_db()
    assert assessment.total == D("90.0") and not assessment.vetoed
    services.set_found(assessment, veto, secretary, True, "2026年5月受到刑事处罚")
    assessment.refresh_from_db()
    assert (assessment.total, assessment.vetoed, assessment.rating) == (D("0"), True, "unqualified")
    change = ScoreChange.objects.get(assessment=assessment, what="found")
    assert (change.user, change.reason, change.new) == (secretary, "2026年5月受到刑事处罚", "yes")
    services.set_found(assessment, veto, secretary, False, "经复查，处罚已撤销")
    assessment.refresh_from_db()
    assert assessment.total == D("90.0") and not assessment.vetoed


def test_reverse_situation_rates_lagging_whatever_the_points(branch_scheme, committee, committee_secretary):
    evaluation = services.open_evaluation(branch_scheme, committee, committee_secretary)
    services.advance(evaluation, committee_secretary)
    team = evaluation.assessments.select_related("evaluation__scheme").get(branch__code="team")
    for title in ("班子建设", "特色工作 state_enterprise"):
        services.score_item(
            team, item(branch_scheme, title), committee_secretary, item(branch_scheme, title).points, "好"
        )
    team.refresh_from_db()
    assert team.rating == "advanced"
    services.set_found(team, item(branch_scheme, "发生重大安全事故"), committee_secretary, True, "3月发生较大事故")
    team.refresh_from_db()
    assert team.rating == "lagging"
    assert team.total >= D("90")


def test_typed_sections_count_only_for_their_branch_type(branch_scheme, committee, committee_secretary):
    evaluation = services.open_evaluation(branch_scheme, committee, committee_secretary)
    services.advance(evaluation, committee_secretary)
    team = evaluation.assessments.select_related("evaluation__scheme").get(branch__code="team")
    with pytest.raises(EvaluationError):
        services.score_item(team, item(branch_scheme, "特色工作 village"), committee_secretary, "40", "不适用")
    # Only the common manual item and the team's own typed item are owed.
    assert team.unscored == 2
    assert evaluation.assessments.get(branch__code="village").branch_type == "village"


def test_branch_type_is_kept_as_it_was_when_the_round_opened(branch_scheme, committee, committee_secretary):
    evaluation = services.open_evaluation(branch_scheme, committee, committee_secretary)
    Organization.objects.filter(code="team").update(branch_type="village")
    assert evaluation.assessments.get(branch__code="team").branch_type == "state_enterprise"


@pytest.mark.parametrize("raw", ["51", "-1", "abc", "1.25", "NaN", "Infinity", ""])
def test_bad_points_are_refused_and_change_nothing(reviewing, secretary, member, raw):
    assessment = bob(reviewing, member)
    with pytest.raises(EvaluationError):
        services.score_item(assessment, item(reviewing.scheme, "发挥作用"), secretary, raw, "note")
    assert not assessment.scores.filter(item__title="发挥作用").exists()
    assert not ScoreChange.objects.filter(what="points").exists()


def test_scores_need_a_note_a_manual_item_and_the_review_stage(round_, reviewing, secretary, member):
    assessment = bob(reviewing, member)
    with pytest.raises(EvaluationError):
        services.score_item(assessment, item(reviewing.scheme, "发挥作用"), secretary, "40", " ")
    with pytest.raises(EvaluationError):
        services.score_item(assessment, item(reviewing.scheme, "参加统一活动日"), secretary, "1", "改")
    Evaluation.objects.filter(pk=reviewing.pk).update(stage=Evaluation.Stage.SELF_ASSESSMENT)
    assessment = bob(reviewing, member)
    with pytest.raises(EvaluationError):
        services.score_item(assessment, item(reviewing.scheme, "发挥作用"), secretary, "40", "早")


def test_only_reviewers_of_the_subtree_score(reviewing, member, outsider):
    from branches.tests.factories import RoleFactory

    other = RoleFactory(organization=outsider.organization).user
    assessment = bob(reviewing, member)
    for user in (member.user, other):
        with pytest.raises(EvaluationError):
            services.score_item(assessment, item(reviewing.scheme, "发挥作用"), user, "40", "x")
        with pytest.raises(EvaluationError):
            services.advance(reviewing, user)


def test_self_assessment_by_the_member_only_while_open(round_, member, secretary, outsider):
    assessment = bob(round_, member)
    role = item(round_.scheme, "发挥作用")
    with pytest.raises(EvaluationError):
        services.submit_self_assessment(assessment, outsider.user, "我", {role.pk: ("40", "")})
    with pytest.raises(EvaluationError):
        services.submit_self_assessment(assessment, member.user, "我", {role.pk: ("60", "")})
    assert not assessment.scores.filter(self_points__isnull=False).exists()
    services.submit_self_assessment(assessment, member.user, "全年坚持学习", {role.pk: ("45", "在外带头安全生产")})
    services.submit_self_assessment(assessment, member.user, "全年坚持学习。", {role.pk: ("46", "改")})
    score = assessment.scores.get(item=role)
    assert (score.self_points, score.self_note, score.points) == (D("46"), "改", None)
    services.advance(round_, secretary)
    with pytest.raises(EvaluationError):
        services.submit_self_assessment(bob(round_, member), member.user, "晚了", {})


def test_publication_waits_for_every_manual_score(reviewing, secretary, member):
    with pytest.raises(EvaluationError):
        services.advance(reviewing, secretary)
    assert Evaluation.objects.get(pk=reviewing.pk).stage == Evaluation.Stage.REVIEW
    assert services.score_item_for_rest(reviewing, item(reviewing.scheme, "发挥作用"), secretary, "40", "合格") == 1
    assert services.score_item_for_rest(reviewing, item(reviewing.scheme, "发挥作用"), secretary, "40", "合格") == 0
    published = services.advance(reviewing, secretary)
    assert published.stage == Evaluation.Stage.PUBLICITY
    assert published.publicity_ends_at - published.publicity_starts_at == dt.timedelta(days=5)


def test_objections_only_during_publicity_and_final_waits_for_answers(reviewing, secretary, member, outsider):
    services.score_item_for_rest(reviewing, item(reviewing.scheme, "发挥作用"), secretary, "40", "合格")
    assessment = bob(reviewing, member)
    with pytest.raises(EvaluationError) as refused:  # nothing is published yet
        services.raise_objection(assessment, member, "分数不对")
    assert refused.value.code == "not_published_to_you"
    evaluation = services.advance(reviewing, secretary)
    assessment = bob(evaluation, member)
    with pytest.raises(EvaluationError) as refused:
        services.raise_objection(assessment, outsider, "我也有意见")
    assert refused.value.code == "not_published_to_you"
    with pytest.raises(EvaluationError) as refused:
        services.raise_objection(assessment, member, "   ")
    assert (refused.value.code, refused.value.field) == ("text_missing", "text")
    objection = services.raise_objection(assessment, member, "学习记录漏算一次")
    with pytest.raises(EvaluationError) as refused:
        services.raise_objection(assessment, member, "再提一次")
    assert refused.value.code == "objection_open"
    with pytest.raises(EvaluationError) as refused:
        services.advance(evaluation, secretary)
    assert refused.value.code == "publicity_running"
    with time_machine.travel(evaluation.publicity_ends_at + dt.timedelta(minutes=1)):
        with pytest.raises(EvaluationError) as refused:
            services.raise_objection(assessment, member, "过期")
        assert refused.value.code == "publicity_over"
        with pytest.raises(EvaluationError) as refused:
            services.advance(evaluation, secretary)
        assert refused.value.code == "objections_open"
        with pytest.raises(EvaluationError) as refused:
            services.resolve_objection(objection, secretary, True, "")
        assert refused.value.code == "reply_missing"
        services.resolve_objection(objection, secretary, True, "已核实，补记一次学习")
        final = services.advance(evaluation, secretary)
    assert final.stage == Evaluation.Stage.FINAL and final.finalized_at
    assert Objection.objects.get().status == Objection.Status.UPHELD
    with pytest.raises(EvaluationError) as refused:
        services.advance(final, secretary)
    assert refused.value.code == "final"
    # A final result never moves again.
    assert score_automatic(final) == 0


def test_stage_notices_go_once_to_members_with_a_login(round_, secretary, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reviewing = services.advance(round_, secretary)
    services.score_item_for_rest(reviewing, item(round_.scheme, "发挥作用"), secretary, "40", "合格")
    with django_capture_on_commit_callbacks(execute=True):
        services.advance(reviewing, secretary)
    notices = Notification.objects.filter(member=member, kind="evaluation")
    assert notices.count() == 1
    assert str(YEAR) in notices.get().title


def test_frozen_scheme_and_versions(member_scheme, secretary, member, branch_a):
    services.check_editable(member_scheme)
    services.open_evaluation(member_scheme, branch_a, secretary)
    with pytest.raises(EvaluationError):
        services.check_editable(member_scheme)
    copy = services.copy_scheme(member_scheme, branch_a, YEAR, secretary)
    assert (copy.version, copy.copied_from, copy.is_frozen) == (2, member_scheme, False)
    assert (
        Item.objects.filter(section__scheme=copy).count() == Item.objects.filter(section__scheme=member_scheme).count()
    )
    next_year = services.copy_scheme(member_scheme, branch_a, YEAR + 1, secretary)
    assert next_year.version == 1


def test_library_copies_are_complete(branch_a, secretary):
    from evaluations.library import SCHEMES

    for key, spec in SCHEMES.items():
        scheme = services.copy_from_library(key, branch_a, YEAR, secretary)
        assert scheme.sections.count() == len(spec.sections)
        assert Item.objects.filter(section__scheme=scheme).count() == sum(len(s.items) for s in spec.sections)
        assert scheme.rating_for(D("100")) == spec.ratings[0][0]
        assert scheme.floor_rating == spec.ratings[-1][0]
    with pytest.raises(EvaluationError):
        services.copy_from_library("nope", branch_a, YEAR, secretary)


def test_publicity_window_uses_the_scheme_days(reviewing, secretary):
    reviewing.scheme.publicity_days = 7
    reviewing.scheme.save()
    services.score_item_for_rest(reviewing, item(reviewing.scheme, "发挥作用"), secretary, "40", "合格")
    now = timezone.now()
    published = services.advance(reviewing, secretary, now=now)
    assert published.publicity_ends_at == now + dt.timedelta(days=7)


def test_every_refusal_is_a_domain_error_with_its_own_code():
    """Callers and tests tell refusals apart by code: no raise in the services goes without one."""
    import ast
    import inspect

    from branches.errors import DomainError

    assert issubclass(EvaluationError, DomainError)
    raises = [
        node.exc
        for node in ast.walk(ast.parse(inspect.getsource(services)))
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
    ]
    refusals = [call for call in raises if getattr(call.func, "id", "") == "EvaluationError"]
    assert refusals and len(refusals) == len(raises)
    for call in refusals:
        code = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "code"), None)
        assert isinstance(code, ast.Constant) and code.value, ast.unparse(call)


def test_automatic_items_are_not_rescored_once_published(reviewing, secretary, member, outsider):
    with pytest.raises(EvaluationError) as refused:
        services.rescore(reviewing, outsider.user)
    assert refused.value.code == "not_a_reviewer"
    assert services.rescore(reviewing, secretary) > 0
    services.score_item_for_rest(reviewing, item(reviewing.scheme, "发挥作用"), secretary, "40", "合格")
    published = services.advance(reviewing, secretary)
    with pytest.raises(EvaluationError) as refused:
        services.rescore(published, secretary)
    assert refused.value.code == "automatic_fixed"
