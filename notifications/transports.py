"""One class per way out: SMS, email and the WeCom group robot.

Each ``notify(delivery)`` sends one queued delivery or raises
``TransportError``; its ``permanent`` flag tells the delivery sweep whether a
retry could succeed. Error messages name what went wrong, never a secret (the
robot's webhook key, the gateway token) nor a whole phone number.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail

from branches import http
from members.sms import SMSError, send_sms
from members.sms_templates import SMSTemplateError, notification_params

from . import wecom_app
from .models import BranchChannels, Channel, Delivery, MemberChannels, Notification

# WeCom answers HTTP 200 with an errcode; this one means "too many messages, slow down".
WECOM_RATE_LIMITED = 45009
WECOM_TIMEOUT = 5


class TransportError(Exception):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport:
    def notify(self, delivery: Delivery) -> str | None:
        """Send the delivery; returns the provider's id of the message when it gives one."""
        raise NotImplementedError


def _text(notification: Notification) -> str:
    return "\n".join(part for part in (notification.title, notification.body) if part)


class SMSTransport(Transport):
    """The notice as its kind's SMS template (``members.sms_templates``), filled from the notification."""

    def notify(self, delivery: Delivery) -> str:
        notification = delivery.notification
        member = notification.member
        if member is None or not member.phone:
            raise TransportError("no phone number", permanent=True)
        try:
            params = notification_params(notification)
        except SMSTemplateError as exc:
            raise TransportError(f"no SMS for this notice: {exc}", permanent=True) from None
        try:
            return send_sms(member.phone, notification.kind, params)
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


# --- WeCom application messages to one member ---------------------------------------------------

# Invalid or expired access token: drop it, fetch a new one and send once more.
WECOM_TOKEN_REFUSED = frozenset({40014, 42001})
# The user id names nobody the application may reach: a retry cannot help.
WECOM_NO_SUCH_USER = frozenset({81013, 60111, 40003})
# WeCom is busy: worth a retry.
WECOM_BUSY = -1
# The cached token is dropped this long before WeCom's expiry, so none is used as it runs out.
WECOM_TOKEN_MARGIN = 300


def _wecom_token_key() -> str:
    # A new secret (or app) gets a new token: the key changes with a digest of the secret, never the secret.
    digest = hashlib.sha256(settings.WECOM_APP_SECRET.encode()).hexdigest()[:12]
    return f"wecom_app:token:{settings.WECOM_CORP_ID}:{settings.WECOM_AGENT_ID}:{digest}"


def _wecom_answer(answer: bytes, call: str) -> tuple[int, dict]:
    try:
        result = json.loads(answer)
        return int(result.get("errcode", 0)), result
    except (ValueError, TypeError, AttributeError):
        raise TransportError(f"WeCom {call} answered something that is not JSON", permanent=False) from None


class WeComAppTransport(Transport):
    """Sends the notice as a text message from the WeCom application to the member's WeCom user id.

    The access token is shared by every worker through the cache until a margin before
    WeCom's expiry; an answer saying it is invalid or expired drops it, and the message
    goes once more with a fresh one. Errors name the errcode, never the token or the secret.
    """

    def notify(self, delivery: Delivery) -> None:
        notification = delivery.notification
        userid = (
            MemberChannels.objects.filter(member_id=notification.member_id)
            .values_list("wecom_userid", flat=True)
            .first()
            if notification.member_id is not None
            else None
        )
        if not userid:
            raise TransportError("no WeCom user id", permanent=True)
        if not wecom_app.configured():
            raise TransportError("WeCom application not configured", permanent=True)
        try:
            agent_id = int(settings.WECOM_AGENT_ID)
        except ValueError:
            raise TransportError("WECOM_AGENT_ID is not a number", permanent=True) from None
        payload = {"touser": userid, "msgtype": "text", "agentid": agent_id, "text": {"content": _text(notification)}}
        errcode, result = self._send(self._token(fresh=False), payload)
        if errcode in WECOM_TOKEN_REFUSED:
            errcode, result = self._send(self._token(fresh=True), payload)
        if errcode == 0:
            # WeCom answers 0 when some of the addressees were skipped, and lists them.
            if userid in str(result.get("invaliduser", "")).split("|"):
                raise TransportError("WeCom user not found (invaliduser)", permanent=True)
            return
        if errcode in (WECOM_RATE_LIMITED, WECOM_BUSY) or errcode in WECOM_TOKEN_REFUSED:
            raise TransportError(f"WeCom message not sent, try later (errcode {errcode})", permanent=False)
        if errcode in WECOM_NO_SUCH_USER:
            raise TransportError(f"WeCom user not found (errcode {errcode})", permanent=True)
        raise TransportError(f"WeCom errcode {errcode}: {str(result.get('errmsg', ''))[:200]}", permanent=True)

    def _send(self, token: str, payload: dict) -> tuple[int, dict]:
        url = f"{settings.WECOM_API_BASE.rstrip('/')}/cgi-bin/message/send?access_token={token}"
        try:
            answer = http.post_json(url, payload, timeout=WECOM_TIMEOUT)
        except http.HttpError as exc:
            raise TransportError(f"WeCom message/send {exc}", permanent=exc.permanent) from None
        return _wecom_answer(answer, "message/send")

    def _token(self, *, fresh: bool) -> str:
        key = _wecom_token_key()
        if not fresh:
            token = cache.get(key)
            if token:
                return token
        try:
            answer = http.get(
                f"{settings.WECOM_API_BASE.rstrip('/')}/cgi-bin/gettoken",
                params={"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_APP_SECRET},
                timeout=WECOM_TIMEOUT,
            )
        except http.HttpError as exc:
            raise TransportError(f"WeCom gettoken {exc}", permanent=False) from None
        errcode, result = _wecom_answer(answer, "gettoken")
        token = result.get("access_token")
        if errcode or not token:
            # A wrong corp id or secret is the operator's to fix; the delivery waits for it.
            raise TransportError(f"WeCom gettoken refused (errcode {errcode})", permanent=False)
        expires_in = int(result.get("expires_in") or 7200)
        cache.set(key, token, max(expires_in - WECOM_TOKEN_MARGIN, 60))
        return token


TRANSPORTS[Channel.WECOM_APP] = WeComAppTransport
