"""One class per way out: SMS, email and the WeCom group robot.

Each ``notify(delivery)`` sends one queued delivery or raises
``TransportError``; its ``permanent`` flag tells the delivery sweep whether a
retry could succeed. Error messages name what went wrong, never a secret (the
robot's webhook key, the gateway token) nor a whole phone number.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.mail import send_mail

from branches import http
from members.sms import SMSError, send_sms

from .models import BranchChannels, Channel, Delivery, Notification

# WeCom answers HTTP 200 with an errcode; this one means "too many messages, slow down".
WECOM_RATE_LIMITED = 45009
WECOM_TIMEOUT = 5


class TransportError(Exception):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport:
    def notify(self, delivery: Delivery) -> None:
        raise NotImplementedError


def _text(notification: Notification) -> str:
    return "\n".join(part for part in (notification.title, notification.body) if part)


class SMSTransport(Transport):
    def notify(self, delivery: Delivery) -> None:
        member = delivery.notification.member
        if member is None or not member.phone:
            raise TransportError("no phone number", permanent=True)
        try:
            send_sms(member.phone, _text(delivery.notification))
        except SMSError as exc:
            raise TransportError(str(exc), permanent=exc.permanent) from None


class EmailTransport(Transport):
    def notify(self, delivery: Delivery) -> None:
        notification = delivery.notification
        member = notification.member
        address = member.user.email if member is not None and member.user is not None else ""
        if not address:
            raise TransportError("no email address", permanent=True)
        try:
            send_mail(notification.title, notification.body, settings.DEFAULT_FROM_EMAIL, [address])
        except OSError as exc:
            # smtplib's errors are OSErrors: a refused or lost connection may work later.
            raise TransportError(f"email not sent ({type(exc).__name__})", permanent=False) from None


class WeComTransport(Transport):
    """Posts the notice's summary to the branch's or group's WeCom group robot."""

    def notify(self, delivery: Delivery) -> None:
        notification = delivery.notification
        webhook = (
            BranchChannels.objects.filter(organization_id=notification.organization_id)
            .values_list("wecom_webhook", flat=True)
            .first()
        )
        if not webhook:
            raise TransportError("no WeCom webhook", permanent=True)
        try:
            answer = http.post_json(
                webhook, {"msgtype": "text", "text": {"content": _text(notification)}}, timeout=WECOM_TIMEOUT
            )
        except http.HttpError as exc:
            raise TransportError(f"WeCom {exc}", permanent=exc.permanent) from None
        try:
            result = json.loads(answer)
            errcode = int(result.get("errcode", 0))
        except (ValueError, TypeError, AttributeError):
            raise TransportError("WeCom answered something that is not JSON", permanent=False) from None
        if errcode == WECOM_RATE_LIMITED:
            raise TransportError(f"WeCom rate limit (errcode {errcode})", permanent=False)
        if errcode != 0:
            # errmsg is WeCom's own text; it does not echo the key.
            raise TransportError(f"WeCom errcode {errcode}: {str(result.get('errmsg', ''))[:200]}", permanent=True)


TRANSPORTS: dict[str, type[Transport]] = {
    Channel.SMS: SMSTransport,
    Channel.EMAIL: EmailTransport,
    Channel.WECOM: WeComTransport,
}


def mask_webhook(url: str) -> str:
    """``https://qyapi.weixin.qq.com/…key=****abcd``: enough to recognize the robot, not to use it."""
    if not url:
        return ""
    parts = urlsplit(url)
    key = (parse_qs(parts.query).get("key") or [""])[0]
    tail = key[-4:] if len(key) > 8 else ""
    return f"{parts.scheme}://{parts.hostname or ''}/…key=****{tail}"
