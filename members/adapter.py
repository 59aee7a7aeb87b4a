"""allauth adapter: phone numbers live on our User, codes go out through the SMS backend."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.internal.stagekit import get_pending_stage
from allauth.core import context
from allauth.core.internal import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import User
from .registration import activate_member
from .sms import SMSError, send_sms
from .validators import mask_phone, normalize_phone

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        replaced = {"allauth.account.stages.PhoneVerificationStage": "members.stages.PhoneVerificationStage"}
        return [replaced.get(path, path) for path in super().get_login_stages()]

    def phone_form_field(self, **kwargs: Any) -> forms.Field:
        # allauth's field insists on E.164 before clean_phone runs; members type
        # 13800138000 or "+86 138 0013 8000", which clean_phone normalizes.
        kwargs.setdefault("validators", [])
        kwargs.setdefault("label", gettext_lazy("Mobile phone"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "inputmode": "tel",
                    "autocomplete": "tel",
                    "placeholder": gettext_lazy("e.g. 138 0013 8000"),
                }
            ),
        )
        return super().phone_form_field(**kwargs)

    def clean_phone(self, phone: str) -> str:
        try:
            return normalize_phone(phone)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0], code="invalid_phone") from None

    def save_user(self, request, user: User, form, commit: bool = True) -> User:
        # The phone is set before the first save: it is the unique login field,
        # and saving a blank one first would clash with any other blank row.
        data = form.cleaned_data
        if data.get("phone"):
            user.phone = data["phone"]
            user.phone_verified = False
        if data.get("name"):
            user.name = data["name"]
        return super().save_user(request, user, form, commit)

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        if user.pk:
            user.save(update_fields=["phone", "phone_verified"])

    def set_phone_verified(self, user: User, phone: str) -> None:
        # Also the last step of changing the number, so the number is set too.
        with transaction.atomic():
            if not user.phone_verified and user.has_usable_password() and not self._proven_by_password_holder(user):
                # A password chosen before the number was proven may be a
                # stranger's, set to wait for the owner to activate the login.
                user.set_unusable_password()
                user.save(update_fields=["password"])
                self._tell_to_set_a_password()
            self.set_phone(user, phone, True)
            # The roster entry is linked only now that the number is proven,
            # to a login whose password (if any) its prover chose.
            activate_member(user)

    def _proven_by_password_holder(self, user: User) -> bool:
        """Whether the code is being entered by whoever chose ``user``'s password.

        That is the member changing the number while logged in, or the signup
        that set the password finishing its own verification step; not a
        login by code, which anyone who holds the phone can do.
        """
        request = context.request
        if request is None:
            return False
        if request.user.is_authenticated:
            return request.user.pk == user.pk
        stage = get_pending_stage(request)
        return (
            stage is not None
            and stage.key == "verify_phone"
            and stage.login.signup
            and stage.login.user is not None
            and stage.login.user.pk == user.pk
        )

    def _tell_to_set_a_password(self) -> None:
        request = context.request
        if request is not None and hasattr(request, "_messages"):
            messages.info(
                request,
                _("Your number is verified. To log in with a password as well, set one under Account."),
            )

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=phone).first()

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys failed logins by e-mail or username only, so every phone
        # login would share one counter. Keyed by phone alone, five failures by
        # a stranger would lock the owner out, so the tight limit counts per
        # phone and client IP; a looser per-phone ceiling (pre_authenticate)
        # stops a brute force spread over many IPs.
        phone = credentials.get("phone")
        if phone:
            return f"phone:{phone}:ip:{ratelimit.get_ip(request)}"
        return super()._get_login_attempts_cache_key(request, **credentials)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        phone = credentials.get("phone")
        if not phone:
            return
        ceiling = ratelimit.consume(request, app="allauth.account", action="login_failed_phone", key=f"phone:{phone}")
        if not ceiling:
            raise self.validation_error("too_many_login_attempts")
        # Rolled back with the per-IP usage when the login succeeds.
        self._login_failed_rl_usage.usage.extend(ceiling.usage)

    def authenticate(self, request: HttpRequest, **credentials: Any) -> User | None:
        # allauth's own, but a login whose number is not proven does not open
        # with its password: it may be a stranger's, waiting for the owner, and
        # answering otherwise would tell them their guess of a roster name was
        # right. Such a login is reached by an SMS code, which proves the number.
        self.pre_authenticate(request, **credentials)
        AuthenticationBackend.unstash_authenticated_user()
        user = authenticate(request, **credentials)
        user = user or AuthenticationBackend.unstash_authenticated_user()
        if user is not None and not user.phone_verified:
            user = None
        if user is not None:
            self._rollback_login_failed_rl_usage()
        else:
            self.authentication_failed(request, **credentials)
        return user

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs: Any) -> None:
        # Used for both login codes and phone verification, which expire at
        # different times, so the text names no duration. send_sms signs every
        # text (settings.SMS_SIGNATURE), so none of them names the site; the
        # wordings are members.sms_templates'.
        self._send_sms(phone, "verification_code", {"code": code})

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        self._send_sms(phone, "unknown_account")

    def send_account_already_exists_sms(self, phone: str) -> None:
        # allauth sends this for any signup it answers without creating a
        # login; the form also sends signups that create nothing (a number on
        # no roster, a wrong name) that way, and those text nobody.
        if self.get_user_by_phone(phone) is None:
            return
        self._send_sms(phone, "account_exists")

    def _send_sms(self, phone: str, kind: str, params: dict[str, str] | None = None) -> None:
        # A provider's limit or outage must not end the login in a server
        # error. Every kind gets the same notice, so a failure tells nobody
        # whether the number has an account; asking again sends a new code.
        try:
            send_sms(phone, kind, params)
        except SMSError as exc:
            logger.warning("SMS %s to %s not sent: %s", kind, mask_phone(phone), exc)
            request = context.request
            if request is not None:
                messages.error(
                    request, _("The text message could not be sent just now. Please wait a minute and try again.")
                )
