"""Pluggable SMS backends, chosen by ``settings.SMS_BACKEND`` like EMAIL_BACKEND.

Login codes need SMS, so the transport lives here at the members layer; the
notification channels build on the same backends. Every text is one kind of
``members.sms_templates`` with its values: the template providers (Aliyun,
Tencent Cloud) get the template code and the values, the other backends the
text the site renders from the same values.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from branches import http

from . import sms_templates
from .validators import mask_phone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SMSMessage:
    phone: str
    # The site's own rendering, signed: what the development backends and the gateway send.
    text: str
    # What the template providers send: a kind of ``members.sms_templates`` and its values.
    kind: str = ""
    params: Mapping[str, str] = field(default_factory=dict)


class SMSError(Exception):
    """Sending failed. ``permanent`` says whether a retry could succeed."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class BaseBackend:
    def send(self, message: SMSMessage) -> str | None:
        """Send one text; returns the provider's id of the message when it gives one."""
        raise NotImplementedError

    @classmethod
    def configuration_problems(cls) -> list[str]:
        """What in the settings stops this backend from sending; empty when nothing does."""
        return []


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


def send_sms(phone: str, kind: str, params: Mapping[str, Any] | None = None) -> str:
    """Every SMS the site sends goes through here: one kind of text and its values, signed.

    Returns the provider's id of the message ("" when the backend gives none),
    which a delivery receipt names later.
    """
    values = sms_templates.clean_params(kind, params)
    text = signed(sms_templates.render(kind, values))
    return get_backend().send(SMSMessage(phone=phone, text=text, kind=kind, params=values)) or ""


# --- template providers ------------------------------------------------------------------


class TemplateBackend(BaseBackend):
    """A provider that sends approved templates: the template code per kind comes from SMS_TEMPLATES.

    Errors name the provider's code and the kind, never a credential, a
    whole phone number, or the provider's own text (which may quote them).
    """

    provider = ""
    # Settings that must be set for the backend to send; their values are never shown.
    required_settings: tuple[str, ...] = ()

    @classmethod
    def configuration_problems(cls) -> list[str]:
        problems = [f"{name} is not set" for name in cls.required_settings if not getattr(settings, name, "")]
        return problems + sms_templates.configuration_problems(cls.provider)

    def template(self, message: SMSMessage) -> str:
        if not message.kind:
            raise SMSError(f"{self.provider} SMS needs a kind of text, not free text", permanent=True)
        code = sms_templates.template_code(message.kind, self.provider)
        if not code:
            raise SMSError(f"no {self.provider} template configured for {message.kind!r}", permanent=True)
        return code

    @staticmethod
    def endpoint(url: str) -> tuple[str, str]:
        """``https://host[:port]`` as (protocol, host[:port]); a bare host means HTTPS."""
        parts = urlsplit(url if "//" in url else f"https://{url}")
        return parts.scheme or "https", parts.netloc

    @property
    def timeout(self) -> float:
        return float(settings.SMS_PROVIDER_TIMEOUT)


# Aliyun error codes (https://help.aliyun.com/zh/sms/developer-reference/api-error-codes).
# Limits and the provider's own trouble pass; a wrong number, template or
# signature, or a refused account, does not.
ALIYUN_TRANSIENT = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.DAY_LIMIT_CONTROL",
    "isv.MONTH_LIMIT_CONTROL",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE",
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "SignatureNonceUsed",
    "ServiceUnavailable",
    "InternalError",
}
ALIYUN_TRANSIENT_PREFIXES = ("Throttling", "isp.", "InternalError", "ServiceUnavailable")


def aliyun_is_permanent(code: str, status: int | None = None) -> bool:
    transient = code in ALIYUN_TRANSIENT or code.startswith(ALIYUN_TRANSIENT_PREFIXES)
    # Everything else (isv.*: number, template, signature, parameters, account) stays wrong on a retry.
    return not (transient or (status is not None and status >= 500))


def aliyun_phone(phone: str) -> str:
    """Aliyun takes mainland numbers without +86 and others with their country code, without +."""
    digits = phone.lstrip("+")
    return digits[2:] if phone.startswith("+86") else digits


class AliyunBackend(TemplateBackend):
    """阿里云短信 (Dysmsapi SendSms) through the official SDK; returns the BizId."""

    provider = "aliyun"
    required_settings = ("ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME")

    def client(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.models import Config

        protocol, host = self.endpoint(settings.ALIYUN_SMS_ENDPOINT)
        milliseconds = int(self.timeout * 1000)
        return Client(
            Config(
                access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID,
                access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
                endpoint=host,
                protocol=protocol,
                connect_timeout=milliseconds,
                read_timeout=milliseconds,
            )
        )

    def send(self, message: SMSMessage) -> str:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

        request = SendSmsRequest(
            phone_numbers=aliyun_phone(message.phone),
            sign_name=settings.ALIYUN_SMS_SIGN_NAME,
            template_code=self.template(message),
            template_param=json.dumps(dict(message.params), ensure_ascii=False),
        )
        try:
            response = self.client().send_sms(request)
        except AlibabaCloudException as exc:
            code = str(exc.code or "unknown")
            raise SMSError(
                f"Aliyun SMS {code} (HTTP {exc.status_code}) for {message.kind}",
                permanent=aliyun_is_permanent(code, exc.status_code),
            ) from None
        except Exception as exc:
            # A refused connection, a timeout, an answer that is not JSON: the SDK's text quotes the URL.
            raise SMSError(f"Aliyun SMS not reached ({type(exc).__name__})", permanent=False) from None
        body = response.body
        code = str(getattr(body, "code", "") or "")
        if code != "OK":
            raise SMSError(f"Aliyun SMS {code or 'no code'} for {message.kind}", permanent=aliyun_is_permanent(code))
        logger.info("SMS %s to %s taken by Aliyun", message.kind, mask_phone(message.phone))
        return str(body.biz_id or "")


# Tencent Cloud error codes (https://cloud.tencent.com/document/product/382/59177).
TENCENT_TRANSIENT = {
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "FailedOperation.FailResolvePacket",
    "RequestLimitExceeded",
    "ClientNetworkError",
    "ServerNetworkError",
}
TENCENT_TRANSIENT_PREFIXES = ("LimitExceeded.", "InternalError", "RequestLimitExceeded")


def tencent_is_permanent(code: str) -> bool:
    # InvalidParameterValue.IncorrectPhoneNumber, FailedOperation.TemplateIncorrectOrUnapproved,
    # FailedOperation.SignatureIncorrectOrUnapproved, UnauthorizedOperation.*, AuthFailure.*, … stay wrong.
    return not (code in TENCENT_TRANSIENT or code.startswith(TENCENT_TRANSIENT_PREFIXES))


class TencentBackend(TemplateBackend):
    """腾讯云短信 (SMS API 2021-01-11 SendSms) through the official SDK; returns the SerialNo."""

    provider = "tencent"
    required_settings = (
        "TENCENT_SMS_SECRET_ID",
        "TENCENT_SMS_SECRET_KEY",
        "TENCENT_SMS_SDK_APP_ID",
        "TENCENT_SMS_SIGN_NAME",
    )

    def client(self):
        from tencentcloud.common.credential import Credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111.sms_client import SmsClient

        protocol, host = self.endpoint(settings.TENCENT_SMS_ENDPOINT)
        profile = ClientProfile(httpProfile=HttpProfile(protocol=protocol, endpoint=host, reqTimeout=self.timeout))
        credential = Credential(settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY)
        return SmsClient(credential, settings.TENCENT_SMS_REGION, profile)

    def send(self, message: SMSMessage) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        template = self.template(message)
        request = SendSmsRequest()
        request.PhoneNumberSet = [message.phone]
        request.SmsSdkAppId = str(settings.TENCENT_SMS_SDK_APP_ID)
        request.SignName = settings.TENCENT_SMS_SIGN_NAME
        request.TemplateId = template
        # Tencent numbers a template's variables: {1}, {2}, … in the kind's order.
        request.TemplateParamSet = [message.params[name] for name in sms_templates.get_kind(message.kind).param_names]
        try:
            response = self.client().SendSms(request)
        except TencentCloudSDKException as exc:
            code = str(exc.code or "unknown")
            if code == "ClientNetworkError":
                # A refused connection or a timeout; the SDK's message quotes the request.
                raise SMSError("Tencent SMS not reached (ClientNetworkError)", permanent=False) from None
            raise SMSError(f"Tencent SMS {code} for {message.kind}", permanent=tencent_is_permanent(code)) from None
        except Exception as exc:
            raise SMSError(f"Tencent SMS not reached ({type(exc).__name__})", permanent=False) from None
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SMSError(f"Tencent SMS answered no status for {message.kind}", permanent=False)
        status = statuses[0]
        code = str(status.Code or "")
        if code != "Ok":
            raise SMSError(f"Tencent SMS {code or 'no code'} for {message.kind}", permanent=tencent_is_permanent(code))
        logger.info("SMS %s to %s taken by Tencent", message.kind, mask_phone(message.phone))
        return str(status.SerialNo or "")


def check_backend(app_configs=None, **kwargs) -> list[checks.Error]:
    """System check: the configured backend can send every kind of text the settings ask for."""
    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError:
        return [checks.Error(f"SMS_BACKEND={settings.SMS_BACKEND} cannot be imported", id="members.E101")]
    return [
        checks.Error(f"{settings.SMS_BACKEND}: {problem}", hint=SETUP_HINT, id="members.E102")
        for problem in backend.configuration_problems()
    ]


SETUP_HINT = "See the SMS section of the README's production notes."


def refuse_incomplete_backend() -> None:
    """Stop the start-up when the backend could not send some text: a login code that never leaves is worse."""
    problems = check_backend()
    if problems:
        lines = "\n".join(f"- {problem.msg}" for problem in problems)
        raise ImproperlyConfigured(f"The SMS settings are incomplete:\n{lines}\n{SETUP_HINT}")
