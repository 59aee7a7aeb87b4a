"""A secretary records a committee post by clicking only: 360 px in Chinese, 1280 px in English.

From the landing page the secretary logs in, opens the workspace, follows the branch's
"支部委员会" link, records a 书记 post for a member, and gives the member the matching role
with the one button the page offers.
"""

from __future__ import annotations

import pytest

from branches.models import Organization, Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from committees.models import Post
from conftest import DESKTOP_SIZE, PHONE_SIZE, click_button, click_link, labelled, open_page, save_screenshot
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
SECRETARY_PHONE = "17000000701"

WORDS = {
    "zh-hans": {
        "login": "用手机号登录",
        "phone": "手机号",
        "password": "密码",
        "submit": "登录",
        "workspace": "工作台",
        "committee": "支部委员会",
        "record": "记录任职",
        "holder": "任职人",
        "post": "职务",
        "from": "任职起始日",
        "save": "保存",
        "grant": "授予书记角色",
    },
    "en": {
        "login": "Log in with your phone number",
        "phone": "Mobile phone",
        "password": "Password",
        "submit": "Log in",
        "workspace": "Workspace",
        "committee": "Branch committee",
        "record": "Record a post",
        "holder": "Holder",
        "post": "Post",
        "from": "Holds it from",
        "save": "Save",
        "grant": "Give the secretary role",
    },
}


@pytest.fixture
def branch(db):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="西山煤矿党委", code="xishan")
    branch = OrganizationFactory(name="西山网络党支部", code="xishan-online", parent=committee, is_online=True)
    secretary = UserFactory(phone=f"+86{SECRETARY_PHONE}", name="赵书记")
    RoleFactory(user=secretary, organization=branch, kind=Role.Kind.SECRETARY)
    holder = UserFactory(name="王小明")
    MemberFactory(organization=branch, name="王小明", user=holder, phone=holder.phone)
    return branch


@pytest.mark.parametrize(
    ("language", "size"), [("zh-hans", PHONE_SIZE), ("en", DESKTOP_SIZE)], ids=["zh-360", "en-1280"]
)
def test_the_secretary_records_a_post_and_gives_the_role(browser, live_server, branch, language, size):
    words = WORDS[language]
    with open_page(browser, live_server, *size) as page:
        page.set_default_timeout(10_000)
        page.goto(page.base + "/")
        if language == "en":
            page.locator("button[name=language][value=en]").first.click()
            page.wait_for_load_state()
        click_link(page, words["login"])
        labelled(page, words["phone"]).fill(SECRETARY_PHONE)
        labelled(page, words["password"]).fill(PASSWORD)
        click_button(page, words["submit"])

        click_link(page, words["workspace"])
        click_link(page, words["committee"])
        assert "西山网络党支部" in page.locator("h1").inner_text()
        click_link(page, words["record"])
        labelled(page, words["holder"]).select_option(label="王小明")
        labelled(page, words["post"]).select_option(value="secretary")
        labelled(page, words["from"]).fill("2026-01-05")
        click_button(page, words["save"])

        assert page.locator("#posts").get_by_text("王小明").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0], f"wider than the screen: {page.url}"
        save_screenshot(page, f"committee-{language[:2]}-{size[0]}")
        click_button(page, words["grant"])
        assert page.get_by_role("button", name=words["grant"], exact=True).count() == 0

    post = Post.objects.get()
    assert post.kind == Post.Kind.SECRETARY and post.member.name == "王小明"
    assert Role.objects.filter(user=post.member.user, organization=branch, kind=Role.Kind.SECRETARY).exists()
