import io
import json
import logging
import urllib.error
from unittest import mock

import pytest

from members.sms import HttpGatewayBackend, SMSError, SMSMessage

URL = "https://sms.example.org/send"
TOKEN = "gateway-token-1234567890"


@pytest.fixture
def gateway(settings):
    settings.SMS_GATEWAY_URL = URL
    settings.SMS_GATEWAY_TOKEN = TOKEN
    settings.SMS_GATEWAY_TEMPLATE = '{"to": "{phone}", "content": "【网络党支部】{text}", "ids": ["{phone}"]}'
    return HttpGatewayBackend()


def ok():
    response = mock.MagicMock()
    response.__enter__.return_value.read.return_value = b"{}"
    return response


def http_error(code):
    return urllib.error.HTTPError(URL, code, "error", {}, io.BytesIO(b""))


def test_the_gateway_receives_the_template_filled_in_as_json_with_the_token(gateway):
    with mock.patch("branches.http.urlopen", return_value=ok()) as urlopen:
        gateway.send(SMSMessage(phone="+8613800138000", text='签到 "6日"'))
    request = urlopen.call_args.args[0]
    assert request.full_url == URL
    assert request.get_header("Authorization") == f"Bearer {TOKEN}"
    assert urlopen.call_args.kwargs["timeout"] == 5
    assert json.loads(request.data) == {
        "to": "+8613800138000",
        "content": '【网络党支部】签到 "6日"',
        "ids": ["+8613800138000"],
    }


@pytest.mark.parametrize(
    ("error", "permanent"),
    [(http_error(503), False), (http_error(429), False), (http_error(400), True), (TimeoutError(), False)],
)
def test_gateway_failures_are_transient_for_5xx_and_timeouts_and_permanent_for_4xx(gateway, error, permanent):
    with mock.patch("branches.http.urlopen", side_effect=error), pytest.raises(SMSError) as raised:
        gateway.send(SMSMessage(phone="+8613800138000", text="hi"))
    assert raised.value.permanent is permanent


def test_the_gateway_token_and_the_whole_phone_never_reach_the_log(gateway, caplog):
    caplog.set_level(logging.DEBUG)
    with mock.patch("branches.http.urlopen", return_value=ok()):
        gateway.send(SMSMessage(phone="+8613800138000", text="hi"))
    with mock.patch("branches.http.urlopen", side_effect=http_error(500)), pytest.raises(SMSError) as raised:
        gateway.send(SMSMessage(phone="+8613800138000", text="hi"))
    assert caplog.records
    assert TOKEN not in caplog.text
    assert "13800138000" not in caplog.text
    assert TOKEN not in str(raised.value)
