"""The SMS template registry: kinds, values, the site's own text, and the start-up check."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from branches.tests.test_settings import PRODUCTION_ENV, manage
from members import sms_templates
from members.sms import check_backend, send_sms
from members.sms_templates import KINDS, PROVIDER_PARAM_LIMIT, SMSTemplateError
from members.tests.sms_fakes import ALIYUN_SECRET, TEMPLATES, TENCENT_SECRET_KEY

# Every kind a member's notice is sent as (notifications.services.notify_members callers,
# and the dues reminders' own deliveries): NOTIFICATION_SMS_KINDS may name any of them.
MEMBER_NOTICE_KINDS = {
    "activity_day",
    "material",
    "reminder",
    "absent",
    "leave",
    "report_reply",
    "away_report",
    "greeting",
    "signup_approved",
    "dues_arrears",
    "dues_payment",
    "dues_basis",
    "dues_publication",
    "evaluation",
    "transfer",
    "move_report",
}


def sample(kind) -> dict:
    return {param.name: f"{param.name}-值" for param in kind.params}


def test_every_notice_a_member_can_get_has_an_sms_kind_that_reads_it_from_the_notification():
    missing = {name for name in MEMBER_NOTICE_KINDS if name not in KINDS or KINDS[name].from_notification is None}
    assert not missing


def test_the_default_sms_kinds_are_all_registered():
    assert set(django_settings.NOTIFICATION_SMS_KINDS) <= set(KINDS)


def test_no_value_may_be_longer_than_the_providers_allow():
    too_long = [
        (kind.name, param.name)
        for kind in KINDS.values()
        for param in kind.params
        if param.max_length is not None and param.max_length > PROVIDER_PARAM_LIMIT
    ]
    assert not too_long


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_wording_renders_from_exactly_its_values_in_each_language(language):
    with translation.override(language):
        for kind in KINDS.values():
            text = sms_templates.render(kind.name, sample(kind))
            for value in sms_templates.clean_params(kind.name, sample(kind)).values():
                assert value in text, (kind.name, language)
            assert "%(" not in text


def test_the_provider_wording_has_the_providers_placeholders():
    with translation.override("zh-hans"):
        assert sms_templates.provider_wording("reminder", "aliyun") == ("主题党日提醒：${date}，${theme}。请准时参加。")
        assert sms_templates.provider_wording("reminder", "tencent") == "主题党日提醒：{1}，{2}。请准时参加。"


def test_a_missing_or_unknown_value_is_refused():
    with pytest.raises(SMSTemplateError):
        sms_templates.render("reminder", {"date": "2026-07-09"})
    with pytest.raises(SMSTemplateError):
        sms_templates.render("absent", {"date": "2026-07-09", "theme": "x"})
    with pytest.raises(SMSTemplateError):
        sms_templates.render("free text", {})


def test_long_values_are_cut_with_an_ellipsis_and_short_ones_kept():
    assert sms_templates.shorten("学习贯彻党的二十大精神专题组织生活会暨民主评议党员", 20) == (
        "学习贯彻党的二十大精神专题组织生活会暨…"
    )
    assert sms_templates.shorten("  王五\n", 15) == "王五"
    assert sms_templates.shorten("https://dangzhibu.example.cn/accounts/signup/", None).endswith("/signup/")


def test_the_outbox_keeps_kind_values_and_the_signed_text(sms_outbox):
    theme = "学习贯彻党的二十大精神专题组织生活会暨民主评议党员"
    send_sms("+8613800138000", "reminder", {"date": "2026-07-09", "theme": theme})
    message = sms_outbox[0]
    assert message.kind == "reminder"
    assert message.params == {"date": "2026-07-09", "theme": "学习贯彻党的二十大精神专题组织生活会暨…"}
    assert (
        message.text == "【网络党支部】主题党日提醒：2026-07-09，学习贯彻党的二十大精神专题组织生活会暨…。请准时参加。"
    )


# --- the start-up check ---------------------------------------------------------------------


def test_the_development_backends_need_no_templates(settings):
    settings.SMS_TEMPLATES = {}
    assert check_backend() == []


def test_a_provider_backend_without_a_template_for_a_kind_it_may_send_fails_the_check(settings):
    settings.SMS_BACKEND = "members.sms.TencentBackend"
    settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY = "id", TENCENT_SECRET_KEY
    settings.TENCENT_SMS_SDK_APP_ID, settings.TENCENT_SMS_SIGN_NAME = "1400000001", "网络党支部"
    settings.NOTIFICATION_SMS_KINDS = ["reminder", "material"]
    settings.SMS_TEMPLATES = {k: v for k, v in TEMPLATES.items() if k not in ("material", "verification_code")}
    messages = [error.msg for error in check_backend()]
    assert len(messages) == 2
    assert any("tencent" in m and '"material"' in m for m in messages)
    assert any('"verification_code"' in m for m in messages)
    settings.SMS_TEMPLATES = TEMPLATES
    assert check_backend() == []


def test_an_sms_kind_setting_naming_no_wording_fails_the_check(settings):
    settings.SMS_BACKEND = "members.sms.AliyunBackend"
    settings.ALIYUN_SMS_ACCESS_KEY_ID, settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "id", ALIYUN_SECRET
    settings.ALIYUN_SMS_SIGN_NAME = "网络党支部"
    settings.SMS_TEMPLATES = TEMPLATES
    settings.NOTIFICATION_SMS_KINDS = ["reminder", "remindr"]
    assert ["remindr" in error.msg for error in check_backend()] == [True]


ALIYUN_ENV = {
    **PRODUCTION_ENV,
    "SMS_BACKEND": "members.sms.AliyunBackend",
    "ALIYUN_SMS_ACCESS_KEY_ID": "LTAI-production-id",
    "ALIYUN_SMS_ACCESS_KEY_SECRET": ALIYUN_SECRET,
    "ALIYUN_SMS_SIGN_NAME": "网络党支部",
    "SMS_TEMPLATES": json.dumps(TEMPLATES),
}


def test_production_starts_with_aliyun_when_every_kind_has_its_template():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **ALIYUN_ENV)
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_with_a_kind_that_has_no_template():
    templates = {k: v for k, v in TEMPLATES.items() if k != "dues_arrears"}
    result = manage("check", **{**ALIYUN_ENV, "SMS_TEMPLATES": json.dumps(templates)})
    assert result.returncode != 0
    assert 'SMS_TEMPLATES has no aliyun template for "dues_arrears"' in result.stderr
    assert ALIYUN_SECRET not in result.stderr + result.stdout


def test_production_refuses_to_start_with_a_provider_but_no_credentials():
    env = {k: v for k, v in ALIYUN_ENV.items() if k != "ALIYUN_SMS_ACCESS_KEY_SECRET"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ALIYUN_SMS_ACCESS_KEY_SECRET is not set" in result.stderr


def test_the_command_lists_the_texts_to_register_and_the_configured_codes(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.SMS_TEMPLATES = TEMPLATES
    out = StringIO()
    call_command("sms_templates", "--provider", "aliyun", "--language", "zh-hans", stdout=out)
    text = out.getvalue()
    assert f"* reminder  [date, theme]  aliyun: {TEMPLATES['reminder']['aliyun']}" in text
    assert "主题党日提醒：${date}，${theme}。请准时参加。" in text
    assert "  material  [title]" in text  # not in NOTIFICATION_SMS_KINDS: not needed
