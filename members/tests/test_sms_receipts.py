"""Notices as template SMS through each provider's fake, and the providers' delivery receipts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from members.tests.factories import MemberFactory
from members.tests.sms_fakes import TEMPLATES, sent_values, tencent_status
from notifications import delivery as deliver
from notifications.models import Channel, Delivery
from notifications.services import Notice, notify_members
from notifications.sms_receipts import MAX_REPORTS

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOON = dt.datetime(2026, 7, 6, 12, 0, tzinfo=SHANGHAI)
TOKEN = "receipt-token-3f9a7c1e5b"


@pytest.fixture(autouse=True)
def _receipt_token(settings):
    settings.SMS_RECEIPT_TOKEN = TOKEN
    settings.NOTIFICATION_SMS_KINDS = ["reminder", "absent", "greeting", "dues_arrears"]


@pytest.fixture
def texted(branch_a):
    return MemberFactory(organization=branch_a, name="王五", phone="+8613800138000")


def reminder(theme: str = "学习党章") -> Notice:
    # What activities.services sends three days before the activity day.
    return Notice(kind="reminder", params={"days": 3, "branch": "A网络党支部", "date": "2026-07-09", "theme": theme})


def queue_reminder(member, notice: Notice | None = None, key: str = "remind:1:3:{member}") -> Delivery:
    with time_machine.travel(NOON, tick=False):
        notify_members([member.pk], notice or reminder(), key=key)
    return Delivery.objects.get(notification__member=member, channel=Channel.SMS)


def receipt_url(provider: str, token: str | None = TOKEN) -> str:
    url = reverse(f"sms_receipts:{provider}")
    return url if token is None else f"{url}?token={token}"


def push(client, provider: str, reports, token: str | None = TOKEN):
    body = reports if isinstance(reports, (str, bytes)) else json.dumps(reports, ensure_ascii=False)
    return client.post(receipt_url(provider, token), data=body, content_type="application/json")


def report(provider: str, message_id: str, delivered: bool = True) -> dict:
    if provider == "aliyun":
        return {
            "phone_number": "13800138000",
            "send_time": "2026-07-06 12:00:01",
            "report_time": "2026-07-06 12:00:05",
            "success": delivered,
            "err_code": "DELIVERED" if delivered else "MK:0001",
            "err_msg": "用户接收成功" if delivered else "用户停机",
            "sms_size": "1",
            "biz_id": message_id,
            "out_id": "",
        }
    return {
        "user_receive_time": "2026-07-06 12:00:05",
        "nationcode": "86",
        "mobile": "13800138000",
        "report_status": "SUCCESS" if delivered else "FAIL",
        "errmsg": "DELIVRD" if delivered else "MK:0001",
        "description": "用户短信送达成功" if delivered else "用户停机",
        "sid": message_id,
    }


def snapshot(row: Delivery) -> tuple:
    row.refresh_from_db()
    return (row.status, row.final_status, row.receipt_at, row.receipt_error, row.last_error, row.provider_message_id)


# --- end to end: a reminder as template SMS, and its receipt -------------------------------


def test_a_reminder_goes_out_as_its_template_and_its_receipt_is_recorded(client, texted, provider):
    row = queue_reminder(texted)
    assert deliver.deliver_due(NOON)["sent"] == 1
    sent = sent_values(provider)
    assert sent["template"] == TEMPLATES["reminder"][provider.name]
    assert sent["sign"] == "网络党支部"
    values = {"date": "2026-07-09", "theme": "学习党章"}
    assert sent["params"] == (values if provider.name == "aliyun" else ["2026-07-09", "学习党章"])
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT
    assert row.provider_message_id == ("900001^0" if provider.name == "aliyun" else "2433:00001")
    assert row.final_status == ""

    response = push(client, provider.name, [report(provider.name, row.provider_message_id)])
    assert response.status_code == 200
    assert response.json() == (
        {"code": 0, "msg": "成功"} if provider.name == "aliyun" else {"result": 0, "errmsg": "OK"}
    )
    row.refresh_from_db()
    assert (row.status, row.final_status, row.receipt_error) == (Delivery.Status.SENT, "delivered", "")
    assert row.receipt_at is not None


def test_an_undelivered_receipt_fails_the_delivery_with_the_providers_reason(client, texted, provider):
    row = queue_reminder(texted)
    deliver.deliver_due(NOON)
    row.refresh_from_db()
    push(client, provider.name, [report(provider.name, row.provider_message_id, delivered=False)])
    row.refresh_from_db()
    assert (row.status, row.final_status) == (Delivery.Status.FAILED, "failed")
    assert "MK:0001" in row.receipt_error and "用户停机" in row.receipt_error
    assert row.last_error == f"not delivered: {row.receipt_error}"
    # The admin's "send again" starts it from scratch, receipt and all.
    assert deliver.resend(Delivery.objects.filter(pk=row.pk)) == 1
    assert snapshot(row)[:3] == (Delivery.Status.QUEUED, "", None)


def test_a_throttled_reminder_is_retried_by_the_sweep_and_then_sent(texted, provider):
    if provider.name == "aliyun":
        provider.answer({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"})
    else:
        provider.answer(tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit"))
    row = queue_reminder(texted)
    assert deliver.deliver_due(NOON)["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_message_id) == (Delivery.Status.QUEUED, 1, "")
    assert "LIMIT" in row.last_error.upper()
    assert row.due_at == NOON + dt.timedelta(minutes=1)
    assert deliver.deliver_due(NOON + dt.timedelta(seconds=30))["sent"] == 0
    assert deliver.deliver_due(NOON + dt.timedelta(minutes=1))["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Delivery.Status.SENT, 2, "")
    assert row.provider_message_id
    assert len(provider.requests) == 2


def test_a_reminder_to_a_wrong_number_fails_at_once(texted, provider):
    if provider.name == "aliyun":
        provider.answer({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
    else:
        provider.answer(tencent_status("InvalidParameterValue.IncorrectPhoneNumber"))
    row = queue_reminder(texted)
    assert deliver.deliver_due(NOON)["failed"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.Status.FAILED, 1)
    assert "13800138000" not in row.last_error


def test_the_sweep_run_twice_texts_the_provider_once(texted, provider):
    queue_reminder(texted)
    deliver.deliver_due(NOON)
    deliver.deliver_due(NOON + dt.timedelta(hours=1))
    assert len(provider.requests) == 1


def test_an_unreachable_provider_leaves_the_reminder_for_a_later_sweep(texted, provider, settings):
    from members.tests.sms_fakes import closed_port_url

    setattr(settings, f"{provider.name.upper()}_SMS_ENDPOINT", closed_port_url())
    row = queue_reminder(texted)
    assert deliver.deliver_due(NOON)["retry"] == 1
    assert snapshot(row)[0] == Delivery.Status.QUEUED


def test_a_reminder_written_before_notices_kept_their_values_goes_out_with_its_title(texted, aliyun):
    queue_reminder(texted, Notice(kind="reminder", title="还有3天就是统一活动日"))
    deliver.deliver_due(NOON)
    assert sent_values(aliyun)["params"] == {"date": "2026-07-06", "theme": "还有3天就是统一活动日"}


def test_a_dues_notice_without_its_values_fails_for_good_without_calling_the_provider(texted, aliyun):
    row = queue_reminder(texted, Notice(kind="dues_arrears", title="党费欠交"), key="dues:{member}")
    assert deliver.deliver_due(NOON)["failed"] == 1
    assert aliyun.requests == []
    assert "no SMS for this notice" in snapshot(row)[4]


def test_a_greeting_names_the_member_cut_to_the_providers_length(branch_a, tencent):
    member = MemberFactory(organization=branch_a, name="阿卜杜热依木·买买提艾力·克里木江", phone="+8613800138001")
    queue_reminder(member, Notice(kind="greeting", params={}), key="greeting:2026:{member}")
    deliver.deliver_due(NOON)
    assert sent_values(tencent)["params"] == ["阿卜杜热依木·买买提艾力·克…"]


# --- the receipt callbacks: the attack, the replay, the garbage ------------------------------


@pytest.fixture
def sent_row(texted, provider):
    row = queue_reminder(texted)
    deliver.deliver_due(NOON)
    row.refresh_from_db()
    return row


def test_receipts_without_the_right_token_are_404_and_change_nothing(client, sent_row, provider):
    before = snapshot(sent_row)
    forged = [report(provider.name, sent_row.provider_message_id, delivered=False)]
    for token in (None, "", "wrong", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), f"x{TOKEN}"):
        assert push(client, provider.name, forged, token=token).status_code == 404, token
    assert snapshot(sent_row) == before


def test_receipts_are_off_while_no_token_is_configured(client, settings, sent_row, provider):
    settings.SMS_RECEIPT_TOKEN = ""
    before = snapshot(sent_row)
    assert (
        push(client, provider.name, [report(provider.name, sent_row.provider_message_id)], token="").status_code == 404
    )
    assert snapshot(sent_row) == before


def test_the_token_of_the_query_string_is_needed_even_for_a_logged_in_manager(client, secretary, sent_row, provider):
    client.force_login(secretary)
    before = snapshot(sent_row)
    assert (
        push(client, provider.name, [report(provider.name, sent_row.provider_message_id)], token=None).status_code
        == 404
    )
    assert snapshot(sent_row) == before


def test_a_get_is_refused(client, provider):
    assert client.get(receipt_url(provider.name)).status_code == 405


def test_a_replayed_or_contradicting_receipt_changes_nothing(client, sent_row, provider):
    with time_machine.travel(NOON + dt.timedelta(minutes=1), tick=False):
        push(client, provider.name, [report(provider.name, sent_row.provider_message_id)])
    first = snapshot(sent_row)
    with time_machine.travel(NOON + dt.timedelta(minutes=9), tick=False):
        assert push(client, provider.name, [report(provider.name, sent_row.provider_message_id)]).status_code == 200
        push(client, provider.name, [report(provider.name, sent_row.provider_message_id, delivered=False)])
    assert snapshot(sent_row) == first
    assert first[1] == "delivered"


def test_a_receipt_for_an_unknown_id_is_answered_and_ignored(client, sent_row, provider):
    before = snapshot(sent_row)
    response = push(client, provider.name, [report(provider.name, "never-sent-123", delivered=False)])
    assert response.status_code == 200
    assert snapshot(sent_row) == before


def test_a_receipt_names_only_sms_deliveries(client, sent_row, provider):
    # An email delivery has no provider id; a report naming "" must not match it.
    before = snapshot(sent_row)
    assert push(client, provider.name, [report(provider.name, "")]).status_code == 400
    assert snapshot(sent_row) == before


MALFORMED = [
    "not json at all",
    b"\xff\xfe\x00garbage",
    "[1, 2, 3]",
    '[{"nothing": "here"}]',
    '"a string"',
    "null",
]


@pytest.mark.parametrize("body", MALFORMED)
def test_a_malformed_push_is_400_and_changes_nothing(client, sent_row, provider, body):
    before = snapshot(sent_row)
    response = push(client, provider.name, body)
    assert response.status_code == 400
    assert snapshot(sent_row) == before


def test_a_report_with_a_wrong_status_spoils_the_whole_push(client, sent_row, provider):
    good = report(provider.name, sent_row.provider_message_id)
    bad = dict(good, **({"success": "maybe"} if provider.name == "aliyun" else {"report_status": "DONE"}))
    before = snapshot(sent_row)
    assert push(client, provider.name, [good, bad]).status_code == 400
    assert snapshot(sent_row) == before


def test_an_oversized_push_is_refused(client, sent_row, provider):
    before = snapshot(sent_row)
    reports = [report(provider.name, sent_row.provider_message_id)] * (MAX_REPORTS + 1)
    assert push(client, provider.name, reports).status_code == 400
    assert snapshot(sent_row) == before


@pytest.mark.parametrize("count", [1, 20])
def test_a_push_costs_one_update_for_the_delivered_and_one_per_reason(
    client, provider, django_assert_num_queries, count
):
    reports = [report(provider.name, f"id-{n}") for n in range(count)]
    reports += [report(provider.name, f"lost-{n}", delivered=False) for n in range(count)]
    with django_assert_num_queries(2):
        assert push(client, provider.name, reports).status_code == 200


@pytest.mark.parametrize("count", [2, 6])
def test_the_sweep_reads_each_texts_values_without_a_query_of_its_own(
    branch_a, aliyun, django_assert_num_queries, count
):
    members = [MemberFactory(organization=branch_a, phone=f"+861380013{n:04d}") for n in range(count)]
    with time_machine.travel(NOON, tick=False):
        notify_members([m.pk for m in members], reminder(), key="remind:1:3:{member}")
        notify_members([m.pk for m in members], Notice(kind="greeting", params={}), key="greeting:2026:{member}")
    # One SELECT per batch (and the empty one that ends the run); a claim and a record per delivery.
    with django_assert_num_queries(2 + 2 * 2 * count):
        assert deliver.deliver_due(NOON)["sent"] == 2 * count
    assert len(aliyun.requests) == 2 * count
