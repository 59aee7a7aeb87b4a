"""allauth adapter: phone numbers live on our User, codes go out through the SMS backend."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import User
from .sms import send_sms
from .validators import normalize_phone


class AccountAdapter(DefaultAccountAdapter):
    def clean_phone(self, phone: str) -> str:
        try:
            return normalize_phone(phone)
        except ValidationError as exc:
            from django import forms

            raise forms.ValidationError(exc.messages[0]) from None

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
        User.objects.filter(pk=user.pk, phone=phone).update(phone_verified=True)
        user.phone_verified = True

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=phone).first()

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs) -> None:
        send_sms(phone, _("[netbranch] Your verification code is %(code)s. It expires in 15 minutes.") % {"code": code})

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        send_sms(
            phone,
            _(
                "[netbranch] A login code was requested for this number, but it has no account. "
                "If you are on a branch roster, activate your account first."
            ),
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        send_sms(phone, _("[netbranch] Someone tried to sign up with this number, which already has an account."))
