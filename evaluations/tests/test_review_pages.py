"""The reviewers' workspace: rounds, the round's dashboard, one result's review, objections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from evaluations import services
from evaluations.models import Assessment, Evaluation, Evidence, Item, ItemScore, Objection, ScoreChange
from evaluations.scoring import score_automatic
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

from .conftest import YEAR, build_member_scheme

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _early_in_the_year():
    """Before any month has ended nothing is due: every automatic item gives full points (30 of basic 80)."""
    with time_machine.travel(dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def english(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def round_(member_scheme, secretary, member):
    return services.open_evaluation(member_scheme, member_scheme.organization, secretary)


@pytest.fixture
def reviewing(round_, secretary):
    return services.advance(round_, secretary)


@pytest.fixture
def secretary_b(branch_b):
    user = UserFactory(name="erin")
    RoleFactory(user=user, organization=branch_b, kind=Role.Kind.SECRETARY)
    return user


def item(scheme, title: str) -> Item:
    return Item.objects.get(section__scheme=scheme, title=title)


def result(evaluation: Evaluation, member) -> Assessment:
    return evaluation.assessments.get(member=member)


def pdf(name: str = "表彰决定.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def score_url(assessment: Assessment, item_: Item) -> str:
    return reverse("evaluations:score_item", args=[assessment.pk, item_.pk])


def item_data(item_: Item, **fields) -> dict:
    return {f"item{item_.pk}-{name}": value for name, value in fields.items()}


# --- Permissions ----------------------------------------------------------------------------


def workspace_urls(evaluation: Evaluation, assessment: Assessment) -> list[str]:
    return [
        reverse("evaluations:rounds"),
        reverse("evaluations:round", args=[evaluation.pk]),
        reverse("evaluations:review", args=[assessment.pk]),
        reverse("evaluations:objections", args=[evaluation.pk]),
    ]


def test_pages_need_a_login_and_a_role(client, round_, member, outsider):
    list_url, *object_urls = workspace_urls(round_, result(round_, member))
    for url in (list_url, *object_urls):
        assert client.get(url).status_code == 302
    # bob is a member of the branch evaluated, charlie of another: neither has a role, so the
    # lists are refused and the round and its results do not exist for them.
    for person in (member, outsider):
        client.force_login(person.user)
        assert client.get(list_url).status_code == 403
        assert client.post(reverse("evaluations:open_round")).status_code == 403
        for url in object_urls:
            assert client.get(url).status_code == 404, url
        assert client.post(reverse("evaluations:advance", args=[round_.pk])).status_code == 404
    round_.refresh_from_db()
    assert round_.stage == Evaluation.Stage.SELF_ASSESSMENT


@pytest.mark.parametrize(
    ("who", "list_status", "object_status"),
    [("member", 403, 404), ("secretary_b", 200, 404), ("secretary", 200, 200)],
)
def test_a_list_page_and_an_object_page_follow_the_403_404_rule(
    request, client, round_, member, who, list_status, object_status
):
    """A plain member, the secretary of another branch and the round's own secretary."""
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(reverse("evaluations:rounds")).status_code == list_status
    assert client.get(reverse("evaluations:round", args=[round_.pk])).status_code == object_status
    assert client.get(reverse("evaluations:schemes")).status_code == list_status
    assert client.get(reverse("evaluations:scheme", args=[round_.scheme_id])).status_code == object_status


def test_secretary_of_another_branch_gets_404_and_changes_nothing(client, reviewing, member, secretary_b):
    scheme = reviewing.scheme
    assessment = result(reviewing, member)
    client.force_login(secretary_b)
    for url in workspace_urls(reviewing, assessment)[1:]:
        assert client.get(url).status_code == 404
    role = item(scheme, "发挥作用")
    posts = [
        (reverse("evaluations:advance", args=[reviewing.pk]), {}),
        (reverse("evaluations:rescore", args=[reviewing.pk]), {}),
        (reverse("evaluations:score_rest", args=[reviewing.pk, role.pk]), {f"rest{role.pk}-points": "40"}),
        (score_url(assessment, role), item_data(role, points="40", note="x")),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404
    reviewing.refresh_from_db()
    assert reviewing.stage == Evaluation.Stage.REVIEW
    assert not ItemScore.objects.filter(item=role).exists()
    # The rounds list shows only their own subtree's rounds.
    response = client.get(reverse("evaluations:rounds"))
    assert response.status_code == 200
    assert list(response.context["page"]) == []


def test_objection_of_another_subtree_is_404(client, reviewing, secretary, member, secretary_b):
    assessment = result(reviewing, member)
    services.score_item(assessment, item(reviewing.scheme, "发挥作用"), secretary, "40", "ok")
    published = services.advance(reviewing, secretary)
    objection = services.raise_objection(result(published, member), member, "分数偏低")
    client.force_login(secretary_b)
    response = client.post(
        reverse("evaluations:resolve_objection", args=[objection.pk]),
        {f"objection{objection.pk}-upheld": "yes", f"objection{objection.pk}-reply": "同意"},
    )
    assert response.status_code == 404
    objection.refresh_from_db()
    assert objection.status == Objection.Status.OPEN


def test_pages_refuse_the_wrong_method(client, round_, secretary):
    client.force_login(secretary)
    assert client.get(reverse("evaluations:advance", args=[round_.pk])).status_code == 405
    assert client.get(reverse("evaluations:open_round")).status_code == 405
    assert client.post(reverse("evaluations:round", args=[round_.pk])).status_code == 405


# --- Rounds and opening one -----------------------------------------------------------------


def test_opening_a_round_from_the_page_evaluates_every_active_member(
    english, secretary, member, member_scheme, branch_a, branch_b, django_capture_on_commit_callbacks
):
    client = english
    MemberFactory(organization=branch_a, name="carol")
    MemberFactory(organization=branch_a, state="transferred_out")
    MemberFactory(organization=branch_b)
    client.force_login(secretary)
    page = client.get(reverse("evaluations:rounds"))
    assert page.status_code == 200
    assert "Open a round" in page.text
    assert member_scheme.pk in dict(page.context["form"].fields["scheme"].choices[1][1])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluations:open_round"),
            {"organization": branch_a.pk, "scheme": member_scheme.pk, "self_assessment_ends_on": "2026-02-10"},
        )
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("evaluations:round", args=[evaluation.pk])
    assert evaluation.self_assessment_ends_on == dt.date(2026, 2, 10)
    assert sorted(evaluation.assessments.values_list("member__name", flat=True)) == ["bob", "carol"]
    # Automatic items are scored by the job queued on opening: 30 points before anything is due.
    assert set(evaluation.assessments.values_list("automatic_points", flat=True)) == {D("30.0")}
    listing = client.get(reverse("evaluations:rounds"))
    assert "2 results · 0 self-assessed · 2 with unscored items · 0 open objections" in listing.text


def test_opening_twice_or_with_another_branchs_scheme_creates_nothing(
    english, secretary, member, member_scheme, branch_a, branch_b
):
    client = english
    other = build_member_scheme(branch_b)
    client.force_login(secretary)
    response = client.post(reverse("evaluations:open_round"), {"organization": branch_a.pk, "scheme": other.pk})
    assert response.status_code == 400
    assert "scheme" in response.context["form"].errors
    assert not Evaluation.objects.exists()
    # branch B is not the secretary's either.
    response = client.post(reverse("evaluations:open_round"), {"organization": branch_b.pk, "scheme": member_scheme.pk})
    assert response.status_code == 400
    assert "organization" in response.context["form"].errors
    data = {"organization": branch_a.pk, "scheme": member_scheme.pk}
    assert client.post(reverse("evaluations:open_round"), data).status_code == 302
    response = client.post(reverse("evaluations:open_round"), data)
    assert response.status_code == 400
    assert "This scheme already has a round for this organization." in response.text
    assert Evaluation.objects.count() == 1
    assert Assessment.objects.count() == 1


def test_a_past_self_assessment_end_is_refused(english, secretary, member, member_scheme, branch_a):
    english.force_login(secretary)
    response = english.post(
        reverse("evaluations:open_round"),
        {"organization": branch_a.pk, "scheme": member_scheme.pk, "self_assessment_ends_on": "2025-12-31"},
    )
    assert response.status_code == 400
    assert not Evaluation.objects.exists()


# --- The round's dashboard ------------------------------------------------------------------


def test_rescore_recalculates_automatic_items_only_before_publicity(
    english, round_, secretary, member, django_capture_on_commit_callbacks
):
    client = english
    assessment = result(round_, member)
    attendance = item(round_.scheme, "参加统一活动日")
    ItemScore.objects.filter(assessment=assessment, item=attendance).update(points=D("0"))
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:rescore", args=[round_.pk]))
    response = client.get(response.url)
    assert "The automatic items are being recalculated from the records." in response.text
    assert ItemScore.objects.get(assessment=assessment, item=attendance).points == D("10.0")
    assessment.refresh_from_db()
    assert assessment.automatic_points == D("30.0")

    reviewing = services.advance(round_, secretary)
    services.score_item_for_rest(reviewing, item(round_.scheme, "发挥作用"), secretary, "40", "统一")
    services.advance(reviewing, secretary)
    ItemScore.objects.filter(assessment=assessment, item=attendance).update(points=D("0"))
    response = client.post(reverse("evaluations:rescore", args=[round_.pk]), follow=True)
    assert "Automatic items are fixed once the results are published." in response.text
    assert ItemScore.objects.get(assessment=assessment, item=attendance).points == D("0")


def test_the_whole_round_by_its_buttons(
    english, round_, secretary, member, branch_a, django_capture_on_commit_callbacks
):
    client = english
    # carol joins after the round opened: she is not in it.
    MemberFactory(organization=branch_a, name="carol")
    assert round_.assessments.count() == 1
    client.force_login(secretary)
    advance = reverse("evaluations:advance", args=[round_.pk])
    page = client.get(reverse("evaluations:round", args=[round_.pk]))
    assert "Close self-assessment and start review" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(advance)
    page = client.get(response.url)
    round_.refresh_from_db()
    assert round_.stage == Evaluation.Stage.REVIEW
    assert "The round moved on to: Review." in page.text
    assert "Publishing is blocked: 1 result still has items nobody has scored" in page.text

    page = client.post(advance, follow=True)
    round_.refresh_from_db()
    assert round_.stage == Evaluation.Stage.REVIEW
    assert "1 results still have items nobody has scored. Score them before publishing." in page.text

    role = item(round_.scheme, "发挥作用")
    first_item, _form, todo = page.context["rest_rows"][0]
    assert (first_item, todo) == (role, 1)
    page = client.post(
        reverse("evaluations:score_rest", args=[round_.pk, role.pk]),
        {f"rest{role.pk}-points": "45", f"rest{role.pk}-note": "全年表现良好"},
        follow=True,
    )
    assert "scored 45 for 1 results" in page.text
    assessment = result(round_, member)
    # basic 30 automatic + 45, bonus 0, deduction 10 - 0
    assert (assessment.total, assessment.unscored) == (D("85.0"), 0)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(advance)
    page = client.get(response.url)
    assert "the results are published once that is done" in page.text
    round_.refresh_from_db()
    assert round_.stage == Evaluation.Stage.PUBLICITY
    assert round_.publicity_ends_at == round_.publicity_starts_at + dt.timedelta(days=5)

    page = client.post(advance, follow=True)
    round_.refresh_from_db()
    assert round_.stage == Evaluation.Stage.PUBLICITY
    assert "Publicity runs until" in page.text

    objection = services.raise_objection(assessment, member, "我的作用分偏低")
    page = client.get(reverse("evaluations:round", args=[round_.pk]))
    assert "1 objection waits for an answer." in page.text

    with time_machine.travel(round_.publicity_ends_at + dt.timedelta(minutes=1), tick=False):
        page = client.post(advance, follow=True)
        round_.refresh_from_db()
        assert round_.stage == Evaluation.Stage.PUBLICITY
        assert "Answer every open objection before the results become final." in page.text

        listing = client.get(reverse("evaluations:objections", args=[round_.pk]))
        assert "我的作用分偏低" in listing.text
        assert listing.context["page"][0].form is not None
        prefix = f"objection{objection.pk}"
        response = client.post(
            reverse("evaluations:resolve_objection", args=[objection.pk]), {f"{prefix}-upheld": "yes"}
        )
        assert response.status_code == 400
        objection.refresh_from_db()
        assert objection.status == Objection.Status.OPEN

        page = client.post(
            reverse("evaluations:resolve_objection", args=[objection.pk]),
            {f"{prefix}-upheld": "yes", f"{prefix}-reply": "经复核，作用分调整为48分"},
            follow=True,
        )
        objection.refresh_from_db()
        assert (objection.status, objection.resolved_by) == (Objection.Status.UPHELD, secretary)
        assert "The objection is upheld." in page.text
        review_url = reverse("evaluations:review", args=[assessment.pk])
        assert f'href="{review_url}"' in page.text

        # The score is changed during publicity, with its reason.
        response = client.post(score_url(assessment, role), item_data(role, points="48", note="异议成立，调整"))
        assert response.status_code == 302
        assessment.refresh_from_db()
        assert assessment.total == D("88.0")

        page = client.post(advance, follow=True)
        round_.refresh_from_db()
        assert round_.stage == Evaluation.Stage.FINAL
        assert "The results are final since" in page.text
        assert "Make the results final" not in page.text
    stages = list(
        ScoreChange.objects.filter(evaluation=round_, what="stage").order_by("at", "pk").values_list("old", "new")
    )
    assert stages == [("", "self"), ("self", "review"), ("review", "publicity"), ("publicity", "final")]


def test_score_rest_refuses_bad_points_and_keeps_scores_given(english, reviewing, secretary, member, branch_a):
    client = english
    carol = MemberFactory(organization=branch_a, name="carol")
    Assessment.objects.create(evaluation=reviewing, member=carol)
    role = item(reviewing.scheme, "发挥作用")
    services.score_item(result(reviewing, member), role, secretary, "50", "优秀")
    client.force_login(secretary)
    url = reverse("evaluations:score_rest", args=[reviewing.pk, role.pk])
    response = client.post(url, {f"rest{role.pk}-points": "51", f"rest{role.pk}-note": "x"})
    assert response.status_code == 400
    assert "Points for “发挥作用” must be between 0 and 50.0" in response.text
    assert ItemScore.objects.filter(item=role).count() == 1
    client.post(url, {f"rest{role.pk}-points": "40", f"rest{role.pk}-note": "统一评分"})
    points = dict(ItemScore.objects.filter(item=role).values_list("assessment__member__name", "points"))
    assert points == {"bob": D("50.0"), "carol": D("40.0")}


def test_sorting_by_total_and_unknown_sort_falls_back_to_name(client, reviewing, secretary, member, branch_a):
    role = item(reviewing.scheme, "发挥作用")
    for name in ("dave", "anna"):
        Assessment.objects.create(evaluation=reviewing, member=MemberFactory(organization=branch_a, name=name))
    score_automatic(reviewing)
    points = {"bob": "20", "dave": "45", "anna": "5"}
    for assessment in reviewing.assessments.select_related("member", "evaluation__scheme"):
        services.score_item(assessment, role, secretary, points[assessment.member.name], "按表现")
    client.force_login(secretary)
    url = reverse("evaluations:round", args=[reviewing.pk])

    def names(sort):
        response = client.get(url, {"sort": sort})
        assert response.status_code == 200
        return [a.sort_name for a in response.context["page"]]

    assert names("total") == ["anna", "bob", "dave"]
    assert names("-total") == ["dave", "bob", "anna"]
    assert names("name") == ["anna", "bob", "dave"]
    assert names("nonsense") == ["anna", "bob", "dave"]
    assert names("--total") == ["anna", "bob", "dave"]
    assert names("rating") == ["dave", "bob", "anna"]
    response = client.get(url, {"sort": "total"})
    assert 'aria-sort="ascending"' in response.text
    assert "sort=-total" in response.text


def test_round_table_shows_groups_and_paginates_by_fifty(client, round_, secretary, member, branch_a):
    group = GroupFactory(parent=branch_a, name="北京小组")
    member.group = group
    member.save()
    rows = [Assessment(evaluation=round_, member=MemberFactory(organization=branch_a)) for _ in range(55)]
    Assessment.objects.bulk_create(rows)
    client.force_login(secretary)
    response = client.get(reverse("evaluations:round", args=[round_.pk]), {"sort": "group"})
    page = response.context["page"]
    assert len(page) == 50 and page.paginator.count == 56
    assert page[0].sort_name == "bob"
    assert "北京小组" in response.text


# --- One result -----------------------------------------------------------------------------


def test_scoring_an_item_with_note_and_evidence(english, reviewing, secretary, member, media):
    client = english
    assessment = result(reviewing, member)
    role = item(reviewing.scheme, "发挥作用")
    client.force_login(secretary)
    response = client.post(
        score_url(assessment, role),
        {**item_data(role, points="42.5", note="带头完成抢险任务"), f"item{role.pk}-files": [pdf(), pdf("照片.pdf")]},
    )
    assert response.status_code == 302
    score = ItemScore.objects.get(assessment=assessment, item=role)
    assert (score.points, score.note, score.scored_by) == (D("42.5"), "带头完成抢险任务", secretary)
    evidence = list(Evidence.objects.filter(score=score).order_by("pk"))
    assert [e.name for e in evidence] == ["表彰决定.pdf", "照片.pdf"]
    assert all((media / e.file.name).read_bytes() == PDF for e in evidence)
    assessment.refresh_from_db()
    assert (assessment.total, assessment.unscored) == (D("82.5"), 0)
    page = client.get(reverse("evaluations:review", args=[assessment.pk]))
    assert "表彰决定.pdf" in page.text and "带头完成抢险任务" in page.text
    assert f'href="{reverse("evaluations:evidence", args=[evidence[0].pk])}"' in page.text
    # Automatic items show their rule and what the records say.
    assert "Points × (attended + made up)" in page.text
    assert "Attended 0 and made up 0 of 0 activity days" in page.text


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([pdf("evil.pdf", b"MZ\x90\x00 not a pdf")], "Attach a PDF, Word (DOC or DOCX), JPG or PNG file."),
        ([pdf("script.html", b"<html></html>")], "Attach a PDF, Word (DOC or DOCX), JPG or PNG file."),
        ([pdf(f"{n}.pdf") for n in range(6)], "Attach at most 5 files at a time."),
    ],
)
def test_a_bad_evidence_file_saves_nothing(english, reviewing, secretary, member, media, files, message):
    client = english
    assessment = result(reviewing, member)
    role = item(reviewing.scheme, "发挥作用")
    client.force_login(secretary)
    response = client.post(
        score_url(assessment, role), {**item_data(role, points="40", note="好"), f"item{role.pk}-files": files}
    )
    assert response.status_code == 400
    assert message in response.text
    assert not ItemScore.objects.filter(assessment=assessment, item=role, points__isnull=False).exists()
    assert not Evidence.objects.exists()
    assert not list(media.rglob("*.*"))


@pytest.mark.parametrize("raw", ["51", "-1", "abc", "4.25", "NaN", ""])
def test_bad_points_are_refused_and_change_nothing(english, reviewing, secretary, member, raw):
    client = english
    assessment = result(reviewing, member)
    role = item(reviewing.scheme, "发挥作用")
    services.score_item(assessment, role, secretary, "30", "初评")
    client.force_login(secretary)
    response = client.post(score_url(assessment, role), item_data(role, points=raw, note="改分"))
    assert response.status_code == 400
    assert response.context["sections"][0].rows[4]["form"].errors["points"]
    score = ItemScore.objects.get(assessment=assessment, item=role)
    assert (score.points, score.note) == (D("30.0"), "初评")
    assert ScoreChange.objects.filter(assessment=assessment, what="points").count() == 1


def test_a_score_needs_a_note_and_the_review_stage(english, round_, secretary, member):
    client = english
    assessment = result(round_, member)
    role = item(round_.scheme, "发挥作用")
    client.force_login(secretary)
    page = client.get(reverse("evaluations:review", args=[assessment.pk]))
    assert "the forms appear once self-assessment is closed" in page.text
    response = client.post(score_url(assessment, role), item_data(role, points="40", note="好"))
    assert response.status_code == 400
    assert "Scores are given during review" in response.text
    services.advance(round_, secretary)
    response = client.post(score_url(assessment, role), item_data(role, points="40", note="  "))
    assert response.status_code == 400
    assert not ItemScore.objects.filter(item=role).exists()
    # An automatic item is not scored by hand.
    attendance = item(round_.scheme, "参加统一活动日")
    response = client.post(score_url(assessment, attendance), item_data(attendance, points="1", note="x"))
    assert response.status_code == 400
    assert "This item is not scored by hand." in response.text


def test_veto_needs_a_reason_and_clears_the_total(english, reviewing, secretary, member, media):
    client = english
    assessment = result(reviewing, member)
    services.score_item(assessment, item(reviewing.scheme, "发挥作用"), secretary, "50", "好")
    veto = item(reviewing.scheme, "违法犯罪")
    client.force_login(secretary)
    response = client.post(score_url(assessment, veto), item_data(veto, found="yes", reason=" "))
    assert response.status_code == 400
    assessment.refresh_from_db()
    assert (assessment.total, assessment.vetoed) == (D("90.0"), False)
    response = client.post(
        score_url(assessment, veto),
        {**item_data(veto, found="yes", reason="2026年5月受到刑事处罚"), f"item{veto.pk}-files": [pdf("判决书.pdf")]},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.total, assessment.vetoed, assessment.rating) == (D("0"), True, "unqualified")
    assert Evidence.objects.get().name == "判决书.pdf"
    page = client.get(reverse("evaluations:review", args=[assessment.pk]))
    assert "A clear-to-zero or reverse situation was found" in page.text
    client.post(score_url(assessment, veto), item_data(veto, found="no", reason="经复查，处罚已撤销"))
    assessment.refresh_from_db()
    assert (assessment.total, assessment.vetoed) == (D("90.0"), False)


def test_the_change_log_lists_every_change_with_its_reason(english, reviewing, secretary, member):
    client = english
    assessment = result(reviewing, member)
    role = item(reviewing.scheme, "发挥作用")
    veto = item(reviewing.scheme, "违法犯罪")
    client.force_login(secretary)
    client.post(score_url(assessment, role), item_data(role, points="30", note="初评"))
    client.post(score_url(assessment, role), item_data(role, points="35.5", note="补充材料后复评"))
    client.post(score_url(assessment, veto), item_data(veto, found="yes", reason="受到刑事处罚"))
    page = client.get(reverse("evaluations:review", args=[assessment.pk]))
    changes = page.context["changes"]
    assert [(c.what, c.old_display, c.new_display, c.reason) for c in changes] == [
        ("found", "No", "Yes", "受到刑事处罚"),
        ("points", "30.0", "35.5", "补充材料后复评"),
        ("points", "—", "30", "初评"),
    ]
    assert all(c.user == secretary for c in changes)
    text = page.text.split('id="changes"')[1]
    assert text.index("受到刑事处罚") < text.index("补充材料后复评") < text.index("初评")


def test_review_shows_self_assessment_and_neighbours(english, round_, secretary, member, branch_a):
    client = english
    anna = MemberFactory(organization=branch_a, name="anna")
    Assessment.objects.create(evaluation=round_, member=anna)
    assessment = result(round_, member)
    role = item(round_.scheme, "发挥作用")
    services.submit_self_assessment(assessment, member.user, "全年坚持学习", {role.pk: ("48", "带领班组")})
    services.advance(round_, secretary)
    client.force_login(secretary)
    page = client.get(reverse("evaluations:review", args=[assessment.pk]))
    assert "全年坚持学习" in page.text and "带领班组" in page.text
    assert page.context["previous_pk"] == result(round_, anna).pk
    assert page.context["next_pk"] is None
    # The form starts from the member's own claim.
    assert page.context["sections"][0].rows[4]["form"].initial == {"points": D("48.0")}


def test_branch_round_shows_only_the_branch_types_sections(english, branch_scheme, committee, committee_secretary):
    client = english
    evaluation = services.open_evaluation(branch_scheme, committee, committee_secretary)
    village = evaluation.assessments.get(branch__code="village")
    client.force_login(committee_secretary)
    page = client.get(reverse("evaluations:round", args=[evaluation.pk]))
    assert [h["key"] for h in page.context["headers"]][:2] == ["name", "type"]
    assert "村党支部" in page.text
    review = client.get(reverse("evaluations:review", args=[village.pk]))
    titles = [s.title for s in review.context["sections"]]
    assert "个性指数 village" in titles and "个性指数 state_enterprise" not in titles


# --- Query budgets --------------------------------------------------------------------------


def grow_round(evaluation: Evaluation, branch, n: int) -> None:
    members = [MemberFactory(organization=branch) for _ in range(n)]
    Assessment.objects.bulk_create(Assessment(evaluation=evaluation, member=m) for m in members)
    score_automatic(evaluation)


def count_queries(client, url: str, params=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries), response


def test_round_page_query_count_does_not_grow(client, reviewing, secretary, member, branch_a):
    client.force_login(secretary)
    url = reverse("evaluations:round", args=[reviewing.pk])
    grow_round(reviewing, branch_a, 4)
    group = GroupFactory(parent=branch_a)
    Assessment.objects.filter(evaluation=reviewing).update(total=D("50"))
    small, response = count_queries(client, url, {"sort": "rating"})
    assert len(response.context["page"]) == 5
    grow_round(reviewing, branch_a, 35)
    Member.objects.filter(organization=branch_a).update(group=group)
    large, response = count_queries(client, url, {"sort": "group"})
    assert len(response.context["page"]) == 40
    assert small == large <= 13


def test_rounds_page_query_count_does_not_grow(client, secretary, member, branch_a):
    client.force_login(secretary)

    def open_rounds(n: int, start: int) -> None:
        for k in range(start, start + n):
            scheme = build_member_scheme(branch_a, year=YEAR - k % 2)
            scheme.name = f"先锋指数{k}"
            scheme.save()
            services.open_evaluation(scheme, branch_a, secretary)

    open_rounds(1, 0)
    small, response = count_queries(client, reverse("evaluations:rounds"))
    assert len(response.context["page"]) == 1
    open_rounds(7, 1)
    large, response = count_queries(client, reverse("evaluations:rounds"))
    assert len(response.context["page"]) == 8
    assert small == large <= 9


def test_review_page_query_count_does_not_grow(client, reviewing, secretary, member, media):
    client.force_login(secretary)
    assessment = result(reviewing, member)
    url = reverse("evaluations:review", args=[assessment.pk])

    def score(times: int) -> None:
        for n in range(times):
            services.score_item(
                assessment, item(reviewing.scheme, "发挥作用"), secretary, str(n), f"第{n}次", files=[pdf(f"{n}.pdf")]
            )
            services.score_item(assessment, item(reviewing.scheme, "受到表彰"), secretary, "1", "表彰", files=[pdf()])

    score(1)
    small, response = count_queries(client, url)
    assert len(response.context["changes"]) == 2
    score(5)
    large, response = count_queries(client, url)
    assert len(response.context["changes"]) == 12
    assert small == large <= 14


# --- On a phone -----------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_workspace_pages_fit_a_phone(phone, member_scheme, secretary, member, branch_a, settings, tmp_path):
    from conftest import save_screenshot

    settings.MEDIA_ROOT = tmp_path
    for name in ("欧阳文华", "李娜", "张伟"):
        MemberFactory(organization=branch_a, name=name)
    evaluation = services.open_evaluation(member_scheme, branch_a, secretary)
    evaluation = services.advance(evaluation, secretary)
    assessment = result(evaluation, member)
    services.score_item(assessment, item(member_scheme, "发挥作用"), secretary, "45", "带头完成任务", files=[pdf()])
    phone.goto(phone.base + "/accounts/login/")
    phone.fill("input[name=login]", secretary.phone)
    phone.fill("input[name=password]", "secret-pass-123")
    phone.locator("main form button[type=submit]").first.click()
    phone.wait_for_load_state("networkidle")
    for name, url in [
        ("evaluation-rounds", reverse("evaluations:rounds")),
        ("evaluation-round", reverse("evaluations:round", args=[evaluation.pk])),
        ("evaluation-review", reverse("evaluations:review", args=[assessment.pk])),
        ("evaluation-objections", reverse("evaluations:objections", args=[evaluation.pk])),
    ]:
        phone.goto(phone.base + url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, name
        save_screenshot(phone, name)
        if name == "evaluation-review":
            assert "带头完成任务" in phone.inner_text("main")
