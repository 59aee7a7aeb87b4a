import re

import pytest
from django.test import Client
from django.urls import reverse

from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
EN = {"accept-language": "en"}


@pytest.fixture
def phone_member(branch_a):
    user = UserFactory(phone="+8613800138000", name="王五")
    return MemberFactory(name="王五", organization=branch_a, user=user, phone=user.phone)


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.text).group(1)


@pytest.mark.parametrize("typed", ["13800138000", "+86 138 0013 8000", "138-0013-8000", "+8613800138000"])
def test_a_member_logs_in_with_phone_and_password_however_the_number_is_typed(client, phone_member, typed):
    response = client.post(reverse("account_login"), {"login": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert logged_in_user_id(client) == str(phone_member.user.pk)


def test_a_wrong_password_does_not_log_in(client, phone_member):
    response = client.post(reverse("account_login"), {"login": "13800138000", "password": "wrong"}, headers=EN)
    assert response.status_code == 200
    assert "phone number and/or password you specified are not correct" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_a_number_that_is_not_a_mobile_number_gets_a_clear_error(client, phone_member):
    response = client.post(reverse("account_login"), {"login": "12345", "password": PASSWORD}, headers=EN)
    assert response.status_code == 200
    assert "not a valid mainland China mobile number" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_login_by_code_texts_a_numeric_code_that_logs_in(client, phone_member, sms_outbox):
    response = client.post(reverse("account_request_login_code"), {"phone": "138 0013 8000"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_confirm_login_code"))
    assert len(sms_outbox) == 1
    assert sms_outbox[0].phone == "+8613800138000"
    code = code_from(sms_outbox[0])
    assert len(code) == 6

    assert client.get(reverse("account_confirm_login_code")).status_code == 200
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(phone_member.user.pk)


def test_a_wrong_login_code_does_not_log_in(client, phone_member, sms_outbox):
    client.post(reverse("account_request_login_code"), {"phone": "13800138000"})
    wrong = "000000" if code_from(sms_outbox[0]) != "000000" else "111111"
    response = client.post(reverse("account_confirm_login_code"), {"code": wrong})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_a_login_code_for_an_unknown_number_logs_nobody_in(client, db, sms_outbox):
    response = client.post(reverse("account_request_login_code"), {"phone": "13900139000"})
    # The same answer as for a known number, so the form does not reveal who has an account.
    assert response.status_code == 302
    assert len(sms_outbox) == 1
    assert "has no account" in sms_outbox[0].text or re.search(r"\d{6}", sms_outbox[0].text) is None
    assert logged_in_user_id(client) is None


def test_repeated_failed_logins_are_blocked_even_with_the_right_password(client, phone_member):
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": "13800138000", "password": "wrong"}, headers=EN)
    response = client.post(reverse("account_login"), {"login": "13800138000", "password": PASSWORD}, headers=EN)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_failed_logins_on_one_number_do_not_block_another(client, phone_member, member):
    for _attempt in range(6):
        client.post(reverse("account_login"), {"login": "13800138000", "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": member.phone, "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(member.user.pk)


def test_repeated_login_code_requests_for_one_number_are_blocked(phone_member, sms_outbox):
    # A fresh session each time: within one session allauth resumes the pending code instead.
    for _attempt in range(3):
        Client().post(reverse("account_request_login_code"), {"phone": "13800138000"})
    response = Client().post(reverse("account_request_login_code"), {"phone": "13800138000"}, headers=EN)
    assert response.status_code == 200
    assert "Too many" in response.content.decode()
    assert len(sms_outbox) == 3


def test_the_login_page_offers_password_first_and_sms_code_as_secondary(client, db):
    response = client.get(reverse("account_login"), headers=EN)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'type="tel"' in body
    assert 'type="password"' in body
    assert body.index('type="password"') < body.index("Log in with an SMS code")
    assert f'href="{reverse("account_request_login_code")}"' in body
    assert 'class="button secondary"' in body
    assert reverse("account_signup") in body


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_request_login_code"])
def test_entrance_pages_use_the_site_layout_without_inline_script_or_style(client, db, name):
    response = client.get(reverse(name))
    body = response.content.decode()
    assert response.status_code == 200
    assert "css/site.css" in body
    assert 'class="topbar"' in body
    assert "<script" not in body
    assert "<style" not in body
    assert "style=" not in body


def test_the_login_code_page_renders_and_rejects_a_bad_code_without_error(client, phone_member, sms_outbox):
    client.post(reverse("account_request_login_code"), {"phone": "13800138000"})
    page = client.get(reverse("account_confirm_login_code"))
    assert page.status_code == 200
    assert "style=" not in page.content.decode()
    assert client.post(reverse("account_confirm_login_code"), {"code": "x"}).status_code == 200


def test_logout_page_works_for_a_member(client, member):
    client.force_login(member.user)
    assert client.get(reverse("account_logout")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert logged_in_user_id(client) is None


def test_login_page_rejects_wrong_method(client, db):
    assert client.delete(reverse("account_login")).status_code == 405


def test_a_logged_in_member_is_sent_home_from_the_login_page(client, member):
    client.force_login(member.user)
    response = client.get(reverse("account_login"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "name", ["account_change_password", "account_change_phone", "account_logout", "account_reauthenticate"]
)
def test_account_pages_render_on_the_site_layout(client, member, name):
    client.force_login(member.user)
    response = client.get(reverse(name))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="topbar"' in body
    assert "style=" not in body


@pytest.mark.parametrize("name", ["account_reset_password", "account_inactive"])
def test_other_entrance_pages_render(client, db, name):
    assert client.get(reverse(name)).status_code == 200


def test_a_member_changes_their_password(client, member):
    client.force_login(member.user)
    data = {"oldpassword": PASSWORD, "password1": "Another-pass-4567", "password2": "Another-pass-4567"}
    response = client.post(reverse("account_change_password"), data)
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password("Another-pass-4567")


def test_a_member_changes_their_phone_after_verifying_the_new_number(client, member, sms_outbox):
    client.force_login(member.user)
    response = client.post(reverse("account_change_phone"), {"phone": "139 0013 9000"})
    assert response.status_code == 302
    client.post(reverse("account_verify_phone"), {"code": code_from(sms_outbox[-1])})
    member.user.refresh_from_db()
    assert member.user.phone == "+8613900139000"
    assert member.user.phone_verified is True
