"""Pluggable SMS backends, chosen by ``settings.SMS_BACKEND`` like EMAIL_BACKEND.

Login codes need SMS, so the transport lives here at the members layer; the
notification channels build on the same backends.
"""

from __future__ import annotations

import logging
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


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str) -> None:
    get_backend().send(SMSMessage(phone=phone, text=text))
