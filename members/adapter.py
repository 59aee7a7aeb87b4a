"""allauth adapter: phone numbers live on our User, codes go out through the SMS backend."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import User
from .registration import activate_member
from .sms import send_sms
from .validators import normalize_phone


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
        self.set_phone(user, phone, True)
        # The roster entry is linked only now that the number is proven.
        activate_member(user)

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=phone).first()

    def _get_login_attempts_cache_key(self, request, **credentials: Any) -> str:
        # allauth keys failed logins by e-mail or username only, so every phone
        # login would share one counter: five typos by anyone would lock
        # everyone out. Key them by the (normalized) phone number instead.
        phone = credentials.get("phone")
        if phone:
            return f"phone:{phone}"
        return super()._get_login_attempts_cache_key(request, **credentials)

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs: Any) -> None:
        # Used for both login codes and phone verification, which expire at
        # different times, so the text names no duration.
        send_sms(
            phone,
            _("[netbranch] Your verification code is %(code)s. Do not share it with anyone.") % {"code": code},
        )

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        send_sms(
            phone,
            _(
                "[netbranch] A login code was requested for this number, but it has no account. "
                "If you are on a branch roster, activate your account first."
            ),
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        send_sms(phone, _("[netbranch] Someone tried to sign up with this number, which already has an account."))
