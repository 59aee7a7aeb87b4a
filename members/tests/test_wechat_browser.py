"""Binding WeChat and logging in with it, in Debian's Chromium, by clicking from the landing page.

WeChat's authorize page is the local fake of ``test_wechat``: the browser really leaves the site
for it and comes back to the callback, so the Content-Security-Policy's form-action (which also
governs the redirect after the form) is tested as production sets it.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading

import pytest
from allauth.socialaccount.models import SocialAccount

from conftest import DESKTOP_SIZE, PHONE_SIZE, click_button, click_link, labelled, open_page, save_screenshot
from members.tests.factories import MemberFactory, UserFactory
from members.tests.test_wechat import APP_ID, APP_SECRET, FakeWeChat

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"


@pytest.fixture
def fake_wechat(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = FakeWeChat()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "weixin": {
            "provider_class": "members.social.provider.WeixinProvider",
            "APPS": [{"client_id": APP_ID, "secret": APP_SECRET}],
            "AUTHORIZE_URL": f"{server.url}/connect/qrconnect",
            "ACCESS_TOKEN_URL": f"{server.url}/sns/oauth2/access_token",
            "PROFILE_URL": f"{server.url}/sns/userinfo",
        }
    }
    # What config.settings.base adds when WECHAT_APP_ID and WECHAT_APP_SECRET are set.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], server.url]
    settings.CONTENT_SECURITY_POLICY = policy
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def phone_member(branch_a):
    user = UserFactory(phone="+8617000000111", name="何大勇")
    return MemberFactory(
        user=user, phone=user.phone, organization=branch_a, name="何大勇", joined_party_on=dt.date(2008, 7, 1)
    )


def log_in_from_landing(page, phone_number: str, *, button: str, phone_label: str, password_label: str) -> None:
    page.goto(page.base + "/")
    page.get_by_role("link").filter(has_text=button).first.click()
    page.wait_for_load_state()
    labelled(page, phone_label).fill(phone_number)
    labelled(page, password_label).fill(PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_a_member_binds_wechat_on_a_phone_and_logs_in_with_it(browser, live_server, fake_wechat, phone_member):
    fake_wechat.next_openid = "o-heday"
    with open_page(browser, live_server, *PHONE_SIZE) as page:
        log_in_from_landing(page, "17000000111", button="用手机号登录", phone_label="手机号", password_label="密码")
        click_link(page, "我的")
        click_link(page, "绑定微信")
        click_button(page, "继续")
        page.wait_for_url(f"{page.base}/me/")
        assert "已绑定微信: 小明同学" in page.inner_text("main")
        assert SocialAccount.objects.get(uid="o-heday").user_id == phone_member.user_id
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE[0]
        save_screenshot(page, "wechat-bound-zh")
        click_button(page, "退出")
        page.goto(page.base + "/")
        click_link(page, "用手机号登录")
        click_button(page, "微信登录")
        page.wait_for_url(f"{page.base}/")
        assert "何大勇" in page.inner_text("main")


def test_an_unbound_wechat_is_told_to_bind_it_first_in_english(browser, live_server, fake_wechat, phone_member):
    fake_wechat.next_openid = "o-stranger"
    with open_page(browser, live_server, *DESKTOP_SIZE) as page:
        page.goto(page.base + "/")
        page.locator("button[name=language][value=en]").click()
        page.wait_for_load_state("networkidle")
        click_link(page, "Log in with your phone number")
        click_button(page, "Log in with WeChat")
        page.wait_for_url(f"{page.base}/accounts/login/")
        assert "This WeChat is not bound to any account" in page.inner_text("main")
        save_screenshot(page, "wechat-unbound-en")
    assert not SocialAccount.objects.exists()
