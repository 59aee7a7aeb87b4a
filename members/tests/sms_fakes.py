"""Local stand-ins for the Aliyun and Tencent Cloud SMS APIs, spoken to by the real SDKs.

Each fake is a small threaded HTTP server on 127.0.0.1 that records every
request (path, query, headers, JSON body) and answers the way the provider
does: success by default, or whatever a test queued with ``answer()``.
The backends reach it through ``ALIYUN_SMS_ENDPOINT`` / ``TENCENT_SMS_ENDPOINT``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from members.sms_templates import KINDS

ALIYUN_KEY_ID = "LTAI-test-key-id"
ALIYUN_SECRET = "aliyun-secret-never-logged"
TENCENT_SECRET_ID = "AKID-test-secret-id"
TENCENT_SECRET_KEY = "tencent-key-never-logged"
TENCENT_APP_ID = "1400000001"
SIGN_NAME = "网络党支部"

# A template code per kind and provider, as an operator configures SMS_TEMPLATES.
TEMPLATES = {
    name: {"aliyun": f"SMS_{100 + index}", "tencent": str(2000 + index)} for index, name in enumerate(sorted(KINDS))
}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: object = None
    delay: float = 0.0
    content_type: str = "application/json"


@dataclass
class FakeProvider:
    name: str
    requests: list[Recorded] = field(default_factory=list)
    answers: deque = field(default_factory=deque)
    sent: int = 0

    def answer(self, body: object = None, *, status: int = 200, delay: float = 0.0, **kwargs) -> None:
        """Queue the next answer; once the queue is empty every request succeeds."""
        self.answers.append(Answer(status=status, body=body, delay=delay, **kwargs))

    def start(self) -> FakeProvider:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                recorded = Recorded(
                    method="POST",
                    path=parts.path,
                    query={key: values[0] for key, values in parse_qs(parts.query).items()},
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                fake.requests.append(recorded)
                answer = fake.answers.popleft() if fake.answers else Answer()
                if answer.delay:
                    time.sleep(answer.delay)
                body = answer.body if answer.body is not None else fake.success(recorded)
                payload = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def success(self, request: Recorded) -> dict:
        self.sent += 1
        if self.name == "aliyun":
            return {"Code": "OK", "Message": "OK", "BizId": f"9{self.sent:05d}^0", "RequestId": f"req-{self.sent}"}
        phone = request.json["PhoneNumberSet"][0]
        return {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": f"2433:{self.sent:05d}",
                        "PhoneNumber": phone,
                        "Fee": 1,
                        "SessionContext": "",
                        "Code": "Ok",
                        "Message": "send success",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": f"req-{self.sent}",
            }
        }


def tencent_status(code: str, message: str = "") -> dict:
    """A Tencent answer whose one send status carries ``code``."""
    status = {"SerialNo": "", "PhoneNumber": "+8613800138000", "Fee": 0, "Code": code, "Message": message}
    return {"Response": {"SendStatusSet": [status], "RequestId": "req-x"}}


def tencent_error(code: str, message: str = "") -> dict:
    """A Tencent answer refusing the whole request."""
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "req-x"}}


def closed_port_url() -> str:
    """An address nobody listens on: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def aliyun(settings):
    fake = FakeProvider("aliyun").start()
    settings.SMS_BACKEND = "members.sms.AliyunBackend"
    settings.ALIYUN_SMS_ENDPOINT = fake.url
    settings.ALIYUN_SMS_ACCESS_KEY_ID = ALIYUN_KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ALIYUN_SECRET
    settings.ALIYUN_SMS_SIGN_NAME = SIGN_NAME
    settings.SMS_TEMPLATES = TEMPLATES
    settings.SMS_PROVIDER_TIMEOUT = 1.0
    yield fake
    fake.stop()


@pytest.fixture
def tencent(settings):
    fake = FakeProvider("tencent").start()
    settings.SMS_BACKEND = "members.sms.TencentBackend"
    settings.TENCENT_SMS_ENDPOINT = fake.url
    settings.TENCENT_SMS_SECRET_ID = TENCENT_SECRET_ID
    settings.TENCENT_SMS_SECRET_KEY = TENCENT_SECRET_KEY
    settings.TENCENT_SMS_SDK_APP_ID = TENCENT_APP_ID
    settings.TENCENT_SMS_SIGN_NAME = SIGN_NAME
    settings.SMS_TEMPLATES = TEMPLATES
    settings.SMS_PROVIDER_TIMEOUT = 1.0
    yield fake
    fake.stop()


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request):
    """Each provider in turn, through its fake."""
    return request.getfixturevalue(request.param)


def sent_values(fake: FakeProvider, request: Recorded | None = None) -> dict:
    """Template, signature, phone and values of one request, read the way the provider reads them."""
    request = request or fake.requests[-1]
    if fake.name == "aliyun":
        query = request.query
        return {
            "template": query["TemplateCode"],
            "sign": query["SignName"],
            "phone": query["PhoneNumbers"],
            "params": json.loads(query["TemplateParam"]),
        }
    body = request.json
    return {
        "template": body["TemplateId"],
        "sign": body["SignName"],
        "phone": body["PhoneNumberSet"][0],
        "params": body["TemplateParamSet"],
        "app": body["SmsSdkAppId"],
    }
