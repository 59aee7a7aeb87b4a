"""Pluggable SMS backends, chosen by ``settings.SMS_BACKEND`` like EMAIL_BACKEND.

Login codes need SMS, so the transport lives here at the members layer; the
notification channels build on the same backends.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .validators import mask_phone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SMSMessage:
    phone: str
    text: str


class SMSError(Exception):
    """Sending failed. ``permanent`` says whether a retry could succeed."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class BaseBackend:
    def send(self, message: SMSMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Development: writes each message to the log (the worker's or runserver's console)."""

    def send(self, message: SMSMessage) -> None:
        logger.warning("SMS to %s: %s", message.phone, message.text)


class LocmemBackend(BaseBackend):
    """Tests: keeps messages in ``outbox``, like Django's locmem email backend."""

    outbox: list[SMSMessage] = []

    def send(self, message: SMSMessage) -> None:
        type(self).outbox.append(message)
        logger.info("SMS to %s kept in outbox", mask_phone(message.phone))


class HttpGatewayBackend(BaseBackend):
    """A generic HTTP SMS gateway: POSTs ``SMS_GATEWAY_TEMPLATE`` to ``SMS_GATEWAY_URL``.

    The template is a JSON document; ``{phone}`` and ``{text}`` inside its
    strings are replaced after parsing, so a quote in the text cannot break
    the JSON. The token travels as a bearer credential and is never logged,
    nor put into an error message.
    """

    timeout = 5

    def send(self, message: SMSMessage) -> None:
        payload = _fill(json.loads(settings.SMS_GATEWAY_TEMPLATE), message)
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            settings.SMS_GATEWAY_URL,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            # 429 is the gateway asking us to slow down: worth a retry, like 5xx.
            permanent = 400 <= exc.code < 500 and exc.code != 429
            raise SMSError(f"SMS gateway answered HTTP {exc.code}", permanent=permanent) from None
        except OSError as exc:  # URLError, timeouts, refused connections
            reason = getattr(exc, "reason", exc)
            raise SMSError(f"SMS gateway unreachable ({type(reason).__name__})", permanent=False) from None
        logger.info("SMS to %s handed to the gateway", mask_phone(message.phone))


def _fill(value, message: SMSMessage):
    if isinstance(value, str):
        return value.replace("{phone}", message.phone).replace("{text}", message.text)
    if isinstance(value, list):
        return [_fill(item, message) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, message) for key, item in value.items()}
    return value


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str) -> None:
    get_backend().send(SMSMessage(phone=phone, text=text))
