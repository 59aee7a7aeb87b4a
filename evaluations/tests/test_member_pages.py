"""A member's pages: my results, one result with its self-assessment, publicity, objections, evidence."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from branches.models import Organization
from evaluations import services
from evaluations.home import evaluation_notice_facts
from evaluations.models import Assessment, Evaluation, Item, ItemScore, Objection
from evaluations.rules import RULES
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

from .conftest import YEAR, build_member_scheme

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOW = dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _early_in_the_year(request):
    """Before any month has ended nothing is due: every automatic item gives full points (30 of basic 80).

    Browser tests run on the real clock: the browser's cookies do.
    """
    if request.node.get_closest_marker("integration"):
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def english(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def home_section(monkeypatch):
    """The evaluation section on the home page, registered for this test only.

    Importing ``evaluations.home`` registers it; the app's ``ready()`` does that
    in the running site. The registry is copied first so other apps' tests keep
    the sections they count queries for.
    """
    from members import home

    monkeypatch.setattr(home, "_sections", list(home._sections))
    import evaluations.home

    home.register_home_section(evaluations.home.evaluation_notice)
    return evaluations.home.evaluation_notice


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def open_round(scheme, secretary) -> Evaluation:
    """A round over the scheme's branch, with everybody on its roster now."""
    return services.open_evaluation(scheme, scheme.organization, secretary, self_assessment_ends_on=dt.date(YEAR, 2, 1))


@pytest.fixture
def round_(member_scheme, secretary, member):
    return open_round(member_scheme, secretary)


@pytest.fixture
def reviewing(round_, secretary):
    return services.advance(round_, secretary)


def item(scheme, title: str) -> Item:
    return Item.objects.get(section__scheme=scheme, title=title)


def result(evaluation: Evaluation, member) -> Assessment:
    return evaluation.assessments.select_related("evaluation__scheme", "member").get(member=member)


def score_rest(evaluation: Evaluation, secretary, points: str = "45.5") -> None:
    """Everybody not scored yet gets ``points`` for the 50-point manual item: 30 + points + 10 in all."""
    services.score_item_for_rest(evaluation, item(evaluation.scheme, "发挥作用"), secretary, points, "按要求完成")


def publish(evaluation: Evaluation, secretary, now: dt.datetime | None = None) -> Evaluation:
    """From review to publicity: the rest get 45.5 (total 85.5, qualified)."""
    score_rest(evaluation, secretary)
    return services.advance(evaluation, secretary, now=now)


def excellent(evaluation: Evaluation, secretary, someone) -> None:
    """50 + a 7.5 bonus: 97.5 in all."""
    assessment = result(evaluation, someone)
    services.score_item(assessment, item(evaluation.scheme, "发挥作用"), secretary, "50", "表现突出")
    services.score_item(assessment, item(evaluation.scheme, "受到表彰"), secretary, "7.5", "矿级表彰")


def vetoed(evaluation: Evaluation, secretary, someone, reason: str = "受到刑事处罚，判决书在案") -> None:
    services.set_found(result(evaluation, someone), item(evaluation.scheme, "违法犯罪"), secretary, True, reason)


def logged_in_member(branch, name: str):
    user = UserFactory(name=name)
    return MemberFactory(name=name, organization=branch, user=user, phone=user.phone)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def every_section(client, url: str) -> list:
    """The result page once per section, as its section switcher reaches them."""
    first = client.get(url)
    assert first.status_code == 200
    pages = [first]
    for block in first.context["sections"][1:]:
        page = client.get(url, {"section": block["section"].pk})
        assert page.status_code == 200
        pages.append(page)
    return pages


# --- My results -----------------------------------------------------------------------------


def test_mine_lists_my_results_newest_first_with_totals_only_once_published(
    english, round_, secretary, member, branch_a
):
    earlier = services.open_evaluation(build_member_scheme(branch_a, YEAR - 1), branch_a, secretary)
    earlier = publish(services.advance(earlier, secretary), secretary)
    english.force_login(member.user)
    response = english.get(reverse("evaluations:mine"))
    body = response.content.decode()
    assert response.status_code == 200
    assert [r.evaluation.year for r in response.context["results"]] == [YEAR, YEAR - 1]
    assert all(r.member_id == member.pk for r in response.context["results"])
    assert body.index(f"{YEAR} 先锋指数") < body.index(f"{YEAR - 1} 先锋指数")
    # Last year's round is published: its total and rating; this year's is still being assessed.
    last_year = result(earlier, member)
    assert f"Total {last_year.total:f}".rstrip("0").rstrip(".") in body
    assert "Qualified" in body
    assert "Being assessed: write your self-assessment." in body
    assert reverse("evaluations:assessment", args=[result(round_, member).pk]) in body
    # Last year's publicity page is linked from here.
    assert reverse("evaluations:publicity", args=[earlier.pk]) in body


def test_mine_shows_no_other_members_results(english, member_scheme, secretary, member, branch_a):
    dave = logged_in_member(branch_a, "dave")
    round_ = open_round(member_scheme, secretary)
    english.force_login(member.user)
    response = english.get(reverse("evaluations:mine"))
    assert [r.member_id for r in response.context["results"]] == [member.pk]
    assert reverse("evaluations:assessment", args=[result(round_, dave).pk]) not in response.content.decode()


def test_mine_for_a_login_without_a_roster_entry_is_a_friendly_empty_page(english):
    english.force_login(UserFactory())
    response = english.get(reverse("evaluations:mine"))
    assert response.status_code == 200
    assert "not linked to a roster entry" in response.content.decode()
    assert response.context["results"] == []


def test_mine_asks_for_a_login_and_refuses_posts(client, member):
    assert client.get(reverse("evaluations:mine")).status_code == 302
    client.force_login(member.user)
    assert client.post(reverse("evaluations:mine")).status_code == 405


def test_mine_costs_the_same_for_one_round_or_three(client, secretary, member, branch_a):
    services.open_evaluation(build_member_scheme(branch_a, YEAR), branch_a, secretary)
    client.force_login(member.user)
    one = count_queries(client, reverse("evaluations:mine"))
    for year in (YEAR - 1, YEAR - 2):
        evaluation = services.open_evaluation(build_member_scheme(branch_a, year), branch_a, secretary)
        publish(services.advance(evaluation, secretary), secretary)
    assert count_queries(client, reverse("evaluations:mine")) == one
    assert one <= 8


# --- One result -----------------------------------------------------------------------------


def test_result_shows_rules_and_records_but_no_reviewer_points_before_publicity(english, reviewing, secretary, member):
    services.score_item(
        result(reviewing, member), item(reviewing.scheme, "发挥作用"), secretary, "45.5", "带头完成任务"
    )
    english.force_login(member.user)
    pages = every_section(english, reverse("evaluations:assessment", args=[result(reviewing, member).pk]))
    body = "".join(page.content.decode() for page in pages)
    for title in ("基础指数", "参加统一活动日", "发挥作用", "正向激励", "清零事项", "违法犯罪"):
        assert title in body
    attendance = ItemScore.objects.get(assessment__member=member, item__method="attendance")
    with translation.override("en"):
        assert escape(str(RULES["attendance"].explanation)) in body
        assert escape(str(RULES["attendance"].describe(attendance.facts))) in body
    assert "受到刑事处罚的清零。" in body  # a list item's own rule text
    assert "Being assessed." in body
    # Neither the reviewer's points and note, nor the total or the rating, yet.
    assert "带头完成任务" not in body
    assert "45.5" not in body
    assert "85.5" not in body
    assert "Qualified" not in body
    assert all(page.context["form"] is None for page in pages)


def test_published_result_shows_points_notes_sections_total_and_rating(english, reviewing, secretary, member):
    services.score_item(
        result(reviewing, member), item(reviewing.scheme, "发挥作用"), secretary, "44.5", "带头完成任务"
    )
    publish(reviewing, secretary)
    english.force_login(member.user)
    response = english.get(reverse("evaluations:assessment", args=[result(reviewing, member).pk]))
    body = response.content.decode()
    assert "带头完成任务" in body
    assert "44.5" in body
    assert "74.5 / 80" in body  # basic section: 30 automatic + 44.5
    assert "84.5" in body  # total: 74.5 + 0 bonus + 10 deduction
    assert "Qualified" in body
    assert "Objections are taken until" in body
    assert response.context["objection_form"] is not None


def test_vetoed_result_says_cleared_to_zero_with_the_item_and_written_reason(english, reviewing, secretary, member):
    vetoed(reviewing, secretary, member)
    publish(reviewing, secretary)
    english.force_login(member.user)
    body = english.get(reverse("evaluations:assessment", args=[result(reviewing, member).pk])).content.decode()
    assert "Cleared to zero" in body
    assert "“违法犯罪” was found, so the total was set to 0" in body
    assert "受到刑事处罚，判决书在案" in body
    assert "Unqualified" in body


def test_veto_reason_is_not_shown_before_publicity(english, reviewing, secretary, member):
    vetoed(reviewing, secretary, member)
    english.force_login(member.user)
    body = english.get(reverse("evaluations:assessment", args=[result(reviewing, member).pk])).content.decode()
    assert "Cleared to zero" not in body
    assert "判决书在案" not in body


def test_others_get_404_on_my_result_and_i_on_theirs(
    client, round_, member, outsider, branch_a, branch_b, committee, branch_scheme, committee_secretary
):
    mine = result(round_, member)
    theirs = result(services.open_evaluation(build_member_scheme(branch_b), branch_b, None), outsider)
    branch_round = services.open_evaluation(branch_scheme, committee, committee_secretary)
    branch_result = branch_round.assessments.first()
    dave = logged_in_member(branch_a, "dave")
    client.force_login(member.user)
    assert client.get(reverse("evaluations:assessment", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("evaluations:assessment", args=[branch_result.pk])).status_code == 404
    assert client.get(reverse("evaluations:assessment", args=[999999])).status_code == 404
    for other in (outsider.user, dave.user):
        client.force_login(other)
        assert client.get(reverse("evaluations:assessment", args=[mine.pk])).status_code == 404
        assert client.post(reverse("evaluations:assessment", args=[mine.pk]), {"summary": "x"}).status_code == 404
    assert not Assessment.objects.filter(pk=mine.pk).exclude(self_summary="").exists()


def test_a_branch_secretary_sees_their_branchs_result(client, committee, branch_scheme, committee_secretary):
    team = Organization.objects.get(code="team")
    branch_round = services.open_evaluation(branch_scheme, committee, committee_secretary)
    user = UserFactory(name="frank")
    from branches.models import Role
    from branches.tests.factories import RoleFactory

    RoleFactory(user=user, organization=team, kind=Role.Kind.SECRETARY)
    client.force_login(user)
    mine = client.get(reverse("evaluations:mine"))
    assert [r.branch_id for r in mine.context["branch_results"]] == [team.pk]
    page = client.get(reverse("evaluations:assessment", args=[branch_round.assessments.get(branch=team).pk]))
    body = page.content.decode()
    assert "个性指数 state_enterprise" in body
    assert "个性指数 village" not in body  # only the sections of the branch's own type


def test_result_page_query_count_is_bounded(client, reviewing, secretary, member, media, django_assert_max_num_queries):
    assessment = result(reviewing, member)
    files = [SimpleUploadedFile(f"证明{n}.pdf", PDF, content_type="application/pdf") for n in range(4)]
    services.score_item(assessment, item(reviewing.scheme, "发挥作用"), secretary, "45", "有证明", files=files)
    services.score_item(assessment, item(reviewing.scheme, "受到表彰"), secretary, "5", "有证明", files=files[:2])
    evaluation = publish(reviewing, secretary)
    services.raise_objection(result(evaluation, member), member, "第一条")
    client.force_login(member.user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("evaluations:assessment", args=[assessment.pk])).status_code == 200


# --- Self-assessment ------------------------------------------------------------------------


def self_url(evaluation: Evaluation, member) -> str:
    return reverse("evaluations:assessment", args=[result(evaluation, member).pk])


def test_self_assessment_form_offers_manual_items_with_points_only(english, round_, member):
    english.force_login(member.user)
    pages = every_section(english, self_url(round_, member))
    # One section at a time: each offers its own items scored by hand; the clear-to-zero list none.
    assert [[i.title for i in page.context["form"].items] for page in pages] == [
        ["发挥作用"],
        ["受到表彰"],
        ["违反纪律"],
        [],
    ]
    body = pages[0].content.decode()
    role = item(round_.scheme, "发挥作用")
    assert f'name="points_{role.pk}"' in body
    assert 'step="0.1"' in body
    assert f'<label for="id_points_{role.pk}">' in body


def test_self_assessment_saves_and_can_be_sent_again(english, round_, member):
    role = item(round_.scheme, "发挥作用")
    english.force_login(member.user)
    response = english.post(
        self_url(round_, member),
        {"summary": "全年按时参加活动", f"points_{role.pk}": "45.5", f"note_{role.pk}": "完成了任务"},
    )
    assert response.status_code == 302
    assessment = result(round_, member)
    assert assessment.self_summary == "全年按时参加活动"
    assert assessment.self_submitted_at is not None
    score = ItemScore.objects.get(assessment=assessment, item=role)
    assert (str(score.self_points), score.self_note) == ("45.5", "完成了任务")
    page = english.get(self_url(round_, member)).content.decode()
    assert "全年按时参加活动" in page
    assert 'value="45.5"' in page
    assert "Update my self-assessment" in page

    english.post(self_url(round_, member), {"summary": "改过的总结", f"points_{role.pk}": "40", f"note_{role.pk}": ""})
    assessment.refresh_from_db()
    assert assessment.self_summary == "改过的总结"
    score = ItemScore.objects.get(assessment=assessment, item=role)
    assert str(score.self_points) == "40.0"
    assert ItemScore.objects.filter(assessment=assessment, item=role).count() == 1


@pytest.mark.parametrize(
    ("summary", "points", "error"),
    [
        ("全年按时参加活动", "50.5", "must be between 0 and 50"),
        ("全年按时参加活动", "-1", "must be between 0 and 50"),
        ("全年按时参加活动", "12.34", "in steps of 0.1"),
        ("全年按时参加活动", "abc", "is not a number of points"),
        ("   ", "40", "Write a few lines about your year."),
    ],
)
def test_bad_self_assessment_shows_the_error_and_saves_nothing(english, round_, member, summary, points, error):
    role = item(round_.scheme, "发挥作用")
    english.force_login(member.user)
    response = english.post(
        self_url(round_, member), {"summary": summary, f"points_{role.pk}": points, f"note_{role.pk}": "说明"}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assessment = result(round_, member)
    assert assessment.self_submitted_at is None
    assert assessment.self_summary == ""
    assert not ItemScore.objects.filter(assessment=assessment, self_points__isnull=False).exists()


def test_self_assessment_is_refused_once_review_starts(english, reviewing, member):
    role = item(reviewing.scheme, "发挥作用")
    english.force_login(member.user)
    response = english.post(self_url(reviewing, member), {"summary": "晚了", f"points_{role.pk}": "50"}, follow=True)
    assert "Self-assessment is closed for this round." in response.content.decode()
    assert result(reviewing, member).self_submitted_at is None
    assert not ItemScore.objects.filter(item=role, self_points__isnull=False).exists()


def test_points_i_claimed_do_not_keep_me_out_of_scoring_the_rest(round_, secretary, member):
    role = item(round_.scheme, "发挥作用")
    services.submit_self_assessment(result(round_, member), member.user, "我的总结", {role.pk: ("50", "")})
    reviewing = services.advance(round_, secretary)
    assert services.score_item_for_rest(reviewing, role, secretary, "45.5", "按要求完成") == 1
    score = ItemScore.objects.get(assessment__member=member, item=role)
    assert (str(score.points), str(score.self_points)) == ("45.5", "50.0")
    assert result(reviewing, member).unscored == 0


def test_my_self_assessment_stays_visible_after_review_starts(english, round_, secretary, member):
    services.submit_self_assessment(result(round_, member), member.user, "我的总结", {})
    services.advance(round_, secretary)
    english.force_login(member.user)
    body = english.get(self_url(round_, member)).content.decode()
    assert "我的总结" in body
    assert "<textarea" not in body


# --- Objections -----------------------------------------------------------------------------


def test_a_member_objects_to_their_own_published_result_and_reads_the_reply(english, reviewing, secretary, member):
    evaluation = publish(reviewing, secretary)
    assessment = result(evaluation, member)
    english.force_login(member.user)
    response = english.post(reverse("evaluations:object", args=[assessment.pk]), {"text": "我的学习记录不全"})
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:assessment", args=[assessment.pk])
    objection = Objection.objects.get(assessment=assessment, raised_by=member)
    assert objection.text == "我的学习记录不全"
    services.resolve_objection(objection, secretary, False, "已核实记录无误")
    body = english.get(reverse("evaluations:assessment", args=[assessment.pk])).content.decode()
    assert "我的学习记录不全" in body
    assert "已核实记录无误" in body
    assert "Dismissed" in body


def test_a_member_objects_to_a_name_on_the_publicity_list(english, member_scheme, secretary, member, branch_a):
    dave = logged_in_member(branch_a, "dave")
    reviewing = services.advance(open_round(member_scheme, secretary), secretary)
    vetoed(reviewing, secretary, dave)
    evaluation = publish(reviewing, secretary)
    english.force_login(member.user)
    target = result(evaluation, dave)
    form = english.get(reverse("evaluations:object", args=[target.pk]))
    assert form.status_code == 200
    assert "dave" in form.content.decode()
    assert "97.5" not in form.content.decode() and "0.0" not in form.content.decode()
    response = english.post(reverse("evaluations:object", args=[target.pk]), {"text": "处理结果有误"})
    assert response["Location"] == reverse("evaluations:publicity", args=[evaluation.pk])
    assert Objection.objects.filter(assessment=target, raised_by=member).count() == 1
    # dave's page shows his own objections only, not who objected to him.
    english.force_login(dave.user)
    assert "处理结果有误" not in english.get(reverse("evaluations:assessment", args=[target.pk])).content.decode()


def test_no_objection_to_a_result_the_publicity_list_does_not_name(client, member_scheme, secretary, member, branch_a):
    erin = logged_in_member(branch_a, "erin")  # simply qualified: counted, not named
    reviewing = services.advance(open_round(member_scheme, secretary), secretary)
    evaluation = publish(reviewing, secretary)
    client.force_login(member.user)
    target = result(evaluation, erin)
    assert client.get(reverse("evaluations:object", args=[target.pk])).status_code == 404
    assert client.post(reverse("evaluations:object", args=[target.pk]), {"text": "x"}).status_code == 404
    assert not Objection.objects.exists()


def test_objections_are_refused_outside_publicity(english, reviewing, secretary, member):
    english.force_login(member.user)
    assessment = result(reviewing, member)
    # During review nothing is published: there is nothing to object to.
    assert english.post(reverse("evaluations:object", args=[assessment.pk]), {"text": "早了"}).status_code == 404
    # Published ten days ago for five days, then final.
    evaluation = publish(reviewing, secretary, now=timezone.now() - dt.timedelta(days=10))
    response = english.post(reverse("evaluations:object", args=[assessment.pk]), {"text": "晚了"})
    assert response.status_code == 400
    assert "Objections are taken only while the results are published." in response.content.decode()
    services.advance(evaluation, secretary)
    response = english.post(reverse("evaluations:object", args=[assessment.pk]), {"text": "晚了"})
    assert response.status_code == 400
    assert not Objection.objects.exists()
    assert english.get(reverse("evaluations:assessment", args=[assessment.pk])).context["objection_form"] is None


def test_an_empty_or_second_open_objection_is_refused(english, reviewing, secretary, member):
    evaluation = publish(reviewing, secretary)
    assessment = result(evaluation, member)
    english.force_login(member.user)
    url = reverse("evaluations:object", args=[assessment.pk])
    response = english.post(url, {"text": "  "})
    assert response.status_code == 400
    assert "Write what you object to and why." in response.content.decode()
    english.post(url, {"text": "第一次"})
    response = english.post(url, {"text": "第二次"})
    assert response.status_code == 400
    assert "already have an open objection" in response.content.decode()
    assert Objection.objects.count() == 1


def test_outsiders_cannot_object(client, reviewing, secretary, member, outsider):
    evaluation = publish(reviewing, secretary)
    url = reverse("evaluations:object", args=[result(evaluation, member).pk])
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "x"}).status_code == 404
    client.force_login(UserFactory())
    assert client.post(url, {"text": "x"}).status_code == 404
    assert not Objection.objects.exists()


# --- Publicity ------------------------------------------------------------------------------


def test_publicity_names_people_by_rating_in_roster_order_without_scores(
    english, member_scheme, secretary, member, branch_a
):
    zoe, anna = logged_in_member(branch_a, "zoe"), logged_in_member(branch_a, "anna")
    dave = logged_in_member(branch_a, "dave")
    quiet = [logged_in_member(branch_a, f"quiet{n}") for n in range(3)]
    reviewing = services.advance(open_round(member_scheme, secretary), secretary)
    for someone in (zoe, member, anna):
        excellent(reviewing, secretary, someone)
    vetoed(reviewing, secretary, dave)
    evaluation = publish(reviewing, secretary)
    english.force_login(member.user)
    response = english.get(reverse("evaluations:publicity", args=[evaluation.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    groups = {g["rating"]: g for g in response.context["groups"]}
    assert [p["name"] for p in groups["excellent"]["names"]] == ["anna", "bob", "zoe"]
    assert [p["name"] for p in groups["unqualified"]["names"]] == ["dave"]
    assert groups["qualified"]["names"] is None
    assert groups["qualified"]["count"] == 3
    assert body.index("anna") < body.index("bob") < body.index("zoe")
    # The simply qualified are counted, not named; nobody's points appear.
    for someone in quiet:
        assert someone.name not in body
    for points in ("97.5", "85.5", "45.5", "57.5"):
        assert points not in body
    assert "3 members are rated “qualified”" in body
    assert "Objections are taken until" in body
    assert reverse("evaluations:object", args=[result(evaluation, dave).pk]) in body
    assert reverse("evaluations:object", args=[result(evaluation, quiet[0]).pk]) not in body


def test_publicity_is_404_for_outsiders_before_publicity_and_for_logins_without_a_member(
    client, reviewing, secretary, member, outsider
):
    url = reverse("evaluations:publicity", args=[reviewing.pk])
    client.force_login(member.user)
    assert client.get(url).status_code == 404  # still in review
    publish(reviewing, secretary)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("size", [3, 30])
def test_publicity_costs_the_same_for_3_or_30_members(client, secretary, member, branch_a, member_scheme, size):
    for n in range(size):
        MemberFactory(organization=branch_a, name=f"成员{n:02d}")
    evaluation = services.advance(services.open_evaluation(member_scheme, branch_a, secretary), secretary)
    for someone in evaluation.assessments.select_related("member")[::2]:
        if someone.member_id != member.pk:
            vetoed(evaluation, secretary, someone.member)
    evaluation = publish(evaluation, secretary)
    client.force_login(member.user)
    # The navigation reads its counts with the member's own entry: no query of its own.
    assert count_queries(client, reverse("evaluations:publicity", args=[evaluation.pk])) == 6


def test_branch_round_publicity_lists_every_branch_with_its_rating(
    english, member, committee, branch_scheme, committee_secretary
):
    team, village = Organization.objects.get(code="team"), Organization.objects.get(code="village")
    evaluation = services.advance(
        services.open_evaluation(branch_scheme, committee, committee_secretary), committee_secretary
    )
    for title, points in (("班子建设", "45"), ("特色工作 state_enterprise", "40"), ("特色工作 village", "10")):
        services.score_item_for_rest(
            evaluation,
            Item.objects.get(section__scheme=branch_scheme, title=title),
            committee_secretary,
            points,
            "评定",
        )
    evaluation = services.advance(evaluation, committee_secretary)
    miner = logged_in_member(team, "gina")
    english.force_login(miner.user)
    response = english.get(reverse("evaluations:publicity", args=[evaluation.pk]))
    body = response.content.decode()
    groups = {g["rating"]: [p["name"] for p in g["names"]] for g in response.context["groups"]}
    assert groups == {"advanced": [team.name], "qualified": [village.name], "lagging": []}
    assert body.index("Advanced") < body.index(team.name) < body.index(village.name)
    # No score anywhere (the random CSRF token may hold any two digits).
    text = re.sub(r'value="[^"]*"', "", body)
    assert "95" not in text and "65" not in text
    # bob's branch is not under the committee.
    english.force_login(member.user)
    assert english.get(reverse("evaluations:publicity", args=[evaluation.pk])).status_code == 404


# --- Evidence -------------------------------------------------------------------------------


def test_evidence_goes_to_reviewers_and_after_publication_to_the_person_assessed(
    client, reviewing, secretary, member, outsider, branch_a, media
):
    dave = logged_in_member(branch_a, "dave")
    score = services.score_item(
        result(reviewing, member),
        item(reviewing.scheme, "受到表彰"),
        secretary,
        "10",
        "矿级表彰",
        files=[SimpleUploadedFile("表彰决定.pdf", PDF, content_type="application/pdf")],
    )
    url = reverse("evaluations:evidence", args=[score.evidence.get().pk])
    client.force_login(member.user)
    assert client.get(url).status_code == 404  # not published yet
    client.force_login(secretary)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")

    evaluation = publish(reviewing, secretary)
    client.force_login(member.user)
    assert client.get(url).status_code == 200
    page = client.get(
        reverse("evaluations:assessment", args=[result(evaluation, member).pk]), {"section": score.item.section_id}
    ).content.decode()
    assert url in page
    assert "表彰决定.pdf" in page
    for other in (dave.user, outsider.user):
        client.force_login(other)
        assert client.get(url).status_code == 404
    client.force_login(member.user)
    assert client.post(url).status_code == 405
    assert client.get(reverse("evaluations:evidence", args=[999999])).status_code == 404


# --- Home page ------------------------------------------------------------------------------


def test_home_asks_for_the_self_assessment_until_it_is_sent(english, home_section, round_, member):
    english.force_login(member.user)
    body = english.get(reverse("home")).content.decode()
    assert f"Self-assessment for {YEAR} is open until {YEAR}-02-01" in body
    assert reverse("evaluations:assessment", args=[result(round_, member).pk]) in body
    services.submit_self_assessment(result(round_, member), member.user, "我的总结", {})
    body = english.get(reverse("home")).content.decode()
    assert "Self-assessment for" not in body


def test_home_says_when_results_are_published_and_until_when_objections_are_taken(
    english, home_section, reviewing, secretary, member
):
    english.force_login(member.user)
    assert "Annual evaluation" not in english.get(reverse("home")).content.decode()  # in review: nothing to say
    evaluation = publish(reviewing, secretary)
    body = english.get(reverse("home")).content.decode()
    end = timezone.localtime(evaluation.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
    assert f"{YEAR} results published; objections until {end}" in body


def test_home_section_costs_one_query(home_section, round_, member, django_assert_num_queries):
    today = timezone.localdate()
    with django_assert_num_queries(1):
        assert home_section(None, member, today)["results"][0].evaluation_id == round_.pk
    other = MemberFactory()
    with django_assert_num_queries(1):
        assert home_section(None, other, today) is None
    # Loaded as the home page loads the member: the row says there is no news, and nothing is asked.
    loaded = Member.objects.annotate(**evaluation_notice_facts(today)).get(pk=other.pk)
    with django_assert_num_queries(0):
        assert home_section(None, loaded, today) is None


def test_home_with_an_evaluation_notice_stays_within_five_queries(
    client, home_section, round_, member, django_assert_max_num_queries
):
    client.force_login(member.user)
    # session, user, member (with what every section needs to know), the
    # activities of "due this month", the evaluation notice
    with django_assert_max_num_queries(5):
        body = client.get(reverse("home")).content.decode()
    assert reverse("evaluations:assessment", args=[result(round_, member).pk]) in body


# --- On a phone -----------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_member_self_assesses_and_reads_the_published_result_on_a_phone(phone, client, settings, branch_a, secretary):
    from activities.tests.test_browser_member import check_page

    user = UserFactory(phone="+8617000000201", name="何大勇")
    member = MemberFactory(user=user, phone=user.phone, organization=branch_a, name="何大勇")
    scheme = build_member_scheme(branch_a)
    evaluation = open_round(scheme, secretary)
    role = item(scheme, "发挥作用")
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    phone.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": phone.base}])
    phone.goto(phone.base + reverse("evaluations:mine"))
    check_page(phone, "member-evaluation-mine")
    phone.locator(f"main a[href$='{reverse('evaluations:assessment', args=[result(evaluation, member).pk])}']").click()
    phone.wait_for_load_state("networkidle")
    check_page(phone, "member-evaluation-self-assessment")
    phone.fill("textarea[name=summary]", "全年按时参加活动，完成了运输任务。")
    phone.fill(f"input[name=points_{role.pk}]", "45.5")
    phone.fill(f"input[name=note_{role.pk}]", "带头完成任务")
    phone.locator("#self-assessment button[type=submit]").click()
    phone.wait_for_load_state("networkidle")
    score = ItemScore.objects.get(assessment__member=member, item=role)
    assert (str(score.self_points), score.self_note) == ("45.5", "带头完成任务")

    evaluation = publish(services.advance(evaluation, secretary), secretary)
    phone.reload()
    phone.wait_for_load_state("networkidle")
    assert "何大勇" in phone.inner_text("main")
    check_page(phone, "member-evaluation-published")
    phone.goto(phone.base + reverse("evaluations:publicity", args=[evaluation.pk]))
    check_page(phone, "member-evaluation-publicity")
    phone.goto(phone.base + reverse("evaluations:object", args=[result(evaluation, member).pk]))
    check_page(phone, "member-evaluation-objection")


# --- After a transfer out -------------------------------------------------------------------


def transfer_out(member) -> None:
    Member.objects.filter(pk=member.pk).update(
        state=Member.State.TRANSFERRED_OUT, transferred_out_on=dt.date(YEAR, 1, 15)
    )


def test_a_member_transferred_out_still_reads_their_published_result_and_its_evidence(
    client, reviewing, secretary, member, media
):
    score = services.score_item(
        result(reviewing, member),
        item(reviewing.scheme, "受到表彰"),
        secretary,
        "10",
        "矿级表彰",
        files=[SimpleUploadedFile("表彰决定.pdf", PDF, content_type="application/pdf")],
    )
    evaluation = publish(reviewing, secretary)
    assessment = result(evaluation, member)
    transfer_out(member)
    client.force_login(member.user)
    assert client.get(reverse("evaluations:mine")).context["results"] == [assessment]
    page = client.get(reverse("evaluations:assessment", args=[assessment.pk]))
    assert page.status_code == 200
    assert page.context["objection_form"] is None
    assert client.get(reverse("evaluations:evidence", args=[score.evidence.get().pk])).status_code == 200
    # Objecting is acting in the branch, and so is reading its publicity list.
    assert client.post(reverse("evaluations:object", args=[assessment.pk]), {"text": "x"}).status_code == 404
    assert client.get(reverse("evaluations:publicity", args=[evaluation.pk])).status_code == 404
    assert not Objection.objects.exists()


def test_a_member_transferred_out_cannot_self_assess(english, round_, member):
    assessment = result(round_, member)
    transfer_out(member)
    english.force_login(member.user)
    page = english.get(reverse("evaluations:assessment", args=[assessment.pk]))
    assert page.status_code == 200
    assert page.context["form"] is None
    response = english.post(reverse("evaluations:assessment", args=[assessment.pk]), {"summary": "我"})
    assert response.status_code == 400
    assert "You cannot assess this result." in response.text
    assessment.refresh_from_db()
    assert assessment.self_submitted_at is None
