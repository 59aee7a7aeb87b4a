"""WeCom application messages to one member, against a local fake of WeCom's API.

The fake answers ``cgi-bin/gettoken`` and ``cgi-bin/message/send`` over real HTTP on a
threaded server, so the transport goes through ``branches.http`` as in production.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import logging
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from branches import http as outgoing
from members.tests.factories import MemberFactory, UserFactory
from notifications import delivery as deliver
from notifications.models import Channel, Delivery, MemberChannels
from notifications.services import Notice, notify_members
from notifications.transports import TRANSPORTS, WeComAppTransport
from notifications.wecom_app import mask_userid

pytestmark = pytest.mark.django_db

CORP_ID = "ww-test-corp"
AGENT_ID = "1000002"
SECRET = "wecom-app-secret-never-logged"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOON = dt.datetime(2026, 7, 6, 12, 0, tzinfo=SHANGHAI)


class FakeWeCom(http.server.ThreadingHTTPServer):
    """WeCom's gettoken and message/send; ``send_answers`` are given, in order, before the normal ones."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.valid_tokens: set[str] = set()
        self.token_requests: list[dict] = []
        self.sent: list[dict] = []
        self.send_answers: list[dict | int] = []
        self._serial = 0
        self.lock = threading.Lock()

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FakeWeCom

    def log_message(self, *args) -> None:
        pass

    def _answer(self, payload: dict, status: int = 200) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path != "/cgi-bin/gettoken":
            return self._answer({"errcode": 404}, status=404)
        with self.server.lock:
            self.server.token_requests.append(query)
            if query.get("corpid") != CORP_ID or query.get("corpsecret") != SECRET:
                return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
            self.server._serial += 1
            token = f"token-{self.server._serial}"
            self.server.valid_tokens.add(token)
        self._answer({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        token = parse_qs(parts.query).get("access_token", [""])[0]
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if parts.path != "/cgi-bin/message/send":
            return self._answer({"errcode": 404}, status=404)
        with self.server.lock:
            if token not in self.server.valid_tokens:
                return self._answer({"errcode": 42001, "errmsg": "access_token expired"})
            answer = self.server.send_answers.pop(0) if self.server.send_answers else {"errcode": 0, "errmsg": "ok"}
            if isinstance(answer, int):
                return self._answer({"errcode": -1}, status=answer)
            if answer.get("errcode", 0) == 0:
                self.server.sent.append(payload)
        self._answer(answer)


@pytest.fixture
def wecom(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = FakeWeCom()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_AGENT_ID = AGENT_ID
    settings.WECOM_APP_SECRET = SECRET
    settings.WECOM_API_BASE = server.url
    settings.NOTIFICATION_WECOM_APP_KINDS = ["reminder", "activity_day"]
    cache.clear()
    yield server
    server.shutdown()
    server.server_close()
    cache.clear()


@pytest.fixture
def mapped(member):
    MemberChannels.objects.create(member=member, wecom_userid="ZhangSan")
    return member


def reminder(**kwargs) -> Notice:
    return Notice(kind="reminder", title="还有3天就是统一活动日", body="请按时参加学习", **kwargs)


def wecom_deliveries():
    return Delivery.objects.filter(channel=Channel.WECOM_APP)


# --- routing ---------------------------------------------------------------------------------


def test_a_wecom_message_reaches_the_mapped_member_and_the_delivery_is_marked_sent(wecom, mapped):
    with time_machine.travel(NOON):
        notify_members([mapped.pk], reminder(), key="remind:1:{member}")
        assert wecom_deliveries().get().status == Delivery.Status.QUEUED
        assert deliver.deliver_due()["sent"] >= 1
    assert wecom.sent == [
        {
            "touser": "ZhangSan",
            "msgtype": "text",
            "agentid": 1000002,
            "text": {"content": "还有3天就是统一活动日\n请按时参加学习"},
        }
    ]
    delivery = wecom_deliveries().get()
    assert delivery.status == Delivery.Status.SENT and delivery.sent_at is not None and delivery.attempts == 1


def test_members_without_a_mapping_or_who_turned_it_off_get_no_wecom_delivery(wecom, mapped, branch_a):
    unmapped = MemberFactory(organization=branch_a)
    switched_off = MemberFactory(organization=branch_a)
    MemberChannels.objects.create(member=switched_off, wecom_userid="lisi", wecom_app=False)
    notify_members([mapped.pk, unmapped.pk, switched_off.pk], reminder(), key="remind:2:{member}")
    assert list(wecom_deliveries().values_list("notification__member", flat=True)) == [mapped.pk]


def test_kinds_outside_the_setting_and_an_unconfigured_site_send_nothing(wecom, mapped, settings):
    notify_members([mapped.pk], Notice(kind="leave", title="请假已批准"), key="leave:1:{member}")
    settings.WECOM_APP_SECRET = ""
    notify_members([mapped.pk], reminder(), key="remind:3:{member}")
    assert not wecom_deliveries().exists()


def test_the_wecom_channel_is_registered_with_the_transports():
    assert TRANSPORTS[Channel.WECOM_APP] is WeComAppTransport


def test_a_wecom_message_written_in_quiet_hours_waits_for_them_to_end_unless_urgent(wecom, mapped, branch_a):
    late = dt.datetime(2026, 7, 6, 23, 0, tzinfo=SHANGHAI)
    with time_machine.travel(late):
        notify_members([mapped.pk], reminder(), key="remind:4:{member}")
        notify_members([mapped.pk], reminder(urgent=True), key="remind:5:{member}")
        deliver.deliver_due()
    assert len(wecom.sent) == 1
    waiting = wecom_deliveries().get(status=Delivery.Status.QUEUED)
    assert waiting.due_at == dt.datetime(2026, 7, 7, 7, 0, tzinfo=SHANGHAI)
    with time_machine.travel(dt.datetime(2026, 7, 7, 7, 1, tzinfo=SHANGHAI)):
        deliver.deliver_due()
    assert len(wecom.sent) == 2


def test_queueing_and_sending_twice_sends_once(wecom, mapped):
    with time_machine.travel(NOON):
        notify_members([mapped.pk], reminder(), key="remind:6:{member}")
        notify_members([mapped.pk], reminder(), key="remind:6:{member}")
        deliver.deliver_due()
        deliver.deliver_due()
    assert wecom_deliveries().count() == 1
    assert len(wecom.sent) == 1


# --- WeCom's answers -------------------------------------------------------------------------


def test_a_rate_limited_answer_leaves_the_delivery_queued_for_a_retry(wecom, mapped):
    wecom.send_answers = [{"errcode": 45009, "errmsg": "api freq out of limit"}]
    with time_machine.travel(NOON, tick=False):
        notify_members([mapped.pk], reminder(), key="remind:7:{member}")
        assert deliver.deliver_due()["retry"] == 1
    delivery = wecom_deliveries().get()
    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 1
    assert "45009" in delivery.last_error
    assert delivery.due_at == NOON + deliver.BACKOFF[0]
    with time_machine.travel(NOON + deliver.BACKOFF[0]):
        deliver.deliver_due()
    assert wecom_deliveries().get().status == Delivery.Status.SENT
    assert len(wecom.sent) == 1


def test_an_expired_token_is_refreshed_once_and_the_message_sent(wecom, mapped):
    with time_machine.travel(NOON):
        notify_members([mapped.pk], reminder(), key="remind:8:{member}")
        notify_members([mapped.pk], reminder(), key="remind:9:{member}")
        deliver.deliver_due()
        assert len(wecom.token_requests) == 1  # both messages used the cached token
        wecom.expire_tokens()
        notify_members([mapped.pk], reminder(), key="remind:10:{member}")
        deliver.deliver_due()
    assert len(wecom.token_requests) == 2
    assert len(wecom.sent) == 3
    assert set(wecom_deliveries().values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_a_token_refused_twice_is_retried_later_not_given_up(wecom, mapped):
    wecom.send_answers = [{"errcode": 40014}, {"errcode": 40014}]
    with time_machine.travel(NOON):
        notify_members([mapped.pk], reminder(), key="remind:11:{member}")
        deliver.deliver_due()
    delivery = wecom_deliveries().get()
    assert delivery.status == Delivery.Status.QUEUED and "40014" in delivery.last_error
    assert len(wecom.token_requests) == 2


def test_the_cached_token_is_dropped_before_wecom_expires_it(wecom, mapped):
    with time_machine.travel(NOON, tick=False) as clock:
        WeComAppTransport()._token(fresh=False)
        clock.shift(7200 - 300 - 1)
        WeComAppTransport()._token(fresh=False)
        assert len(wecom.token_requests) == 1
        clock.shift(2)
        WeComAppTransport()._token(fresh=False)
    assert len(wecom.token_requests) == 2


@pytest.mark.parametrize(
    "answer",
    [{"errcode": 81013, "errmsg": "user & party & tag all invalid"}, {"errcode": 0, "invaliduser": "ZhangSan"}],
)
def test_an_unknown_user_id_fails_for_good(wecom, mapped, answer):
    wecom.send_answers = [answer]
    with time_machine.travel(NOON):
        notify_members([mapped.pk], reminder(), key="remind:12:{member}")
        assert deliver.deliver_due()["failed"] == 1
    delivery = wecom_deliveries().get()
    assert delivery.status == Delivery.Status.FAILED and "not found" in delivery.last_error


def test_a_server_error_is_retried(wecom, mapped):
    wecom.send_answers = [502]
    with time_machine.travel(NOON):
        notify_members([mapped.pk], reminder(), key="remind:13:{member}")
        deliver.deliver_due()
    delivery = wecom_deliveries().get()
    assert delivery.status == Delivery.Status.QUEUED and "HTTP 502" in delivery.last_error


def test_a_wrong_secret_keeps_the_delivery_queued_and_logs_no_secret(wecom, mapped, settings, caplog):
    settings.WECOM_APP_SECRET = "another-secret-value"
    caplog.set_level(logging.DEBUG)
    with time_machine.travel(NOON):
        notify_members([mapped.pk], reminder(), key="remind:14:{member}")
        deliver.deliver_due()
    delivery = wecom_deliveries().get()
    assert delivery.status == Delivery.Status.QUEUED and "40001" in delivery.last_error
    for text in (caplog.text, delivery.last_error):
        assert "another-secret-value" not in text and SECRET not in text and "corpsecret" not in text


def test_neither_the_secret_nor_the_token_is_logged(wecom, mapped, caplog):
    caplog.set_level(logging.DEBUG)
    wecom.send_answers = [{"errcode": 45009}]
    with time_machine.travel(NOON):
        notify_members([mapped.pk], reminder(), key="remind:15:{member}")
        deliver.deliver_due()
    assert wecom.valid_tokens
    for token in wecom.valid_tokens:
        assert token not in caplog.text
    assert SECRET not in caplog.text and "access_token=" not in caplog.text


def test_the_http_get_helper_keeps_its_parameters_out_of_errors(wecom):
    with pytest.raises(outgoing.HttpError) as error:
        outgoing.get(f"{wecom.url}/nowhere", params={"corpsecret": SECRET})
    assert error.value.status == 404 and error.value.permanent
    assert SECRET not in str(error.value)
    body = outgoing.get(f"{wecom.url}/cgi-bin/gettoken", params={"corpid": CORP_ID, "corpsecret": SECRET})
    assert json.loads(body)["access_token"]


# --- the secretary's mapping page ------------------------------------------------------------


def test_user_ids_are_masked():
    assert mask_userid("ZhangSan") == "Zh****an"
    assert mask_userid("abc") == "****"
    assert mask_userid("") == ""


def test_the_secretary_records_replaces_and_removes_a_member_s_wecom_user_id(client, secretary, member, branch_a):
    client.force_login(secretary)
    channels = client.get(reverse("notifications:branch_channels", args=[branch_a.pk])).content.decode()
    url = reverse("notifications:wecom_ids", args=[branch_a.pk])
    assert url in channels
    response = client.post(url, {"member": member.pk, "userid": " ZhangSan "}, follow=True)
    assert MemberChannels.objects.get(member=member).wecom_userid == "ZhangSan"
    page = response.content.decode()
    assert "Zh****an" in page and "ZhangSan" not in page
    client.post(url, {"member": member.pk, "userid": "zhang.san@corp"})
    assert MemberChannels.objects.get(member=member).wecom_userid == "zhang.san@corp"
    client.post(url, {"member": member.pk, "remove": "on"})
    assert MemberChannels.objects.get(member=member).wecom_userid == ""


def test_a_user_id_typed_in_chinese_gets_a_translated_error_and_changes_nothing(client, secretary, member, branch_a):
    MemberChannels.objects.create(member=member, wecom_userid="ZhangSan")
    client.force_login(secretary)
    url = reverse("notifications:wecom_ids", args=[branch_a.pk])
    response = client.post(url, {"member": member.pk, "userid": "张三 先生"})
    assert response.status_code == 200
    assert "企业微信账号为 1 至 64 位" in response.content.decode()
    response = client.post(url, {"member": member.pk, "userid": ""})
    assert response.status_code == 200
    assert MemberChannels.objects.get(member=member).wecom_userid == "ZhangSan"
    response = client.post(url, {"member": "not-a-number", "userid": "x"})
    assert response.status_code == 200


def test_another_branch_s_secretary_gets_404_and_changes_nothing(client, member, branch_a, branch_b):
    from branches.models import Role
    from branches.tests.factories import RoleFactory

    client.force_login(RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user)
    assert client.get(reverse("notifications:wecom_ids", args=[branch_a.pk])).status_code == 404
    # B's own page, naming A's member: not one of B's members.
    page_b = reverse("notifications:wecom_ids", args=[branch_b.pk])
    response = client.post(page_b, {"member": member.pk, "userid": "x1"})
    assert response.status_code == 404
    assert not MemberChannels.objects.filter(member=member).exists()


def test_a_plain_member_cannot_open_the_mapping_page(client, member, branch_a):
    client.force_login(member.user)
    assert client.get(reverse("notifications:wecom_ids", args=[branch_a.pk])).status_code == 404
    assert client.put(reverse("notifications:wecom_ids", args=[branch_a.pk])).status_code in (404, 405)


def test_the_mapping_page_refuses_other_methods(client, secretary, branch_a):
    client.force_login(secretary)
    assert client.put(reverse("notifications:wecom_ids", args=[branch_a.pk])).status_code == 405


@pytest.mark.parametrize("size", [3, 60])
def test_the_mapping_page_has_a_bounded_query_count(client, secretary, branch_a, size, django_assert_max_num_queries):
    for n in range(size):
        MemberChannels.objects.create(member=MemberFactory(organization=branch_a), wecom_userid=f"user{n:03d}")
    client.force_login(secretary)
    url = reverse("notifications:wecom_ids", args=[branch_a.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("****") == min(size, 50)


def test_a_group_s_page_lists_the_group_s_members(client, secretary, branch_a):
    from branches.tests.factories import GroupFactory

    group = GroupFactory(parent=branch_a, name="一组")
    inside = MemberFactory(name="组内党员", organization=branch_a, group=group)
    MemberFactory(name="组外党员", organization=branch_a, user=UserFactory())
    client.force_login(secretary)
    page = client.get(reverse("notifications:wecom_ids", args=[group.pk])).content.decode()
    assert inside.name in page and "组外党员" not in page


def test_a_mapped_member_can_turn_wecom_messages_off(client, wecom, mapped):
    client.force_login(mapped.user)
    page = client.get(reverse("notifications:channels")).content.decode()
    assert 'name="wecom_app"' in page
    client.post(reverse("notifications:channels"), {"sms": "on", "email": "on"})
    assert MemberChannels.objects.get(member=mapped).wecom_app is False
    notify_members([mapped.pk], reminder(), key="remind:16:{member}")
    assert not wecom_deliveries().exists()


def test_an_unmapped_member_is_not_offered_wecom_messages(client, wecom, member):
    client.force_login(member.user)
    assert 'name="wecom_app"' not in client.get(reverse("notifications:channels")).content.decode()
