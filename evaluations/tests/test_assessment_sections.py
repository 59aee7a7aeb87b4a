"""The self-assessment one section at a time: small enough for a phone, every section reachable and savable."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import demo as activity_demo
from evaluations import demo, services
from evaluations.models import Assessment, Item, ItemScore, Section
from members import demo as member_demo
from members.models import Member

from .conftest import YEAR, build_member_scheme

pytestmark = pytest.mark.django_db

DEMO_DAY = dt.date(2026, 12, 1)
# Every other member page is under this; the whole sheet of the demo scheme used to be twice it.
PAGE_LIMIT = 30_000
QUERY_LIMIT = 12


@pytest.fixture
def english(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def demo_sheet(client):
    """The demo member's own result in the demo 先锋指数 round (self-assessment, nothing sent yet), logged in."""
    member_demo.seed(DEMO_DAY)
    activity_demo.seed(DEMO_DAY)
    demo.seed(DEMO_DAY)
    member = Member.objects.get(phone=member_demo.demo_phone(member_demo.ITINERANT_PHONES_FROM))
    assessment = demo.member_round(DEMO_DAY).assessments.select_related("evaluation__scheme").get(member=member)
    client.force_login(member.user)
    return assessment


def page_url(assessment: Assessment) -> str:
    return reverse("evaluations:assessment", args=[assessment.pk])


def get(client, url: str, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, len(queries)


def switcher(html: str) -> str:
    """The inside of the section switcher."""
    start = html.index(">", html.index('id="sections"')) + 1
    return html[start : html.index("</nav>", start)]


def switcher_links(html: str) -> list[str]:
    return re.findall(r'href="\?section=(\d+)"', switcher(html))


def claims_for(section: Section) -> dict[str, str]:
    """Half of each claimable item's points, with a note: the long note a careful member writes."""
    data = {}
    for item in section.items.all():
        if item.is_automatic or section.is_list or item.points <= 0:
            continue
        data[f"points_{item.pk}"] = str((item.points / 2).quantize(D("0.1")))
        data[f"note_{item.pk}"] = f"{item.title}：全年按要求完成，有记录可查。" * 4
    return data


def test_the_demo_sheet_is_one_section_per_page_each_under_30_kb_for_a_bounded_query_count(client, demo_sheet):
    url = page_url(demo_sheet)
    sections = list(Section.objects.filter(scheme=demo_sheet.evaluation.scheme))
    assert len(sections) == 7

    first, first_queries = get(client, url)
    # The switcher reaches every section; the first is open when none is asked for.
    assert switcher_links(first.content.decode()) == [str(s.pk) for s in sections]
    assert first.context["current"]["section"] == sections[0]
    counts = []
    for section in sections:
        response, queries = get(client, url, section=section.pk)
        html = response.content.decode()
        counts.append(queries)
        assert len(response.content) < PAGE_LIMIT, section.title
        assert response.context["current"]["section"] == section
        assert f'aria-current="page">{section.title}' in html
        # Its own items, with fields for those a member may claim; no other section's items.
        for item in section.items.all():
            assert f'id="item-{item.pk}"' in html
        other = next(s for s in sections if s != section).items.first()
        assert f'id="item-{other.pk}"' not in html
        claimable = set(response.context["form"].fields) - {"summary"}
        assert claimable == set(claims_for(section))
    assert max(counts) <= QUERY_LIMIT
    assert len(set(counts)) == 1, counts  # the same for every section
    assert first_queries == counts[0]


def test_every_section_of_the_demo_sheet_saves_its_own_points_and_keeps_the_others(client, demo_sheet):
    url = page_url(demo_sheet)
    sections = list(Section.objects.filter(scheme=demo_sheet.evaluation.scheme).prefetch_related("items"))
    saved: dict[int, D] = {}
    for section in sections:
        data = {"summary": "全年在外务工，按时参加网络党支部的活动。", **claims_for(section)}
        response = client.post(f"{url}?section={section.pk}", data)
        # Back to the same section, with the saved points in the form.
        assert response.status_code == 302, section.title
        assert response["Location"] == f"{url}?section={section.pk}"
        saved.update({int(k.split("_")[1]): D(v) for k, v in data.items() if k.startswith("points_")})
    claims = dict(
        ItemScore.objects.filter(assessment=demo_sheet, self_points__isnull=False).values_list("item_id", "self_points")
    )
    assert claims == saved
    assert len(saved) > 20
    demo_sheet.refresh_from_db()
    assert demo_sheet.self_submitted_at is not None

    # Filled in, notes and all, every section still fits.
    for section in sections:
        response, _queries = get(client, url, section=section.pk)
        assert len(response.content) < PAGE_LIMIT, section.title
        for key, value in claims_for(section).items():
            if key.startswith("points_"):
                assert f'name="{key}" value="{value.rstrip("0").rstrip(".")}"' in response.content.decode()


# --- A small scheme: points so far, deductions, bad sections ----------------------------------


@pytest.fixture(autouse=False)
def early():
    with time_machine.travel(dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def sheet(early, branch_a, secretary, member):
    scheme = build_member_scheme(branch_a)
    evaluation = services.open_evaluation(scheme, branch_a, secretary)
    return evaluation.assessments.select_related("evaluation__scheme", "member").get(member=member)


def section(assessment: Assessment, title: str) -> Section:
    return Section.objects.get(scheme=assessment.evaluation.scheme, title=title)


def item(assessment: Assessment, title: str) -> Item:
    return Item.objects.get(section__scheme=assessment.evaluation.scheme, title=title)


def test_the_switcher_shows_each_sections_points_so_far(english, sheet, member):
    english.force_login(member.user)
    url = page_url(sheet)
    deduction = section(sheet, "负向扣减")
    english.post(
        f"{url}?section={section(sheet, '基础指数').pk}",
        {"summary": "总结", f"points_{item(sheet, '发挥作用').pk}": "40", f"note_{item(sheet, '发挥作用').pk}": ""},
    )
    english.post(
        f"{url}?section={deduction.pk}",
        {"summary": "总结", f"points_{item(sheet, '违反纪律').pk}": "2", f"note_{item(sheet, '违反纪律').pk}": "迟交"},
    )
    response = english.get(url, {"section": deduction.pk})
    nav = switcher(response.content.decode())
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", nav))).strip()
    # basic: 30 automatic + 40 claimed; bonus: nothing claimed; deduction: 10 less the 2 deducted.
    assert text == "基础指数 70 / 80 正向激励 0 / 10 负向扣减 8 / 10 清零事项"
    assert "Points to deduct (0 to 10)" in response.content.decode()
    # The first claim stays while the deduction section is saved.
    assert ItemScore.objects.get(assessment=sheet, item=item(sheet, "发挥作用")).self_points == D("40")


@pytest.mark.parametrize("raw", ["999999", "abc", "²", "-1", ""])
def test_an_unknown_section_shows_the_first_one(english, sheet, member, raw):
    english.force_login(member.user)
    response = english.get(page_url(sheet), {"section": raw})
    assert response.status_code == 200
    assert response.context["current"]["section"] == section(sheet, "基础指数")


def test_another_schemes_section_is_refused_when_saving_and_saves_nothing(english, sheet, member, branch_b):
    foreign = build_member_scheme(branch_b).sections.first()
    english.force_login(member.user)
    role = item(sheet, "发挥作用")
    response = english.post(
        f"{page_url(sheet)}?section={foreign.pk}",
        {"summary": "总结", f"points_{role.pk}": "40", f"note_{role.pk}": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert "That section is not part of this assessment." in response.content.decode()
    sheet.refresh_from_db()
    assert (sheet.self_summary, sheet.self_submitted_at) == ("", None)
    assert not ItemScore.objects.filter(assessment=sheet, self_points__isnull=False).exists()


def test_fields_of_another_section_are_not_saved_with_this_one(english, sheet, member):
    english.force_login(member.user)
    bonus = item(sheet, "受到表彰")
    english.post(
        f"{page_url(sheet)}?section={section(sheet, '基础指数').pk}",
        {"summary": "总结", f"points_{bonus.pk}": "10", f"note_{bonus.pk}": "不在本部分"},
    )
    assert not ItemScore.objects.filter(assessment=sheet, item=bonus, self_points__isnull=False).exists()


def test_a_published_sheet_shows_the_points_earned_by_section(english, sheet, secretary, member):
    evaluation = services.advance(sheet.evaluation, secretary)
    reviewing = evaluation.assessments.select_related("evaluation__scheme").get(pk=sheet.pk)
    services.score_item(reviewing, item(sheet, "发挥作用"), secretary, "44.5", "带头完成任务")
    services.advance(evaluation, secretary)
    english.force_login(member.user)
    response = english.get(page_url(sheet), {"section": section(sheet, "基础指数").pk})
    html = response.content.decode()
    nav = switcher(html)
    assert "74.5 / 80" in nav and "0 / 10" in nav and "10 / 10" in nav
    assert "带头完成任务" in html
    assert response.context["form"] is None
