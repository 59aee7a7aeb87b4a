"""A member reports going away and the secretary confirms it, by clicking only, in Debian's Chromium.

From the landing page (the one typed address) the member logs in, finds the move reports under
"Me", reports going away; the secretary logs in, goes through the workspace to the queue,
confirms, and finds the new city on the roster. In Chinese on a 360 px phone and in English
(switched with the page's own language buttons) on a 1280 px desktop.
"""

from __future__ import annotations

import re

import pytest

from branches.models import Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from conftest import DESKTOP_SIZE, PHONE_SIZE, open_page, save_screenshot
from itinerant.models import MoveReport
from members.models import MemberChange
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
MEMBER_PHONE = "17000000501"
SECRETARY_PHONE = "17000000502"


@pytest.fixture
def branch(db):
    branch = OrganizationFactory(name="东山网络党支部", code="dongshan-online", is_online=True)
    secretary = UserFactory(phone=f"+86{SECRETARY_PHONE}", name="王书记")
    RoleFactory(user=secretary, organization=branch, kind=Role.Kind.SECRETARY)
    MemberFactory(user=secretary, phone=secretary.phone, organization=branch, name="王书记", is_itinerant=False)
    user = UserFactory(phone=f"+86{MEMBER_PHONE}", name="何大勇")
    MemberFactory(
        user=user,
        phone=user.phone,
        organization=branch,
        name="何大勇",
        is_itinerant=False,
        province="14",
        city="大同",
        workplace="东山煤矿",
    )
    return branch


@pytest.fixture(params=[("zh-hans", PHONE_SIZE), ("en", DESKTOP_SIZE)], ids=["zh-360", "en-1280"])
def screen(request, browser, live_server):
    language, size = request.param
    with open_page(browser, live_server, *size) as page:
        page.language = language
        page.width = size[0]
        page.set_default_timeout(10_000)
        yield page


def say(page, zh: str, en: str) -> str:
    return en if page.language == "en" else zh


def click_link(page, zh: str, en: str) -> None:
    page.get_by_role("link", name=say(page, zh, en), exact=True).first.click()
    page.wait_for_load_state()


def click_button(page, zh: str, en: str) -> None:
    page.get_by_role("button", name=say(page, zh, en), exact=True).first.click()
    page.wait_for_load_state()


def field(page, zh: str, en: str):
    return page.get_by_label(re.compile(rf"^\s*{re.escape(say(page, zh, en))}\s*[:：]?\s*$"))


def main_text(page) -> str:
    return page.inner_text("main")


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width, f"wider than the screen: {page.url}"


def log_in(page, phone_number: str) -> None:
    page.context.clear_cookies()
    page.goto(page.base + "/")
    page.wait_for_load_state()
    if page.language == "en":
        page.get_by_role("button", name="English", exact=True).click()
        page.wait_for_load_state()
    click_link(page, "用手机号登录", "Log in with your phone number")
    field(page, "手机号", "Mobile phone").fill(phone_number)
    field(page, "密码", "Password").fill(PASSWORD)
    click_button(page, "登录", "Log in")
    assert page.url.rstrip("/") == page.base, f"after login the page is {page.url}"
    assert page.locator("html").get_attribute("lang") == page.language


def test_a_member_reports_going_away_and_the_secretary_confirms_it(screen, branch):
    page = screen
    # --- the member, before leaving ---
    log_in(page, MEMBER_PHONE)
    click_link(page, "我的", "Me")
    click_link(page, "我的外出报告", "My move reports")
    fits(page)
    click_link(page, "外出报告", "Report a move")
    click_link(page, "外出", "Going away")
    fits(page)
    field(page, "外出原因", "Why you are going away").fill("外出务工")
    field(page, "外出日期", "Leaving on").fill("2026-03-01")
    field(page, "外出省份", "Destination province").select_option(label=say(page, "广东省", "Guangdong"))
    field(page, "外出城市", "Destination city").fill("东莞")
    field(page, "工作单位（如已确定）", "Workplace (if known)").fill("某电子厂")
    field(page, "外出期间联系方式", "How to reach you while away").fill("微信 hdy-dg")
    save_screenshot(page, f"moves-report-{page.language}-{page.width}")
    click_button(page, "提交书记确认", "Send to the secretary")
    shown = main_text(page)
    assert say(page, "报告已提交，等待书记确认。", "Your report was sent. Your secretary will confirm it.") in shown
    assert say(page, "等待书记确认", "Waiting for the secretary") in shown
    assert "东莞" in shown
    fits(page)
    report = MoveReport.objects.get()
    assert (report.kind, report.status) == (MoveReport.Kind.LEAVING, MoveReport.Status.PENDING)

    # --- the secretary ---
    log_in(page, SECRETARY_PHONE)
    click_link(page, "工作台", "Workspace")
    click_link(page, "待确认的外出报告", "Move reports to confirm")
    queue = main_text(page)
    assert "何大勇" in queue and "大同" in queue and "东莞" in queue
    save_screenshot(page, f"moves-queue-{page.language}-{page.width}")
    fits(page)
    click_button(page, "确认", "Confirm")
    assert say(page, "已确认：何大勇的名册信息已更新。", "Confirmed: 何大勇's roster entry is updated.") in main_text(
        page
    )
    assert say(page, "没有等待确认的外出报告。", "No move report waits for confirmation.") in main_text(page)
    click_link(page, "名册", "Roster")
    row = page.locator(".roster-row", has_text="何大勇")
    assert "东莞" in row.inner_text()
    assert say(page, "广东省", "Guangdong") in row.inner_text()
    change = MemberChange.objects.get(member__name="何大勇")
    assert change.changes["city"] == ["大同", "东莞"]
