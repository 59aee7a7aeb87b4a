"""The committee's 堡垒指数 chart with its trend, and a round's results as an .xlsx."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal as D
from functools import partial

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from branches.tests.factories import GroupFactory, OrganizationFactory
from evaluations import services
from evaluations.models import Assessment, Evaluation
from members.tests.factories import MemberFactory

from .conftest import YEAR, build_branch_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_the_year(request):
    """No month has ended: automatic items give full points (the branch scheme's 10 for activity days).

    The browser runs in another process, so a phone test keeps the real clock.
    """
    if request.node.get_closest_marker("integration"):
        yield
        return
    with time_machine.travel(dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def english(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def committee_client(english, committee_secretary):
    english.force_login(committee_secretary)
    return english


def score_branches(evaluation, user, points):
    """Review the round and give each branch (by code) its manual points: (班子建设, 特色工作).

    ``points`` maps a branch's code to the two numbers, or is a function of the branch.
    """
    evaluation = services.advance(evaluation, user)
    scheme = evaluation.scheme
    work = scheme.sections.get(branch_type="", kind="basic").items.get(method="manual")
    for assessment in Assessment.objects.filter(evaluation=evaluation).select_related("branch", "evaluation"):
        common, typed = points(assessment.branch) if callable(points) else points[assessment.branch.code]
        services.score_item(assessment, work, user, common, "评议")
        special = scheme.sections.get(branch_type=assessment.branch_type).items.get()
        services.score_item(assessment, special, user, typed, "评议")
    return evaluation


@pytest.fixture
def branch_round(branch_scheme, committee, committee_secretary):
    evaluation = services.open_evaluation(branch_scheme, committee, committee_secretary)
    return score_branches(evaluation, committee_secretary, {"team": ("45", "30"), "village": ("20", "12.5")})


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def section_of(page: str, marker: str) -> str:
    part = page[page.index(marker) :]
    return part[: part.index("</section>")]


# --- The chart ------------------------------------------------------------------------------


def test_chart_shows_every_branch_by_section_with_total_and_rating(committee_client, branch_round):
    response = committee_client.get(reverse("evaluations:branch_chart"))

    page = response.content.decode()
    card = section_of(page, f'id="round-{branch_round.pk}"')
    table = card[card.index("<table") :]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S) for row in rows[1:]]
    text = [[re.sub(r"<[^>]+>", " ", c).split() for c in row] for row in cells]
    # best first: 10 + 45 + 30 = 85 (qualified), then 10 + 20 + 12.5 = 42.5 (lagging)
    team = [["综采队党支部", "State-owned", "enterprise"], ["85.0"], ["Qualified"], ["55.0"], ["30.0"], ["–"]]
    assert text[0] == team
    assert text[1] == [["村党支部", "Village"], ["42.5"], ["Lagging"], ["30.0"], ["–"], ["12.5"]]
    header = re.sub(r"\s+", " ", rows[0])
    assert '<abbr title="共性指数">1</abbr>' in header
    assert '<abbr title="个性指数 state_enterprise">2</abbr>' in header
    assert '<abbr title="个性指数 village">3</abbr>' in header


def test_chart_draws_stacked_bars_with_a_colour_and_legend_entry_per_section(committee_client, branch_round):
    page = committee_client.get(reverse("evaluations:branch_chart")).content.decode()

    card = section_of(page, f'id="round-{branch_round.pk}"')
    svg = card[card.index("<svg") : card.index("</svg>")]
    assert 'role="img"' in svg
    assert f'aria-labelledby="chart-title-{branch_round.pk}"' in svg
    assert f'<title id="chart-title-{branch_round.pk}">' in svg
    # No viewBox: the chart takes the card's width (positions across in percent) and its text
    # keeps the stylesheet's pixel size instead of scaling with the drawing.
    assert "viewBox" not in svg and 'width="100%"' in svg
    assert "font-size" not in svg
    bars = re.findall(r'<rect x="([\d.]+)%" y="[\d.]+" width="([\d.]+)%" height="15" fill="(#\w+)"', svg)
    # the first branch: common 55 then state-enterprise 30; the second: common 30 then village 12.5
    assert [colour for _x, _w, colour in bars] == ["#b71c1c", "#1565c0", "#b71c1c", "#2e7d32"]
    (x1, w1, _), (x2, w2, _), (x3, w3, _), (_x4, w4, _) = [(float(x), float(w), c) for x, w, c in bars]
    assert x2 == pytest.approx(x1 + w1, abs=0.2)  # stacked
    assert w1 / w3 == pytest.approx(55 / 30, rel=0.02)  # proportional to the points
    assert w4 / w3 == pytest.approx(12.5 / 30, rel=0.02)
    assert "<title>综采队党支部 · 1 共性指数: 55.0</title>" in svg
    legend = card[card.index('class="legend"') :]
    for colour, title in (
        ("#b71c1c", "共性指数"),
        ("#1565c0", "个性指数 state_enterprise"),
        ("#2e7d32", "个性指数 village"),
    ):
        assert re.search(rf'fill="{colour}"/></svg> \d {title}</li>', legend)


def test_a_reverse_situation_is_marked(committee_client, branch_round, committee_secretary):
    team = Assessment.objects.select_related("evaluation__scheme").get(evaluation=branch_round, branch__code="team")
    item = branch_round.scheme.sections.get(kind="reverse").items.get()
    services.set_found(team, item, committee_secretary, True, "发生安全事故")

    page = committee_client.get(reverse("evaluations:branch_chart")).content.decode()

    card = section_of(page, f'id="round-{branch_round.pk}"')
    assert ">85.0*</text>" in card
    assert "Lagging*" in card
    assert "A reverse (or clear-to-zero) situation was found" in card


def test_chart_defaults_to_the_latest_year_and_picks_another(
    committee_client, committee, committee_secretary, branch_round
):
    old = services.open_evaluation(build_branch_scheme(committee, YEAR - 1), committee, committee_secretary)
    url = reverse("evaluations:branch_chart")

    latest = committee_client.get(url).content.decode()
    chosen = committee_client.get(url, {"year": YEAR - 1}).content.decode()
    nonsense = committee_client.get(url, {"year": "soon"})

    assert f'id="round-{branch_round.pk}"' in latest and f'id="round-{old.pk}"' not in latest
    assert f'id="round-{old.pk}"' in chosen and f'id="round-{branch_round.pk}"' not in chosen
    assert f'<option value="{YEAR - 1}" selected>' in chosen
    assert nonsense.status_code == 200
    assert f'id="round-{branch_round.pk}"' in nonsense.content.decode()


def test_trend_shows_each_branchs_total_per_year(committee_client, committee, committee_secretary, branch_round):
    old = services.open_evaluation(build_branch_scheme(committee, YEAR - 1), committee, committee_secretary)
    score_branches(old, committee_secretary, {"team": ("40", "20"), "village": ("50", "40")})
    Evaluation.objects.filter(pk__in=[old.pk, branch_round.pk]).update(stage=Evaluation.Stage.FINAL)

    page = committee_client.get(reverse("evaluations:branch_chart")).content.decode()

    trend = section_of(page, 'id="trend"')
    entries = re.findall(r"<li>(.*?)</li>", trend, flags=re.S)
    team = next(e for e in entries if "综采队党支部" in e)
    village = next(e for e in entries if "村党支部" in e and "综采" not in e)
    # last year's months are all over and no activity day was held: 0 of 10 automatic points
    assert f"{YEAR - 1}: 60.0 · {YEAR}: 85.0" in team
    assert f"{YEAR - 1}: 90.0 · {YEAR}: 42.5" in village
    assert 'aria-label="Totals of 综采队党支部 by year"' in team
    assert "<polyline" in team
    assert f"<title>{YEAR - 1}: 60.0</title>" in team
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', village)]
    assert ys[0] < ys[1]  # 90 is drawn higher than 42.5


def test_trend_leaves_out_rounds_still_under_way(committee_client, committee, committee_secretary, branch_round):
    old = services.open_evaluation(build_branch_scheme(committee, YEAR - 1), committee, committee_secretary)
    score_branches(old, committee_secretary, {"team": ("40", "20"), "village": ("50", "40")})
    Evaluation.objects.filter(pk=old.pk).update(stage=Evaluation.Stage.FINAL)

    page = committee_client.get(reverse("evaluations:branch_chart")).content.decode()

    trend = section_of(page, 'id="trend"')
    assert f"{YEAR - 1}: 60.0" in trend
    assert f"{YEAR}:" not in trend  # this year's round is not final: a half-scored year is no fall


def test_chart_needs_a_role_and_shows_only_the_users_rounds(client, member, secretary, branch_round):
    client.force_login(member.user)
    assert client.get(reverse("evaluations:branch_chart")).status_code == 403

    client.force_login(secretary)
    response = client.get(reverse("evaluations:branch_chart"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="no-rounds"' in page
    assert "综采队党支部" not in page


def test_chart_has_a_bounded_number_of_queries(committee_client, committee, committee_secretary):
    schemes = [build_branch_scheme(committee, year) for year in (YEAR - 1, YEAR)]
    OrganizationFactory(parent=committee, branch_type="village")
    url = reverse("evaluations:branch_chart")

    def open_rounds(branches: int) -> None:
        committee.evaluations.all().delete()
        for scheme in schemes:
            services.open_evaluation(scheme, committee, committee_secretary)
        assert Assessment.objects.filter(evaluation__year=YEAR).count() == branches

    open_rounds(3)
    few = count_queries(committee_client, url)
    for n in range(9):
        OrganizationFactory(parent=committee, branch_type="village" if n % 2 else "state_enterprise")
    open_rounds(12)
    many = count_queries(committee_client, url)
    assert many == few


# --- Export ---------------------------------------------------------------------------------


def read(response):
    return load_workbook(io.BytesIO(response.content))


def test_export_gives_one_row_per_result_with_sections_items_and_totals(committee_client, branch_round):
    response = committee_client.get(reverse("evaluations:export", args=[branch_round.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="evaluation-{YEAR}-mine.xlsx"'
    workbook = read(response)
    results, scheme = workbook.worksheets
    rows = [list(row) for row in results.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:5] == ["Name", "Branch type", "共性指数", "个性指数 state_enterprise", "个性指数 village"]
    assert header[-5:] == ["Total", "Rating", "Cleared to zero or reversed", "Reason", "Self-assessed at"]
    assert "共性指数 · 班子建设" in header
    assert "反向指标 · 发生重大安全事故" in header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"综采队党支部", "村党支部"}
    for assessment in Assessment.objects.filter(evaluation=branch_round).select_related("branch"):
        assert D(str(by_name[assessment.branch.name]["Total"])) == assessment.total
    team = by_name["综采队党支部"]
    assert team["Branch type"] == "State-owned enterprise"
    assert team["共性指数"] == 55
    assert team["个性指数 state_enterprise"] == 30
    assert team["个性指数 village"] is None  # not applicable
    assert team["个性指数 village · 特色工作 village"] is None
    assert team["共性指数 · 按月开展活动"] == 10
    assert team["共性指数 · 班子建设"] == 45
    assert team["Rating"] == "Qualified"
    assert team["Cleared to zero or reversed"] == "No"
    assert by_name["村党支部"]["个性指数 village · 特色工作 village"] == 12.5
    sheet = [list(row) for row in scheme.iter_rows(values_only=True)]
    assert sheet[1][:3] == ["Section", "Kind", "Section points"]
    activities = next(row for row in sheet if row[4:5] == ["按月开展活动"])
    assert activities[0] == "共性指数"
    assert activities[5] == 10
    assert activities[6] == "Activity days held"
    assert ["Advanced", 90] in [row[:2] for row in sheet]


def test_export_of_a_member_round_has_groups_and_the_clear_to_zero_reason(
    committee_client, english, member_scheme, secretary, branch_a
):
    group = GroupFactory(parent=branch_a, name="第一小组")
    MemberFactory(organization=branch_a, name="张三", group=group)
    MemberFactory(organization=branch_a, name='=HYPERLINK("http://x","y")')
    evaluation = services.open_evaluation(member_scheme, branch_a, secretary)
    evaluation = services.advance(evaluation, secretary)
    zhang = Assessment.objects.select_related("evaluation__scheme").get(evaluation=evaluation, member__name="张三")
    veto = member_scheme.sections.get(kind="veto").items.get()
    services.set_found(zhang, veto, secretary, True, "受到刑事处罚")
    english.force_login(secretary)

    response = english.get(reverse("evaluations:export", args=[evaluation.pk]))

    assert response["Content-Disposition"] == f'attachment; filename="evaluation-{YEAR}-branch-a.xlsx"'
    rows = [list(row) for row in read(response).worksheets[0].iter_rows(values_only=True)]
    header = rows[0]
    assert header[1] == "Group"
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    row = by_name["张三"]
    assert row["Group"] == "第一小组"
    assert row["Total"] == 0
    assert row["Rating"] == "Unqualified"
    assert row["Cleared to zero or reversed"] == "Yes"
    assert row["Reason"] == "违法犯罪: 受到刑事处罚"
    assert row["清零事项 · 违法犯罪"] == "Yes"
    # a name that a spreadsheet would run as a formula is kept as text
    assert '\'=HYPERLINK("http://x","y")' in by_name
    assert '=HYPERLINK("http://x","y")' not in by_name


def test_export_shows_when_the_self_assessment_was_sent(committee_client, member_scheme, secretary, member):
    evaluation = services.open_evaluation(member_scheme, member_scheme.organization, secretary)
    assessment = Assessment.objects.select_related("evaluation__scheme", "member").get(member=member)
    services.submit_self_assessment(assessment, member.user, "一年来……", {})
    committee_client.force_login(secretary)

    response = committee_client.get(reverse("evaluations:export", args=[evaluation.pk]))

    rows = [list(row) for row in read(response).worksheets[0].iter_rows(values_only=True)]
    assert rows[1][0] == "bob"
    assert rows[1][-1] == "2026-01-20 18:00"  # Asia/Shanghai


def test_export_is_only_for_the_rounds_reviewers(client, member, secretary, branch_round):
    url = reverse("evaluations:export", args=[branch_round.pk])
    client.force_login(member.user)
    assert client.get(url).status_code == 404  # the URL names a round: outside the scope it does not exist
    client.force_login(secretary)
    assert client.get(url).status_code == 404
    assert client.get(reverse("evaluations:export", args=[999999])).status_code == 404


def test_export_reads_scores_in_chunks_not_per_row(committee_client, member_scheme, secretary, branch_a):
    def queries_for(n: int) -> int:
        for _ in range(n):
            MemberFactory(organization=branch_a)
        member_scheme.evaluations.all().delete()
        evaluation = services.open_evaluation(member_scheme, branch_a, secretary)
        committee_client.force_login(secretary)
        with CaptureQueriesContext(connection) as queries:
            response = committee_client.get(reverse("evaluations:export", args=[evaluation.pk]))
        assert response.status_code == 200
        assert len(list(read(response).worksheets[0].iter_rows())) == evaluation.assessments.count() + 1
        return len(queries)

    assert queries_for(3) == queries_for(20)


# --- On a phone -----------------------------------------------------------------------------


def varied_points(branch, year: int) -> tuple[str, str]:
    return str(20 + (branch.pk * 7 + year) % 30), str(branch.pk * 3 % 40)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_chart_and_a_scheme_read_on_a_360px_phone(phone, committee, committee_secretary):
    from activities.tests.test_browser_member import check_page

    for n in range(6):
        OrganizationFactory(parent=committee, name=f"第{n}村党支部", branch_type="village")
    for year in (YEAR - 1, YEAR):
        scheme = build_branch_scheme(committee, year)
        evaluation = services.open_evaluation(scheme, committee, committee_secretary)
        points = partial(varied_points, year=year)
        score_branches(evaluation, committee_secretary, points)
    phone.goto(phone.base + "/accounts/login/")
    phone.fill("#id_login", committee_secretary.phone.removeprefix("+86"))
    phone.fill("#id_password", "secret-pass-123")
    phone.locator("main form[action$='/accounts/login/'] button[type=submit]").first.click()
    phone.wait_for_load_state("networkidle")

    phone.goto(phone.base + reverse("evaluations:branch_chart"))
    assert "综采队党支部" in phone.inner_text(f"#table-{evaluation.pk}")
    check_page(phone, "evaluation-branch-chart")

    phone.goto(phone.base + reverse("evaluations:scheme", args=[scheme.pk]))
    check_page(phone, "evaluation-scheme-frozen")
    phone.goto(phone.base + reverse("evaluations:schemes"))
    check_page(phone, "evaluation-schemes")

    editable = services.copy_from_library("bastion", committee, YEAR + 1, committee_secretary)
    phone.goto(phone.base + reverse("evaluations:scheme", args=[editable.pk]))
    check_page(phone, "evaluation-scheme-editable")
    item = editable.sections.first().items.first()
    phone.goto(phone.base + reverse("evaluations:scheme_item", args=[item.pk]))
    phone.fill("#id_points", "-1")
    phone.locator("form#edit button[type=submit]").click()
    phone.wait_for_load_state("networkidle")
    assert phone.locator("form#edit .errorlist").count() == 1
    # the refused form comes back with status 400, which the browser logs: expected here
    assert phone.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    phone.errors.clear()
    check_page(phone, "evaluation-scheme-item-error")
