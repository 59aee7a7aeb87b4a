"""The Aliyun and Tencent Cloud backends, through the official SDKs, against local fakes of the APIs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time

import pytest
from django.urls import reverse

from members.activation import send_texts
from members.models import ActivationText
from members.sms import SMSError, send_sms
from members.tests.factories import MemberFactory, UserFactory
from members.tests.sms_fakes import (
    ALIYUN_KEY_ID,
    ALIYUN_SECRET,
    SIGN_NAME,
    TEMPLATES,
    TENCENT_APP_ID,
    TENCENT_SECRET_ID,
    TENCENT_SECRET_KEY,
    closed_port_url,
    sent_values,
    tencent_error,
    tencent_status,
)

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"
SECRETS = (ALIYUN_SECRET, TENCENT_SECRET_KEY)
SIGNUP = "https://dangzhibu.example.cn/accounts/signup/"


def expected_phone(fake) -> str:
    # Aliyun takes mainland numbers without +86; Tencent takes E.164.
    return "13800138000" if fake.name == "aliyun" else PHONE


def values_as_sent(fake, kind: str, values: dict) -> object:
    from members.sms_templates import get_kind

    if fake.name == "aliyun":
        return values
    return [values[name] for name in get_kind(kind).param_names]


def assert_nothing_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "13800138000" not in text


# --- what the SDK sends ---------------------------------------------------------------------


def test_a_verification_code_goes_out_as_its_template_with_the_code_as_a_named_value(provider):
    message_id = send_sms(PHONE, "verification_code", {"code": "914273"})
    assert len(provider.requests) == 1
    sent = sent_values(provider)
    assert sent["template"] == TEMPLATES["verification_code"][provider.name]
    assert sent["sign"] == SIGN_NAME
    assert sent["phone"] == expected_phone(provider)
    assert sent["params"] == values_as_sent(provider, "verification_code", {"code": "914273"})
    assert message_id == ("900001^0" if provider.name == "aliyun" else "2433:00001")


def test_aliyun_is_called_as_its_rpc_action_signed_with_the_key_id_not_the_secret(aliyun):
    send_sms(PHONE, "verification_code", {"code": "914273"})
    request = aliyun.requests[0]
    assert request.headers["x-acs-action"] == "SendSms"
    assert request.headers["x-acs-version"] == "2017-05-25"
    assert ALIYUN_KEY_ID in request.headers["authorization"]
    assert ALIYUN_SECRET not in json.dumps(request.headers) + json.dumps(request.query)


def test_tencent_is_called_as_api_3_signed_with_the_secret_id_not_the_key(tencent):
    send_sms(PHONE, "verification_code", {"code": "914273"})
    request = tencent.requests[0]
    assert request.headers["x-tc-action"] == "SendSms"
    assert request.headers["x-tc-version"] == "2021-01-11"
    assert request.headers["authorization"].startswith(f"TC3-HMAC-SHA256 Credential={TENCENT_SECRET_ID}/")
    assert sent_values(tencent)["app"] == TENCENT_APP_ID
    assert TENCENT_SECRET_KEY not in json.dumps(request.headers) + request.body.decode()


def test_tencent_gets_the_values_in_the_kinds_order(tencent):
    send_sms(PHONE, "reminder", {"theme": "学习党章", "date": "2026-07-09"})
    assert sent_values(tencent)["params"] == ["2026-07-09", "学习党章"]


def test_a_login_code_requested_on_the_site_goes_out_through_aliyun_and_logs_in(client, branch_a, aliyun):
    user = UserFactory(phone=PHONE, name="王五")
    MemberFactory(organization=branch_a, user=user, phone=PHONE, name="王五")
    response = client.post(reverse("account_request_login_code"), {"phone": "138 0013 8000"})
    assert response.status_code == 302
    sent = sent_values(aliyun)
    assert sent["template"] == TEMPLATES["verification_code"]["aliyun"]
    code = sent["params"]["code"]
    assert re.fullmatch(r"\d{6}", code)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_activation_text_goes_out_with_name_branch_and_link(branch_a, provider):
    member = MemberFactory(organization=branch_a, name="欧阳娜娜", phone=PHONE, user=None)
    text = ActivationText.objects.create(
        member=member,
        day=dt.date(2026, 7, 6),
        text=f"欧阳娜娜，A网络党支部邀请您加入网络党支部。请用本手机号在 {SIGNUP} 注册。",
    )
    assert send_texts([text.pk]) == {"sent": 1, "retry": 0, "failed": 0}
    sent = sent_values(provider)
    assert sent["template"] == TEMPLATES["activation"][provider.name]
    values = {"name": "欧阳娜娜", "branch": "A网络党支部", "url": SIGNUP}
    assert sent["params"] == values_as_sent(provider, "activation", values)


def test_a_long_name_is_cut_to_the_same_value_in_the_text_and_for_the_provider(provider):
    name = "阿卜杜热依木·买买提艾力·克里木江"  # 18 characters
    send_sms(PHONE, "greeting", {"name": name})
    sent = sent_values(provider)["params"]
    value = sent["name"] if provider.name == "aliyun" else sent[0]
    assert len(value) == 15
    assert value.endswith("…")
    assert name.startswith(value[:-1])


def test_a_kind_without_a_template_for_the_provider_is_refused_without_calling_it(provider, settings):
    settings.SMS_TEMPLATES = {k: v for k, v in TEMPLATES.items() if k != "greeting"}
    with pytest.raises(SMSError) as raised:
        send_sms(PHONE, "greeting", {"name": "王五"})
    assert raised.value.permanent
    assert "greeting" in str(raised.value)
    assert provider.requests == []


# --- what the provider answers --------------------------------------------------------------

ALIYUN_ANSWERS = [
    # (HTTP status, body, permanent?)
    (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}, False),
    (200, {"Code": "isv.DAY_LIMIT_CONTROL", "Message": "触发日发送限额"}, False),
    (400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}, False),
    (503, {"Code": "ServiceUnavailable", "Message": "The request has failed due to a temporary failure."}, False),
    (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号 13800138000"}, True),
    (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板"}, True),
    (200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "该账号下找不到对应签名"}, True),
    (404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}, True),
]


@pytest.mark.parametrize(("status", "body", "permanent"), ALIYUN_ANSWERS)
def test_aliyun_errors_are_permanent_or_passing_by_their_code(aliyun, status, body, permanent, caplog):
    aliyun.answer(body, status=status)
    with caplog.at_level(logging.DEBUG), pytest.raises(SMSError) as raised:
        send_sms(PHONE, "verification_code", {"code": "914273"})
    assert raised.value.permanent is permanent
    assert body["Code"] in str(raised.value)
    assert_nothing_secret(str(raised.value) + caplog.text)


TENCENT_ANSWERS = [
    (
        200,
        tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit", "单个手机号30秒内下发短信条数超过设定的上限"),
        False,
    ),
    (200, tencent_status("LimitExceeded.PhoneNumberDailyLimit", "单个手机号日下发短信条数超过设定的上限"), False),
    (200, tencent_error("RequestLimitExceeded", "请求的次数超过了频率限制"), False),
    (200, tencent_error("InternalError.Timeout", "请求下发短信超时"), False),
    (502, {"message": "bad gateway"}, False),
    (200, tencent_status("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误 +8613800138000"), True),
    (200, tencent_status("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配"), True),
    (200, tencent_status("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误"), True),
    (200, tencent_error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId 校验失败"), True),
    (200, tencent_error("AuthFailure.SecretIdNotFound", "SecretId 不存在"), True),
]


@pytest.mark.parametrize(("status", "body", "permanent"), TENCENT_ANSWERS)
def test_tencent_errors_are_permanent_or_passing_by_their_code(tencent, status, body, permanent, caplog):
    tencent.answer(body, status=status)
    with caplog.at_level(logging.DEBUG), pytest.raises(SMSError) as raised:
        send_sms(PHONE, "verification_code", {"code": "914273"})
    assert raised.value.permanent is permanent
    assert_nothing_secret(str(raised.value) + caplog.text)


def test_a_provider_that_does_not_answer_in_time_is_a_passing_error(provider, settings):
    settings.SMS_PROVIDER_TIMEOUT = 0.3
    provider.answer(delay=2.0)
    started = time.monotonic()
    with pytest.raises(SMSError) as raised:
        send_sms(PHONE, "verification_code", {"code": "914273"})
    assert time.monotonic() - started < 1.8
    assert not raised.value.permanent
    assert "not reached" in str(raised.value)


def test_a_refused_connection_is_a_passing_error_that_names_no_secret(provider, settings):
    setattr(settings, f"{provider.name.upper()}_SMS_ENDPOINT", closed_port_url())
    with pytest.raises(SMSError) as raised:
        send_sms(PHONE, "verification_code", {"code": "914273"})
    assert not raised.value.permanent
    assert_nothing_secret(str(raised.value))
    assert "914273" not in str(raised.value)


def test_the_backends_log_the_masked_number_only(provider, caplog):
    with caplog.at_level(logging.DEBUG):
        send_sms(PHONE, "verification_code", {"code": "914273"})
    assert "138****8000" in caplog.text
    assert "13800138000" not in caplog.text
    assert "914273" not in caplog.text
    assert_nothing_secret(caplog.text)


# --- a provider's limit during login -------------------------------------------------------


def test_a_login_code_the_provider_throttles_is_a_polite_message_not_a_server_error(client, branch_a, aliyun):
    user = UserFactory(phone=PHONE, name="王五")
    MemberFactory(organization=branch_a, user=user, phone=PHONE, name="王五")
    aliyun.answer({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"})
    response = client.post(reverse("account_request_login_code"), {"phone": "138 0013 8000"}, follow=True)
    assert response.status_code == 200
    assert "短信暂时未能发出，请稍等一分钟后重试。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_failed_text_reads_the_same_for_a_number_with_and_without_an_account(client, branch_a, tencent):
    from django.test import Client

    user = UserFactory(phone=PHONE, name="王五")
    MemberFactory(organization=branch_a, user=user, phone=PHONE, name="王五")
    answers = []
    for phone in ("138 0013 8000", "139 0013 9000"):
        tencent.answer(tencent_status("LimitExceeded.PhoneNumberOneHourLimit"))
        response = Client().post(reverse("account_request_login_code"), {"phone": phone}, follow=True)
        page = response.content.decode()
        answers.append((response.status_code, "短信暂时未能发出" in page, response.redirect_chain[-1][0]))
    assert answers[0] == answers[1]
    assert len(tencent.requests) == 2
