"""WeChat login: a member binds WeChat from "me", then logs in with it; nothing else gets in.

The WeChat OAuth API is a local fake (authorize redirect, ``sns/oauth2/access_token``,
``sns/userinfo``) on a threaded HTTP server; allauth talks to it over real HTTP.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from django.utils import translation

from members.models import Member, SignupRequest, User
from members.social.adapter import not_bound_message
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

APP_ID = "wx-test-app"
APP_SECRET = "wx-test-secret-never-logged"
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 12; V2134A Build/SP1A.210812.003; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 "
    "MMWEBSDK/20230303 MMWEBID/2585 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin "
    "NetType/WIFI Language/zh_CN ABI/arm64"
)
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 12; V2134A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/107.0.5304.141 Mobile Safari/537.36"
)


class FakeWeChat(http.server.ThreadingHTTPServer):
    """WeChat's OAuth endpoints: whoever "scans" next is ``next_openid``; codes are single use."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.next_openid = ""
        self.codes: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.requests: list[tuple[str, dict]] = []
        self._serial = 0

    def authorize(self, location: str) -> str:
        """Follow the site's redirect to the fake's authorize page; returns where WeChat sends the browser back."""
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(location)
        except urllib.error.HTTPError as exc:
            assert exc.code == 302, exc.code
            return exc.headers["Location"]
        raise AssertionError("the fake did not redirect")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FakeWeChat

    def log_message(self, *args) -> None:
        pass

    def _answer(self, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(200)
        # As WeChat does: JSON with no charset.
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self.server.requests.append((parts.path, query))
        if parts.path == "/connect/qrconnect":
            self.server._serial += 1
            code = f"code-{self.server._serial}"
            self.server.codes[code] = self.server.next_openid
            target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
            return
        if parts.path == "/sns/oauth2/access_token":
            if query.get("appid") != APP_ID or query.get("secret") != APP_SECRET:
                return self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
            openid = self.server.codes.pop(query.get("code", ""), None)
            if openid is None:
                return self._answer({"errcode": 40029, "errmsg": "invalid code"})
            token = f"token-{openid}"
            self.server.tokens[token] = openid
            return self._answer({"access_token": token, "expires_in": 7200, "openid": openid, "scope": "snsapi_login"})
        if parts.path == "/sns/userinfo":
            openid = self.server.tokens.get(query.get("access_token", ""))
            if openid is None or openid != query.get("openid"):
                return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
            return self._answer(
                {
                    "openid": openid,
                    "nickname": "小明同学",
                    "sex": 1,
                    "province": "广东",
                    "city": "深圳",
                    "headimgurl": "https://thirdwx.qlogo.cn/x.png",
                    "unionid": f"union-{openid}",
                }
            )
        self.send_response(404)
        self.end_headers()


@pytest.fixture
def fake_wechat(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = FakeWeChat()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "weixin": {
            "provider_class": "members.social.provider.WeixinProvider",
            "APPS": [{"client_id": APP_ID, "secret": APP_SECRET}],
            "AUTHORIZE_URL": f"{server.url}/connect/qrconnect",
            "ACCESS_TOKEN_URL": f"{server.url}/sns/oauth2/access_token",
            "PROFILE_URL": f"{server.url}/sns/userinfo",
            "SCOPE": ["snsapi_login"],
        }
    }
    yield server
    server.shutdown()
    server.server_close()


def start(client, fake: FakeWeChat, *, process: str = "") -> str:
    """Tap the WeChat button (or "bind"): returns the URL the site sends the browser to."""
    response = client.post(reverse("weixin_login"), {"process": process} if process else {})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{fake.url}/connect/qrconnect?")
    query = parse_qs(urlsplit(location).query)
    assert query["appid"] == [APP_ID] and query["state"][0]
    assert APP_SECRET not in location
    return location


def scan(client, fake: FakeWeChat, openid: str, *, process: str = ""):
    """The whole round trip: the site, WeChat's authorize page for ``openid``, and back to the callback."""
    fake.next_openid = openid
    back = urlsplit(fake.authorize(start(client, fake, process=process)))
    assert back.path == reverse("weixin_callback")
    return client.get(f"{back.path}?{back.query}")


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def bound(user) -> list[str]:
    return list(SocialAccount.objects.filter(user=user, provider="weixin").values_list("uid", flat=True))


# --- binding and logging in ------------------------------------------------------------------


def test_a_member_binds_wechat_from_me_and_then_logs_in_with_it(client, fake_wechat, member):
    client.force_login(member.user)
    me = client.get(reverse("members:me")).content.decode()
    assert "绑定微信" in me
    connect_url = re.search(r'href="([^"]*weixin/login/[^"]*)"', me).group(1).replace("&amp;", "&")
    assert "process=connect" in connect_url
    assert client.get(connect_url).status_code == 200

    response = scan(client, fake_wechat, "o-bob", process="connect")
    assert response.status_code == 302 and response["Location"] == reverse("members:me")
    assert bound(member.user) == ["o-bob"]
    account = SocialAccount.objects.get(uid="o-bob")
    # Only what identifies the WeChat is kept: no avatar, sex, province or city.
    assert account.extra_data == {"openid": "o-bob", "unionid": "union-o-bob", "nickname": "小明同学"}
    me = client.get(reverse("members:me")).content.decode()
    assert "小明同学" in me and "解绑微信" in me and "process=connect" not in me

    client.post(reverse("account_logout"))
    assert logged_in_user_id(client) is None
    users_before = User.objects.count()
    response = scan(client, fake_wechat, "o-bob")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(member.user.pk)
    assert User.objects.count() == users_before
    assert client.get(reverse("members:me")).status_code == 200


def test_the_login_page_shows_the_wechat_button_only_when_wechat_is_configured(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {"APPS": []}}
    page = client.get(reverse("account_login")).content.decode()
    assert "微信登录" not in page and "weixin" not in page


def test_the_me_page_has_no_bind_link_when_wechat_is_not_configured(client, member, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {"APPS": []}}
    client.force_login(member.user)
    assert "绑定微信" not in client.get(reverse("members:me")).content.decode()


def test_the_login_page_offers_wechat_login_as_a_form_post(client, fake_wechat, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "微信登录" in page
    form = re.search(r'<form method="post" action="([^"]+)">\s*<input type="hidden" name="csrfmiddlewaretoken"', page)
    assert form is not None and form.group(1) == reverse("weixin_login")


def test_a_typed_wechat_url_without_configuration_goes_back_to_the_login_with_a_message(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"weixin": {"APPS": []}}
    response = client.post(reverse("weixin_login"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert "本站未开通微信登录" in response.content.decode()


def test_the_english_login_page_names_wechat(client, fake_wechat, db):
    page = client.get(reverse("account_login"), headers={"accept-language": "en"}).content.decode()
    assert "Log in with WeChat" in page


def test_a_former_member_sees_no_bind_link(client, fake_wechat, member):
    Member.objects.filter(pk=member.pk).update(state=Member.State.TRANSFERRED_OUT)
    client.force_login(member.user)
    assert "绑定微信" not in client.get(reverse("members:me")).content.decode()


# --- unbinding -------------------------------------------------------------------------------


def test_unbinding_is_one_post_from_me(client, fake_wechat, member):
    client.force_login(member.user)
    scan(client, fake_wechat, "o-bob", process="connect")
    response = client.post(reverse("members:wechat_unbind"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:me")
    assert bound(member.user) == []
    assert "微信已解绑" in response.content.decode()
    client.post(reverse("account_logout"))
    scan(client, fake_wechat, "o-bob")
    assert logged_in_user_id(client) is None


def test_unbind_refuses_get_and_needs_a_login_and_csrf(client, fake_wechat, member):
    assert client.post(reverse("members:wechat_unbind"))["Location"].startswith(reverse("account_login"))
    client.force_login(member.user)
    assert client.get(reverse("members:wechat_unbind")).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member.user)
    SocialAccount.objects.create(user=member.user, provider="weixin", uid="o-bob")
    assert strict.post(reverse("members:wechat_unbind")).status_code == 403
    assert bound(member.user) == ["o-bob"]


# --- the attacks -----------------------------------------------------------------------------


@pytest.fixture
def bob_bound(member):
    SocialAccount.objects.create(user=member.user, provider="weixin", uid="o-bob", extra_data={"openid": "o-bob"})
    return member


def test_an_unbound_wechat_creates_nobody_and_logs_nobody_in(client, fake_wechat, bob_bound):
    """(a) The attacker logs in with their own WeChat, then tries allauth's social signup form."""
    counts = (User.objects.count(), Member.objects.count(), SignupRequest.objects.count())
    response = scan(client, fake_wechat, "o-attacker")
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert logged_in_user_id(client) is None
    page = client.get(reverse("account_login")).content.decode()
    assert "此微信未绑定任何账号" in page and "我的" in page
    signup = reverse("socialaccount_signup")
    for response in (client.get(signup), client.post(signup, {"phone": "13800138000", "name": "攻击者"})):
        assert response.status_code == 302
    assert (User.objects.count(), Member.objects.count(), SignupRequest.objects.count()) == counts
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["o-bob"]
    assert logged_in_user_id(client) is None


def test_the_unbound_message_is_translated(client, fake_wechat, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    scan(client, fake_wechat, "o-attacker")
    page = client.get(reverse("account_login")).content.decode()
    with translation.override("en"):
        assert str(not_bound_message()).replace("'", "&#x27;") in page


def test_a_callback_with_a_forged_or_missing_state_is_refused(client, fake_wechat, bob_bound):
    """(b) The attacker sends the victim's browser to the callback with their own code."""
    fake_wechat.next_openid = "o-bob"
    location = fake_wechat.authorize(start(client, fake_wechat))
    code = parse_qs(urlsplit(location).query)["code"][0]
    callback = reverse("weixin_callback")
    for query in ({"code": code, "state": "forged-state"}, {"code": code}):
        response = client.get(callback, query, follow=True)
        assert response.redirect_chain[-1][0] == reverse("account_login")
        assert "微信登录未成功" in response.content.decode()
        assert logged_in_user_id(client) is None
    # The code was never exchanged: the site stopped before asking WeChat for a token.
    assert not [path for path, _query in fake_wechat.requests if path == "/sns/oauth2/access_token"]


def test_a_state_works_once(client, fake_wechat, bob_bound):
    fake_wechat.next_openid = "o-bob"
    back = urlsplit(fake_wechat.authorize(start(client, fake_wechat)))
    client.get(f"{back.path}?{back.query}")
    assert logged_in_user_id(client) == str(bob_bound.user.pk)
    client.post(reverse("account_logout"))
    client.get(f"{back.path}?{back.query}")
    assert logged_in_user_id(client) is None


def test_binding_a_wechat_bound_to_another_member_is_refused(client, fake_wechat, bob_bound, branch_a):
    """(c) carol, a member too, binds bob's WeChat to take over his login."""
    carol = MemberFactory(name="carol", organization=branch_a, user=UserFactory(name="carol"))
    client.force_login(carol.user)
    response = scan(client, fake_wechat, "o-bob", process="connect")
    assert response["Location"] == reverse("members:me")
    assert bound(carol.user) == [] and bound(bob_bound.user) == ["o-bob"]
    assert "此微信已绑定其他账号" in client.get(reverse("members:me")).content.decode()
    assert "bob" not in client.get(reverse("members:me")).content.decode()
    client.post(reverse("account_logout"))
    scan(client, fake_wechat, "o-bob")
    assert logged_in_user_id(client) == str(bob_bound.user.pk)


def test_a_second_wechat_is_refused_until_the_first_is_unbound(client, fake_wechat, bob_bound):
    client.force_login(bob_bound.user)
    scan(client, fake_wechat, "o-other", process="connect")
    assert bound(bob_bound.user) == ["o-bob"]


def test_binding_needs_an_activated_member(client, fake_wechat, secretary):
    """A login with no roster entry (or an anonymous visitor) binds nothing."""
    client.force_login(secretary)
    scan(client, fake_wechat, "o-alice", process="connect")
    assert not SocialAccount.objects.exists()
    client.post(reverse("account_logout"))
    scan(client, fake_wechat, "o-alice", process="connect")
    assert not SocialAccount.objects.exists() and logged_in_user_id(client) is None


def test_nobody_unbinds_someone_elses_wechat(client, fake_wechat, bob_bound, branch_a):
    """(d) carol names bob's social account by id, on the unbind view and on allauth's connections page."""
    carol = MemberFactory(name="carol", organization=branch_a, user=UserFactory(name="carol"))
    account = SocialAccount.objects.get(uid="o-bob")
    client.force_login(carol.user)
    client.post(reverse("members:wechat_unbind"), {"account": account.pk, "id": account.pk})
    client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert bound(bob_bound.user) == ["o-bob"]


@pytest.mark.parametrize("how", ["deactivated", "transferred_out", "unlinked"])
def test_a_bound_wechat_of_an_account_that_is_deactivated_or_left_cannot_log_in(client, fake_wechat, bob_bound, how):
    """(e)"""
    if how == "deactivated":
        User.objects.filter(pk=bob_bound.user_id).update(is_active=False)
    elif how == "transferred_out":
        Member.objects.filter(pk=bob_bound.pk).update(state=Member.State.TRANSFERRED_OUT)
    else:
        Member.objects.filter(pk=bob_bound.pk).update(user=None)
    response = scan(client, fake_wechat, "o-bob")
    assert response["Location"] == reverse("account_login")
    assert logged_in_user_id(client) is None


def test_a_wechat_error_answer_logs_nobody_in_and_shows_no_secret(client, fake_wechat, bob_bound, settings):
    settings.SOCIALACCOUNT_PROVIDERS["weixin"]["APPS"] = [{"client_id": APP_ID, "secret": "wrong-secret"}]
    response = scan(client, fake_wechat, "o-bob")
    assert response["Location"] == reverse("account_login")
    assert logged_in_user_id(client) is None
    assert "wrong-secret" not in client.get(reverse("account_login")).content.decode()


def test_a_cancelled_scan_goes_back_to_the_login(client, fake_wechat, db):
    location = start(client, fake_wechat)
    state = parse_qs(urlsplit(location).query)["state"][0]
    response = client.get(reverse("weixin_callback"), {"state": state, "error": "access_denied"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert "已取消微信登录" in response.content.decode()


# --- inside WeChat's browser -----------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _page(client, url: str, agent: str):
    response = client.get(url, headers={"user-agent": agent})
    return response.status_code, CSRF.sub("", response.content.decode())


@pytest.mark.parametrize("name", ["account_login", "home"])
def test_public_pages_are_the_same_in_wechats_browser(client, fake_wechat, db, name):
    assert _page(client, reverse(name), WECHAT_UA) == _page(client, reverse(name), PHONE_UA)
    assert _page(client, reverse(name), WECHAT_UA)[0] == 200


@pytest.mark.parametrize("name", ["home", "activities:mine", "members:me"])
def test_member_pages_are_the_same_in_wechats_browser(client, fake_wechat, bob_bound, name):
    client.force_login(bob_bound.user)
    wechat = _page(client, reverse(name), WECHAT_UA)
    assert wechat[0] == 200
    assert wechat == _page(client, reverse(name), PHONE_UA)


# --- settings --------------------------------------------------------------------------------


def _settings_with(env: dict[str, str]) -> dict:
    """config.settings.base read in a fresh interpreter with ``env``: what production would get."""
    import os
    import subprocess
    import sys

    script = (
        "import json, config.settings.base as s; print(json.dumps({'form': s.CONTENT_SECURITY_POLICY['DIRECTIVES']"
        "['form-action'], 'apps': s.SOCIALACCOUNT_PROVIDERS['weixin']['APPS'], 'auto': s.SOCIALACCOUNT_AUTO_SIGNUP}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "DJANGO_SETTINGS"))}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_wechat_is_configured_from_the_environment_and_its_authorize_origin_may_take_the_login_form():
    off = _settings_with({})
    assert off["apps"] == [] and off["form"] == ["'self'"] and off["auto"] is False
    on = _settings_with({"WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s1"})
    assert on["apps"] == [{"client_id": "wx1", "secret": "s1"}]
    assert on["form"] == ["'self'", "https://open.weixin.qq.com"]
    half = _settings_with({"WECHAT_APP_ID": "wx1"})
    assert half["apps"] == []
