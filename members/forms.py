from __future__ import annotations

import unicodedata

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import ConfirmLoginCodeForm as AllauthConfirmLoginCodeForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.forms import VerifyPhoneForm as AllauthVerifyPhoneForm
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.errors import add_to_form

from .errors import RegistrationError
from .registration import SignupPlan, plan_signup, request_membership
from .validators import normalize_phone


class SignupForm(AllauthSignupForm):
    """Account activation: a roster member activates their entry, anyone else needs an invitation code."""

    field_order = ["phone", "name", "invitation_code", "password1", "password2"]

    name = forms.CharField(
        label=_("Real name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("As on your branch's roster."),
    )
    invitation_code = forms.CharField(
        label=_("Invitation code (optional)"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("Only needed if your phone number is not on a branch roster. Ask your branch secretary for one."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].label = _("Mobile phone")
        self.fields["phone"].help_text = _("Members on a roster: use the number your branch has on file.")
        self.plan: SignupPlan | None = None

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean(self) -> dict:
        cleaned_data = super().clean()
        phone = cleaned_data.get("phone")
        name = cleaned_data.get("name")
        # An existing account is left to allauth, which answers as for a new
        # one (an SMS goes to the number) so the form does not reveal it.
        if phone and name and not self.account_already_exists:
            try:
                self.plan = plan_signup(
                    phone=phone, name=name, invitation_code=cleaned_data.get("invitation_code") or ""
                )
            except RegistrationError as exc:
                add_to_form(self, exc)
            else:
                # A signup that may create nothing (a number on no roster, a wrong
                # name) takes allauth's path for a taken number: the same redirect
                # to the code page, no login, and no SMS, since the adapter texts
                # "already has an account" only when one exists.
                self.account_already_exists = not self.plan.creates_login
        return cleaned_data

    def signup(self, request, user) -> None:
        """Called by allauth once the user is saved, inside try_save's transaction."""
        if self.plan is not None and self.plan.invitation is not None:
            request_membership(user=user, invitation=self.plan.invitation, name=self.cleaned_data["name"])

    def try_save(self, request):
        # One transaction for the login and the invitation claim: a claim that
        # loses a race leaves no login behind.
        try:
            with transaction.atomic():
                return super().try_save(request)
        except RegistrationError as exc:
            add_to_form(self, exc)
        except IntegrityError:
            # Another signup took this phone number since the form was validated.
            self.add_error("phone", get_adapter().error_messages["phone_taken"])
        return None, render(request, "account/signup.html", {"form": self})


class AdminLoginForm(AdminAuthenticationForm):
    """The admin site's login, counted and throttled like the phone login.

    Django's admin form calls ``authenticate`` directly, which no rate limit
    sees; going through the adapter shares the failed-login counters with
    the site's login, so neither door gives a brute force more tries.
    """

    def clean(self) -> dict:
        typed = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if typed is not None and password:
            try:
                phone = normalize_phone(typed)
            except ValidationError:
                raise self.get_invalid_login_error() from None
            self.user_cache = get_adapter(self.request).authenticate(self.request, phone=phone, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SMSCodeField(forms.CharField):
    """The code from an SMS, typed on a phone's numeric keypad (or filled in from the SMS by the phone).

    Full-width digits from a Chinese input method and spaces from a pasted
    "123 456" are read as the code they stand for.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Verification code"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        return "".join(unicodedata.normalize("NFKC", text).split())


class SMSCodeFormMixin:
    """Fills in the code field's length from the settings, in the language of the request."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        length = allauth_settings.PHONE_VERIFICATION_CODE_FORMAT.get("length", 6)
        self.fields["code"].widget.attrs.update(
            pattern=f"[0-9]{{{length}}}",
            placeholder=gettext("%(length)d-digit code") % {"length": length},
            title=gettext("The %(length)d digits from the SMS") % {"length": length},
        )


class ConfirmLoginCodeForm(SMSCodeFormMixin, AllauthConfirmLoginCodeForm):
    """The login code page: allauth's check, a field that says 验证码 and opens the numeric keypad."""

    code = SMSCodeField()


class VerifyPhoneForm(SMSCodeFormMixin, AllauthVerifyPhoneForm):
    """The phone verification page (activation, a changed number): the same code field."""

    code = SMSCodeField()
