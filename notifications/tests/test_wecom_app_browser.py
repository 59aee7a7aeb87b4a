"""A secretary records a member's WeCom user id, in Debian's Chromium, clicking from the landing page."""

from __future__ import annotations

import pytest

from branches.models import Role
from branches.tests.factories import RoleFactory
from conftest import DESKTOP_SIZE, PHONE_SIZE, click_link, labelled, open_page, save_screenshot
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import MemberChannels

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
WORDS = {
    "zh-hans": {
        "login": "用手机号登录",
        "phone": "手机号",
        "password": "密码",
        "inbox": "通知",
        "channels": "短信和电子邮件",
        "ids": "企业微信账号",
        "save": "保存",
        "bad": "企业微信账号为 1 至 64 位",
    },
    "en": {
        "login": "Log in with your phone number",
        "phone": "Mobile phone",
        "password": "Password",
        "inbox": "Inbox",
        "channels": "SMS and email",
        "ids": "WeCom user IDs",
        "save": "Save",
        "bad": "A WeCom user ID is 1 to 64",
    },
}


@pytest.fixture
def branch_with_secretary(branch_a):
    secretary = UserFactory(phone="+8617000000121", name="王书记")
    RoleFactory(user=secretary, organization=branch_a, kind=Role.Kind.SECRETARY)
    member = MemberFactory(name="张三丰", organization=branch_a)
    return branch_a, member


@pytest.mark.parametrize(
    ("language", "size"), [("zh-hans", PHONE_SIZE), ("en", DESKTOP_SIZE)], ids=["zh-360", "en-1280"]
)
def test_a_secretary_records_a_wecom_user_id_by_clicking(browser, live_server, branch_with_secretary, language, size):
    branch, member = branch_with_secretary
    words = WORDS[language]
    with open_page(browser, live_server, *size) as page:
        page.goto(page.base + "/")
        if language == "en":
            page.locator("button[name=language][value=en]").click()
            page.wait_for_load_state("networkidle")
        click_link(page, words["login"])
        labelled(page, words["phone"]).fill("17000000121")
        labelled(page, words["password"]).fill(PASSWORD)
        page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        page.get_by_role("link", name=words["inbox"]).first.click()
        page.wait_for_load_state()
        click_link(page, words["channels"])
        click_link(page, branch.name)
        click_link(page, words["ids"])
        row = page.locator("li.row").filter(has_text=member.name)
        row.locator("input[name=userid]").fill("张三")
        row.get_by_role("button", name=words["save"]).click()
        page.wait_for_load_state()
        assert words["bad"] in page.inner_text("main")
        assert not MemberChannels.objects.filter(member=member, wecom_userid__gt="").exists()
        row = page.locator("li.row").filter(has_text=member.name)
        row.locator("input[name=userid]").fill("ZhangSanFeng")
        row.get_by_role("button", name=words["save"]).click()
        page.wait_for_load_state()
        assert "Zh****ng" in page.inner_text("main") and "ZhangSanFeng" not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
        save_screenshot(page, f"wecom-ids-{language}-{size[0]}")
    assert MemberChannels.objects.get(member=member).wecom_userid == "ZhangSanFeng"
