"""A secretary deals with a three-month warning and records a permit, by clicking only, on a 360 px phone.

From the landing page the secretary logs in, opens the workspace's to-do "三个月未参加组织生活",
records what was done, then goes through the roster to a member's page, records the member's
流动党员活动证 and a check of it, and finds the member under the roster's 持活动证 filter.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from branches.models import Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from conftest import PHONE_SIZE, click_button, click_link, labelled, open_page, save_screenshot
from itinerant.models import LifeWarning, Permit
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
SECRETARY_PHONE = "17000000601"


@pytest.fixture
def branch(db):
    committee = OrganizationFactory(kind="committee", name="东山煤矿党委", code="dongshan")
    branch = OrganizationFactory(name="东山网络党支部", code="dongshan-online", parent=committee, is_online=True)
    secretary = UserFactory(phone=f"+86{SECRETARY_PHONE}", name="王书记")
    RoleFactory(user=secretary, organization=branch, kind=Role.Kind.SECRETARY)
    silent = MemberFactory(organization=branch, name="邓保平", province="65", city="哈密")
    since = timezone.localdate() - dt.timedelta(days=125)
    LifeWarning.objects.create(
        member=silent,
        level=LifeWarning.Level.TALK,
        since=since,
        signs={"contact": since.isoformat()},
        raised_on=timezone.localdate(),
    )
    MemberFactory(organization=branch, name="何大勇", province="44", city="东莞")
    return branch


@pytest.fixture
def page(browser, live_server):
    with open_page(browser, live_server, *PHONE_SIZE) as page:
        page.set_default_timeout(10_000)
        yield page


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE[0], f"wider than the screen: {page.url}"


def test_the_secretary_answers_a_warning_and_records_a_permit(page, branch):
    page.goto(page.base + "/")
    click_link(page, "用手机号登录")
    labelled(page, "手机号").fill(SECRETARY_PHONE)
    labelled(page, "密码").fill(PASSWORD)
    click_button(page, "登录")

    # --- the warning, from the workspace's to-do list ---
    click_link(page, "工作台")
    page.get_by_role("link", name=re.compile("三个月未参加组织生活")).first.click()
    page.wait_for_load_state()
    shown = page.inner_text("main")
    assert "邓保平" in shown and "自行脱党" in shown and "批评教育" in shown
    fits(page)
    save_screenshot(page, "warnings-zh-hans-360")
    page.get_by_label(re.compile("处理情况")).first.fill("电话谈话，已说明按时参加组织生活的要求")
    click_button(page, "记录处理情况")
    assert "已记录邓保平的处理情况。" in page.inner_text("main")
    assert "没有待处理的提醒。" in page.inner_text("main")
    assert LifeWarning.objects.get().resolution.startswith("电话谈话")

    # --- a permit, from the member's page on the roster ---
    click_link(page, "名册")
    page.locator(".roster-row", has_text="何大勇").click()
    page.wait_for_load_state()
    click_link(page, "流动党员活动证")
    fits(page)
    labelled(page, "活动证编号").fill("东流证〔2026〕008号")
    labelled(page, "外出事由").fill("外出务工")
    labelled(page, "参加组织生活的党组织").fill("东莞市长安镇流动党员党支部")
    assert labelled(page, "发证机关").input_value() == "东山煤矿党委"
    save_screenshot(page, "permit-add-zh-hans-360")
    click_button(page, "登记活动证")
    assert "活动证 东流证〔2026〕008号 已登记。" in page.inner_text("main")
    fits(page)
    click_button(page, "记录查验")
    assert "查验已记录。" in page.inner_text("main")
    permit = Permit.objects.get()
    assert permit.checked_on == timezone.localdate() and permit.host_name == "东莞市长安镇流动党员党支部"
    save_screenshot(page, "permit-detail-zh-hans-360")

    # --- the roster's filter ---
    click_link(page, "名册")
    page.get_by_text("筛选和排序").click()
    labelled(page, "持活动证").select_option(label="是")
    click_button(page, "应用")
    rows = page.locator(".roster-row")
    assert rows.count() == 1 and "何大勇" in rows.first.inner_text()
    assert "持活动证" in rows.first.inner_text()
    fits(page)
