"""Pluggable SMS backends, chosen by ``settings.SMS_BACKEND`` like EMAIL_BACKEND.

Login codes need SMS, so the transport lives here at the members layer; the
notification channels build on the same backends.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from branches import http

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
    """Development: writes each message to the log (the worker's or runserver's console).

    The text holds login codes, so it is written only with DEBUG on, where a
    developer needs the code to log in; the number is masked either way. The
    production settings refuse this backend.
    """

    def send(self, message: SMSMessage) -> None:
        if settings.DEBUG:
            logger.info("SMS to %s: %s", mask_phone(message.phone), message.text)
        else:
            logger.info("SMS to %s (%d characters, text withheld)", mask_phone(message.phone), len(message.text))


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
        try:
            http.post_json(
                settings.SMS_GATEWAY_URL,
                payload,
                headers={"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
                timeout=self.timeout,
            )
        except http.HttpError as exc:
            raise SMSError(f"SMS gateway {exc}", permanent=exc.permanent) from None
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


def signed(text: str) -> str:
    """The text with ``settings.SMS_SIGNATURE`` in front, once.

    Mainland carriers deliver only texts that open with the sender's
    registered signature (【…】); a text that already carries it keeps one.
    """
    signature = settings.SMS_SIGNATURE
    if not signature or text.lstrip().startswith(signature):
        return text
    return f"{signature}{text}"


def send_sms(phone: str, text: str) -> None:
    """Every SMS the site sends goes through here, so each one is signed."""
    get_backend().send(SMSMessage(phone=phone, text=signed(text)))
