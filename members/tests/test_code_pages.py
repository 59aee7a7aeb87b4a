"""The login and code pages as a Chinese reader expects them, and the signature on every SMS."""

import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from members.sms import SMSMessage, send_sms, signed
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

ZH = {"accept-language": "zh-hans"}
PASSWORD = "Wuhan-2024-steady"


@pytest.fixture
def wang(branch_a):
    user = UserFactory(phone="+8617000000101", name="王五")
    return MemberFactory(name="王五", organization=branch_a, user=user, phone=user.phone)


def code_from(message: SMSMessage) -> str:
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def input_named(body: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', body).group(0)


# --- the pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(("url_name", "field"), [("account_login", "login"), ("account_request_login_code", "phone")])
def test_the_phone_inputs_open_the_phone_keypad_and_offer_the_saved_number(client, db, url_name, field):
    body = client.get(reverse(url_name), headers=ZH).content.decode()
    phone = input_named(body, field)
    assert 'inputmode="tel"' in phone and 'autocomplete="tel"' in phone
    assert "验证码" in body


def test_the_login_code_page_says_verification_code_and_shows_the_number_grouped(client, wang, sms_outbox):
    response = client.post(reverse("account_request_login_code"), {"phone": "17000000101"}, headers=ZH, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("account_confirm_login_code"))
    assert "验证码已发送至 170 0000 0101" in body
    assert "输入验证码" in body
    assert "代码" not in body.replace("验证码", "")
    assert '<a href="tel:+8617000000101">170 0000 0101</a>' in body
    code = input_named(body, "code")
    for attribute in ('inputmode="numeric"', 'autocomplete="one-time-code"', 'pattern="[0-9]{6}"'):
        assert attribute in code
    assert '<label for="id_code">验证码</label>' in body
    assert "重新发送验证码" in body


def test_a_code_typed_in_full_width_digits_with_a_space_still_logs_in(client, wang, sms_outbox):
    client.post(reverse("account_request_login_code"), {"phone": "17000000101"})
    typed = code_from(sms_outbox[0]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(reverse("account_confirm_login_code"), {"code": f"{typed[:3]} {typed[3:]}"})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(wang.user.pk)


def test_the_phone_verification_page_of_an_activation_says_verification_code(client, branch_a, sms_outbox):
    MemberFactory(name="张三", phone="+8617000000102", organization=branch_a)
    data = {"phone": "170 0000 0102", "name": "张三", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("account_signup"), data, headers=ZH, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("account_verify_phone")
    assert "验证码已发送至 170 0000 0102" in body
    assert "170 0000 0102</a>" in body
    code = input_named(body, "code")
    assert 'inputmode="numeric"' in code and 'autocomplete="one-time-code"' in code and "pattern=" in code
    response = client.post(reverse("account_verify_phone"), {"code": code_from(sms_outbox[-1])})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("+8617000000101", "170 0000 0101"),
        ("13800138000", "138 0013 8000"),
        ("138****8000", "138 **** 8000"),
        ("+85291234567", "+852 9123 4567"),
        ("someone@example.org", "someone@example.org"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_display_groups_mainland_mobiles_3_4_4(value, shown):
    assert Template("{% load phones %}{{ value|phone_display }}").render(Context({"value": value})) == shown


# --- the SMS signature ----------------------------------------------------------------------


def test_every_text_the_login_sends_starts_with_the_signature(client, wang, sms_outbox):
    client.post(reverse("account_request_login_code"), {"phone": "17000000101"})
    # A number with no login gets its own text, signed the same.
    Client().post(reverse("account_request_login_code"), {"phone": "13900139000"}, headers=ZH)
    assert len(sms_outbox) == 2
    assert all(message.text.startswith("【网络党支部】") for message in sms_outbox), sms_outbox
    assert all(message.text.count("【网络党支部】") == 1 for message in sms_outbox)


def test_the_signature_comes_from_the_settings_and_is_never_doubled(settings, sms_outbox):
    settings.SMS_SIGNATURE = "【某矿党委】"
    send_sms("+8617000000101", "activity_day", {"theme": "学习党章"})
    assert [m.text for m in sms_outbox] == ["【某矿党委】统一活动日：学习党章。请登录网络党支部签到。"]
    assert signed("【某矿党委】已签名的短信") == "【某矿党委】已签名的短信"


def test_an_empty_signature_leaves_the_text_to_a_gateway_that_signs(settings):
    settings.SMS_SIGNATURE = ""
    assert signed("今天是统一活动日") == "今天是统一活动日"
