"""A member asks for a transfer to another branch; one secretary issues the letter, the other takes the member in.

By clicking only, from the landing page, in Debian's Chromium: in Chinese on a 360 px phone and in
English (switched with the page's own language buttons) on a 1280 px desktop.
"""

from __future__ import annotations

import re

import pytest

from branches.models import Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from conftest import DESKTOP_SIZE, PHONE_SIZE, open_page, save_screenshot
from itinerant.models import Transfer
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
MEMBER_PHONE = "17000000601"
SENDING_PHONE = "17000000602"
RECEIVING_PHONE = "17000000603"


@pytest.fixture
def branches(db):
    sending = OrganizationFactory(name="东山网络党支部", code="tr-dongshan", is_online=True)
    receiving = OrganizationFactory(name="深圳某公司党支部", code="tr-shenzhen")
    for phone, name, branch in ((SENDING_PHONE, "王书记", sending), (RECEIVING_PHONE, "李书记", receiving)):
        RoleFactory(user=UserFactory(phone=f"+86{phone}", name=name), organization=branch, kind=Role.Kind.SECRETARY)
    user = UserFactory(phone=f"+86{MEMBER_PHONE}", name="何大勇")
    MemberFactory(user=user, phone=user.phone, organization=sending, name="何大勇", city="深圳")
    return sending, receiving


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


def test_a_member_asks_for_a_transfer_and_arrives_on_the_receiving_roster(screen, branches):
    page = screen
    # --- the member ---
    log_in(page, MEMBER_PHONE)
    click_link(page, "我的", "Me")
    click_link(page, "我的组织关系转接", "My transfers of the Party relationship")
    fits(page)
    click_link(page, "申请转接组织关系", "Ask for a transfer")
    field(page, "转往本系统内的党支部", "To a branch in netbranch").select_option(label="深圳某公司党支部")
    field(page, "理由", "Reason").fill("在深圳长期工作")
    save_screenshot(page, f"transfers-request-{page.language}-{page.width}")
    fits(page)
    click_button(page, "提交申请", "Send the request")
    shown = main_text(page)
    assert say(page, "申请已提交给支部书记。", "Request sent to your branch's secretary.") in shown
    assert "深圳某公司党支部" in shown and say(page, "已申请", "Requested") in shown
    fits(page)

    # --- the sending secretary ---
    log_in(page, SENDING_PHONE)
    click_link(page, "工作台", "Workspace")
    click_link(page, "待审批的转接", "Transfer requests to approve")
    page.get_by_role("link", name=re.compile("何大勇")).first.click()
    page.wait_for_load_state()
    fits(page)
    click_button(page, "批准", "Approve")
    assert say(page, "已同意，现在可以开具介绍信。", "Approved; the letter can be issued now.") in main_text(page)
    click_button(page, "开具介绍信", "Issue the letter")
    assert say(page, "介绍信已开具，可在本页打印。", "The letter is issued. Print it from this page.") in main_text(
        page
    )
    fits(page)
    click_link(page, "打印介绍信", "Print the letter of introduction")
    letter = page.inner_text("main")
    assert "何大勇" in letter and "深圳某公司党支部" in letter and "东山网络党支部" in letter
    save_screenshot(page, f"transfers-letter-{page.language}-{page.width}")
    transfer = Transfer.objects.get()
    assert transfer.state == Transfer.State.ISSUED

    # --- the receiving secretary ---
    log_in(page, RECEIVING_PHONE)
    click_link(page, "工作台", "Workspace")
    click_link(page, "待接收的转入", "Incoming transfers to accept")
    page.get_by_role("link", name=re.compile("何大勇")).first.click()
    page.wait_for_load_state()
    fits(page)
    click_button(page, "接收该党员", "Accept the member")
    assert say(page, "何大勇已转入本支部名册。", "何大勇 is now on your roster.") in main_text(page)
    click_link(page, "名册", "Roster")
    assert page.locator(".roster-row", has_text="何大勇").count() == 1
    member = Member.objects.get(name="何大勇")
    assert member.organization.name == "深圳某公司党支部"
    fits(page)
