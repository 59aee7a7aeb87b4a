import datetime as dt
import io
import json
import logging
import urllib.error
from unittest import mock

import pytest
import time_machine
from django.core import mail

from branches.sweeps import REGISTRY
from members.sms import SMSError
from members.tests.factories import MemberFactory, UserFactory
from notifications import delivery as deliver
from notifications.models import BranchChannels, Channel, Delivery, MemberChannels, MessageTemplate, Notification
from notifications.services import Notice, notify_members
from notifications.transports import EmailTransport, SMSTransport, TransportError, WeComTransport, mask_webhook

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOON = dt.datetime(2026, 7, 6, 12, 0, tzinfo=SHANGHAI)
WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-robot-key-abcd"


@pytest.fixture(autouse=True)
def _every_channel_for_activity_notices(settings):
    # These tests exercise the channel machinery with one kind of notice;
    # which kinds go out by SMS by default is tested on its own below.
    settings.NOTIFICATION_SMS_KINDS = ["activity_day", "reminder"]
    settings.NOTIFICATION_EMAIL_KINDS = ["activity_day", "reminder"]


def test_by_default_the_activity_day_notice_is_not_texted_but_the_reminder_is(settings, member):
    settings.NOTIFICATION_SMS_KINDS = ["reminder", "absent", "greeting"]
    notify_members([member.pk], activity_notice(), key="activity:1:{member}")
    notify_members([member.pk], Notice(kind="reminder", title="还有3天"), key="remind:1:3:{member}")
    assert list(Delivery.objects.values_list("notification__kind", "channel")) == [("reminder", "sms")]


def activity_notice(**kwargs):
    return Notice(kind="activity_day", title="今天是统一活动日", body="请大家按时签到", **kwargs)


def answer(payload: dict):
    response = mock.MagicMock()
    response.__enter__.return_value.read.return_value = json.dumps(payload).encode()
    return response


def http_error(code: int):
    return urllib.error.HTTPError(WEBHOOK, code, "error", {}, io.BytesIO(b""))


def deliveries(channel):
    return Delivery.objects.filter(channel=channel)


# --- fan-out ---------------------------------------------------------------------------------


def test_an_sms_kind_queues_one_sms_per_member_due_now_outside_quiet_hours(member):
    with time_machine.travel(NOON, tick=False):
        notify_members([member.pk], activity_notice(), key="activity:1:{member}")
    row = deliveries(Channel.SMS).get()
    assert row.notification.member == member
    assert row.status == Delivery.Status.QUEUED
    assert row.due_at == NOON


def test_a_kind_not_listed_for_sms_reaches_only_the_inbox(member):
    notify_members([member.pk], Notice(kind="material", title="新资料"), key="material:1:{member}")
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


def test_email_is_queued_only_for_members_whose_login_has_an_address(branch_a):
    with_address = MemberFactory(organization=branch_a, user=UserFactory(email="a@example.org"))
    without = MemberFactory(organization=branch_a, user=UserFactory(email=""))
    no_login = MemberFactory(organization=branch_a)
    notify_members([with_address.pk, without.pk, no_login.pk], activity_notice(), key="activity:1:{member}")
    assert [d.notification.member for d in deliveries(Channel.EMAIL)] == [with_address]
    assert deliveries(Channel.SMS).count() == 3


def test_a_member_who_turned_sms_off_gets_no_sms_but_keeps_the_inbox(member):
    MemberChannels.objects.create(member=member, sms=False)
    notify_members([member.pk], activity_notice(), key="activity:1:{member}")
    assert Notification.objects.filter(member=member).exists()
    assert not deliveries(Channel.SMS).exists()


def test_a_branch_that_turned_sms_off_sends_none_while_other_branches_do(member, outsider, branch_a):
    BranchChannels.objects.create(organization=branch_a, sms_enabled=False)
    notify_members([member.pk, outsider.pk], activity_notice(), key="activity:1:{member}")
    assert [d.notification.member for d in deliveries(Channel.SMS)] == [outsider]


def test_a_non_urgent_sms_at_23_waits_until_7_in_shanghai(member):
    with time_machine.travel(dt.datetime(2026, 7, 6, 23, 0, tzinfo=SHANGHAI), tick=False):
        notify_members([member.pk], activity_notice(), key="activity:1:{member}")
    assert deliveries(Channel.SMS).get().due_at == dt.datetime(2026, 7, 7, 7, 0, tzinfo=SHANGHAI)


def test_an_urgent_sms_at_23_goes_now(member):
    late = dt.datetime(2026, 7, 6, 23, 0, tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False):
        notify_members([member.pk], activity_notice(urgent=True), key="activity:1:{member}")
    assert deliveries(Channel.SMS).get().due_at == late


def test_quiet_hours_follow_each_branch_in_one_batch(member, outsider, branch_a):
    BranchChannels.objects.create(organization=branch_a, quiet_from=dt.time(12, 0), quiet_until=dt.time(14, 0))
    with time_machine.travel(NOON, tick=False):
        notify_members([member.pk, outsider.pk], activity_notice(), key="activity:1:{member}")
    due = {d.notification.member: d.due_at for d in deliveries(Channel.SMS).select_related("notification__member")}
    assert due == {member: NOON.replace(hour=14), outsider: NOON}


def test_the_fan_out_of_a_batch_costs_the_same_queries_for_any_size(branch_a, django_assert_num_queries):
    members = [MemberFactory(organization=branch_a, user=UserFactory(email=f"{n}@example.org")) for n in range(30)]
    BranchChannels.objects.create(organization=branch_a, wecom_webhook=WEBHOOK)
    # With the settings cache warm: inbox, branches, SMS, email, the batch's
    # places, group notice, WeCom delivery.
    notify_members([members[0].pk], activity_notice(), key="warm:{member}")
    Notification.objects.all().delete()
    with django_assert_num_queries(7):
        notify_members([m.pk for m in members], activity_notice(), key="activity:1:{member}")
    assert deliveries(Channel.SMS).count() == 30
    assert deliveries(Channel.EMAIL).count() == 30


def test_the_wecom_robot_gets_one_summary_per_branch_not_one_per_member(branch_a):
    BranchChannels.objects.create(organization=branch_a, wecom_webhook=WEBHOOK)
    first, second = MemberFactory(organization=branch_a), MemberFactory(organization=branch_a)
    notify_members([first.pk], activity_notice(), key="activity:1:{member}")
    notify_members([second.pk], activity_notice(), key="activity:1:{member}")
    group = Notification.objects.get(organization=branch_a)
    assert group.key == f"group:activity:1:{branch_a.pk}"
    assert deliveries(Channel.WECOM).get().notification == group


def test_a_rerun_of_the_fan_out_queues_nothing_twice(member, branch_a):
    BranchChannels.objects.create(organization=branch_a, wecom_webhook=WEBHOOK)
    for _ in range(2):
        notify_members([member.pk], activity_notice(), key="activity:1:{member}")
    assert Notification.objects.count() == 2
    assert Delivery.objects.count() == 2


def test_a_branch_template_rewords_the_notice_and_a_site_wide_one_the_others(member, outsider, branch_a):
    MessageTemplate.objects.create(
        organization=branch_a, kind="activity_day", language="zh-hans", title="【{branch}】{title}"
    )
    MessageTemplate.objects.create(kind="activity_day", language="zh-hans", title="全站：{title}", body="{body}！")
    notify_members([member.pk, outsider.pk], activity_notice(), key="activity:1:{member}")
    mine = Notification.objects.get(member=member)
    theirs = Notification.objects.get(member=outsider)
    assert (mine.title, mine.body) == (f"【{branch_a.name}】今天是统一活动日", "请大家按时签到")
    assert (theirs.title, theirs.body) == ("全站：今天是统一活动日", "请大家按时签到！")


# --- the deliver sweep ------------------------------------------------------------------------


def queue(member, **kwargs):
    with time_machine.travel(NOON, tick=False):
        notify_members([member.pk], activity_notice(**kwargs), key="activity:1:{member}")


def test_the_deliver_sweep_is_registered():
    assert REGISTRY["deliver"] is deliver.deliver


def test_a_due_sms_is_sent_and_recorded(member, sms_outbox):
    queue(member)
    counts = deliver.deliver_due(NOON)
    row = deliveries(Channel.SMS).get()
    assert counts["sent"] == 1
    assert (row.status, row.attempts) == (Delivery.Status.SENT, 1)
    assert row.sent_at is not None
    assert [m.phone for m in sms_outbox] == [member.phone]
    assert "今天是统一活动日" in sms_outbox[0].text


def test_an_sms_waiting_for_quiet_hours_is_not_sent_before_they_end(member, sms_outbox):
    with time_machine.travel(dt.datetime(2026, 7, 6, 23, 0, tzinfo=SHANGHAI), tick=False):
        notify_members([member.pk], activity_notice(), key="activity:1:{member}")
    deliver.deliver_due(dt.datetime(2026, 7, 7, 6, 59, tzinfo=SHANGHAI))
    assert sms_outbox == []
    deliver.deliver_due(dt.datetime(2026, 7, 7, 7, 0, tzinfo=SHANGHAI))
    assert len(sms_outbox) == 1


def test_rerunning_the_sweep_never_sends_twice(member, sms_outbox):
    queue(member)
    deliver.deliver_due(NOON)
    deliver.deliver_due(NOON + dt.timedelta(hours=1))
    assert len(sms_outbox) == 1


def test_two_sweeps_at_once_send_each_delivery_once(member, sms_outbox):
    queue(member)
    seen_by_first = deliver.due_deliveries(NOON)
    seen_by_second = deliver.due_deliveries(NOON)
    assert [deliver.deliver_one(d, NOON) for d in seen_by_second] == [Delivery.Status.SENT]
    assert [deliver.deliver_one(d, NOON) for d in seen_by_first] == [None]
    assert len(sms_outbox) == 1


def test_a_claimed_delivery_whose_worker_died_is_sent_after_the_lease(member, sms_outbox):
    queue(member)
    row = deliveries(Channel.SMS).get()
    assert deliver.claim(row, NOON)
    deliver.deliver_due(NOON + dt.timedelta(minutes=4))
    assert sms_outbox == []
    deliver.deliver_due(NOON + deliver.LEASE)
    assert len(sms_outbox) == 1


def test_transient_failures_back_off_1_5_30_minutes_then_fail(member):
    queue(member)
    now = NOON
    with mock.patch("notifications.transports.send_sms", side_effect=SMSError("gateway busy")):
        for wait in (1, 5, 30):
            deliver.deliver_due(now)
            row = deliveries(Channel.SMS).get()
            assert row.status == Delivery.Status.QUEUED
            assert row.due_at == now + dt.timedelta(minutes=wait)
            now = row.due_at
        deliver.deliver_due(now)
    row = deliveries(Channel.SMS).get()
    assert (row.status, row.attempts, row.last_error) == (Delivery.Status.FAILED, 4, "gateway busy")


def test_a_permanent_failure_fails_at_once(member):
    queue(member)
    with mock.patch("notifications.transports.send_sms", side_effect=SMSError("empty number", permanent=True)):
        deliver.deliver_due(NOON)
    row = deliveries(Channel.SMS).get()
    assert (row.status, row.attempts, row.last_error) == (Delivery.Status.FAILED, 1, "empty number")


def test_one_failing_channel_does_not_hold_up_the_others(branch_a, sms_outbox):
    member = MemberFactory(organization=branch_a, user=UserFactory(email="bob@example.org"))
    BranchChannels.objects.create(organization=branch_a, wecom_webhook=WEBHOOK)
    queue(member)
    with mock.patch("branches.http.urlopen", side_effect=RuntimeError(WEBHOOK)):
        counts = deliver.deliver_due(NOON)
    assert counts == {"sent": 2, "retry": 1, "failed": 0, "skipped": 0}
    assert len(sms_outbox) == 1
    assert len(mail.outbox) == 1
    assert WEBHOOK not in deliveries(Channel.WECOM).get().last_error


def test_resend_queues_only_failed_deliveries_from_scratch(branch_a):
    queue(MemberFactory(organization=branch_a, user=UserFactory(email="bob@example.org")))
    deliveries(Channel.SMS).update(status=Delivery.Status.FAILED, attempts=4, last_error="x")
    deliveries(Channel.EMAIL).update(status=Delivery.Status.SENT, attempts=1)
    assert deliver.resend(Delivery.objects.all()) == 1
    row = deliveries(Channel.SMS).get()
    assert (row.status, row.attempts, row.last_error) == (Delivery.Status.QUEUED, 0, "")
    assert deliveries(Channel.EMAIL).get().status == Delivery.Status.SENT


# --- transports -------------------------------------------------------------------------------


def sms_delivery(member):
    queue(member)
    return deliveries(Channel.SMS).select_related("notification__member__user").get()


def test_sms_transport_turns_a_backend_error_into_a_transport_error(member):
    delivery = sms_delivery(member)
    with (
        mock.patch("notifications.transports.send_sms", side_effect=SMSError("no", permanent=True)),
        pytest.raises(TransportError) as raised,
    ):
        SMSTransport().notify(delivery)
    assert raised.value.permanent


def test_email_transport_sends_to_the_members_login_address(branch_a):
    member = MemberFactory(organization=branch_a, user=UserFactory(email="bob@example.org"))
    queue(member)
    EmailTransport().notify(deliveries(Channel.EMAIL).get())
    assert mail.outbox[0].to == ["bob@example.org"]
    assert mail.outbox[0].subject == "今天是统一活动日"


def test_email_transport_fails_permanently_without_an_address(branch_a):
    member = MemberFactory(organization=branch_a, user=UserFactory(email="bob@example.org"))
    queue(member)
    row = deliveries(Channel.EMAIL).get()
    member.user.email = ""
    member.user.save()
    row = Delivery.objects.select_related("notification__member__user").get(pk=row.pk)
    with pytest.raises(TransportError, match="no email address") as raised:
        EmailTransport().notify(row)
    assert raised.value.permanent


def test_email_transport_treats_a_lost_connection_as_transient(branch_a):
    member = MemberFactory(organization=branch_a, user=UserFactory(email="bob@example.org"))
    queue(member)
    with (
        mock.patch("notifications.transports.send_mail", side_effect=ConnectionRefusedError()),
        pytest.raises(TransportError) as raised,
    ):
        EmailTransport().notify(deliveries(Channel.EMAIL).get())
    assert not raised.value.permanent


def wecom_delivery(branch_a):
    BranchChannels.objects.create(organization=branch_a, wecom_webhook=WEBHOOK)
    queue(MemberFactory(organization=branch_a))
    return deliveries(Channel.WECOM).get()


def test_wecom_transport_posts_the_summary_as_text(branch_a):
    delivery = wecom_delivery(branch_a)
    with mock.patch("branches.http.urlopen", return_value=answer({"errcode": 0, "errmsg": "ok"})) as urlopen:
        WeComTransport().notify(delivery)
    request = urlopen.call_args.args[0]
    assert request.full_url == WEBHOOK
    assert urlopen.call_args.kwargs["timeout"] == 5
    assert json.loads(request.data) == {"msgtype": "text", "text": {"content": "今天是统一活动日\n请大家按时签到"}}


@pytest.mark.parametrize(
    ("outcome", "permanent"),
    [
        (answer({"errcode": 45009, "errmsg": "api freq out of limit"}), False),
        (answer({"errcode": 93000, "errmsg": "invalid webhook url"}), True),
        (http_error(502), False),
        (http_error(404), True),
        (TimeoutError("timed out"), False),
        (urllib.error.URLError(ConnectionRefusedError()), False),
    ],
)
def test_wecom_transport_tells_transient_from_permanent_failures(branch_a, outcome, permanent):
    delivery = wecom_delivery(branch_a)
    kwargs = {"side_effect": outcome} if isinstance(outcome, Exception) else {"return_value": outcome}
    with mock.patch("branches.http.urlopen", **kwargs), pytest.raises(TransportError) as raised:
        WeComTransport().notify(delivery)
    assert raised.value.permanent is permanent
    assert "secret-robot-key" not in str(raised.value)


def test_the_webhook_never_appears_in_the_log(branch_a, caplog):
    wecom_delivery(branch_a)
    caplog.set_level(logging.DEBUG)
    with mock.patch("branches.http.urlopen", side_effect=http_error(500)):
        deliver.deliver_due(NOON)
    assert "WeCom HTTP 500" in caplog.text
    assert "secret-robot-key" not in caplog.text


def test_the_webhook_is_masked_to_its_last_four_characters():
    assert mask_webhook(WEBHOOK) == "https://qyapi.weixin.qq.com/…key=****abcd"
    assert mask_webhook("") == ""
