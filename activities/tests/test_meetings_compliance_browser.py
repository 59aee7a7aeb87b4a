"""A committee secretary finds an overdue branch and what it held, in Debian's Chromium: from the landing page,
log in, the workspace, the committee's page, the branch's year, the meetings of one period. In Chinese on a
360 px phone, in English (switched with the page's language buttons) at 1280 px.

The browser runs in another process, so the clock is not frozen: the records are dated in last year, whose
periods have all ended, and the pages are opened for that year by choosing it.
"""

import datetime as dt

import pytest
from django.utils import timezone

from activities.models import Activity
from activities.tests.factories import ActivityFactory
from branches.models import Organization, Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from conftest import DESKTOP_SIZE, PHONE_SIZE, log_in_from_landing, open_page, save_screenshot
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
NAMES = {
    "zh-hans": {
        "workspace": "工作台",
        "due": "会议开展情况",
        "show": "查看",
        "overdue": "逾期",
        "committee": "支委会",
        "heading": "综采一队党支部 {year}年会议开展情况",
        "frequencies": "会议频次",
        "frequencies_heading": "综采一队党支部的会议频次",
    },
    "en": {
        "workspace": "Workspace",
        "due": "Meetings due",
        "show": "Show",
        "overdue": "overdue",
        "committee": "Branch committee meeting",
        "heading": "Meetings due in 综采一队党支部, {year}",
        "frequencies": "Meeting frequencies",
        "frequencies_heading": "Meeting frequencies of 综采一队党支部",
    },
}


@pytest.fixture
def world(db):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="矿党委", code="mine")
    late = OrganizationFactory(name="综采一队党支部", code="team-1", parent=committee)
    OrganizationFactory(name="综采二队党支部", code="team-2", parent=committee)
    user = UserFactory(phone="+8617000000401", name="郑书记")
    MemberFactory(user=user, phone=user.phone, organization=late, name="郑书记")
    RoleFactory(user=user, organization=committee, kind=Role.Kind.SECRETARY)
    year = timezone.localdate().year - 1
    zone = timezone.get_default_timezone()
    # The late branch held its committee meeting in January only.
    day = dt.date(year, 1, 12)
    january = ActivityFactory(
        organization=late,
        kind=Activity.Kind.COMMITTEE,
        date=day,
        theme="研究年度工作计划",
        closed_at=dt.datetime.combine(day + dt.timedelta(days=2), dt.time(0), tzinfo=zone),
        record_status=Activity.RecordStatus.APPROVED,
    )
    return {"year": year, "january": january}


def walk(page, language: str, world) -> None:
    names = NAMES[language]
    year = world["year"]
    page.set_default_timeout(10_000)
    log_in_from_landing(page, language, "170 0000 0401", PASSWORD)
    page.wait_for_load_state("networkidle")

    page.get_by_role("link", name=names["workspace"], exact=True).first.click()
    page.wait_for_load_state()
    # The committee's row comes first (organizations in tree order).
    page.get_by_role("link", name=names["due"], exact=True).first.click()
    page.wait_for_load_state()
    page.locator("#id_year").fill(str(year))
    page.locator("#id_span").select_option("year")
    page.get_by_role("button", name=names["show"], exact=True).click()
    page.wait_for_load_state()
    row = page.locator("tbody tr").filter(has_text="综采一队党支部")
    assert names["overdue"] in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    save_screenshot(page, f"compliance-committee-{language}-{page.viewport_size['width']}")

    row.get_by_role("link", name="综采一队党支部", exact=True).click()
    page.wait_for_load_state()
    assert names["heading"].format(year=year) in page.inner_text("main h1")
    save_screenshot(page, f"compliance-branch-{language}-{page.viewport_size['width']}")
    # The branch's frequencies are a click away, and show what the regulation asks.
    page.locator("main nav.subnav").get_by_role("link", name=names["frequencies"], exact=True).click()
    page.wait_for_load_state()
    assert names["frequencies_heading"] in page.inner_text("main h1")
    assert "《中国共产党支部工作条例（试行）》" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    save_screenshot(page, f"compliance-frequencies-{language}-{page.viewport_size['width']}")
    page.go_back()
    page.wait_for_load_state()
    # January's committee meeting: its cell lists the meeting, which opens the meeting.
    page.locator("table.compliance").get_by_role("link", name=f"{names['committee']} ").first.click()
    page.wait_for_load_state()
    meetings = page.locator("#meetings")
    assert "研究年度工作计划" in meetings.inner_text()
    meetings.get_by_role("link").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/activities/{world['january'].pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_committee_secretary_finds_an_overdue_branch_in_chinese_on_a_phone(browser, live_server, world):
    with open_page(browser, live_server, *PHONE_SIZE) as page:
        walk(page, "zh-hans", world)


def test_a_committee_secretary_finds_an_overdue_branch_in_english_on_a_desktop(browser, live_server, world):
    with open_page(browser, live_server, *DESKTOP_SIZE) as page:
        walk(page, "en", world)
