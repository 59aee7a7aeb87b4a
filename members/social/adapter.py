"""The socialaccount adapter: WeChat only signs in members who bound it; it never signs anyone up."""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.base.constants import AuthError
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from members.access import own_member

from . import PROVIDER_ID

logger = logging.getLogger(__name__)


def refuse(request: HttpRequest, message: str, to: str = "account_login") -> None:
    """Stop the flow here: back to ``to`` with ``message``; nothing is saved, nobody is logged in."""
    messages.error(request, message)
    raise ImmediateHttpResponse(HttpResponseRedirect(reverse(to)))


def not_bound_message() -> str:
    return _("This WeChat is not bound to any account. Log in with your phone number, then bind it from Me.")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # Real-name signup needs an invitation code and a secretary's approval: a WeChat
        # identity alone never makes a login, a roster entry, or a pending signup.
        refuse(request, not_bound_message())
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Decide before allauth does anything: bind only to an activated member, log in only a bound one."""
        if sociallogin.account.provider != PROVIDER_ID:
            refuse(request, _("This way of logging in is not available."))
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            self._check_binding(request, sociallogin)
            return
        if not sociallogin.is_existing:
            refuse(request, not_bound_message())
        user = sociallogin.user
        if not user.is_active or own_member(user) is None:
            refuse(request, _("This account cannot log in with WeChat. Log in with your phone number."))

    def _check_binding(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        user = request.user
        if not user.is_authenticated:
            refuse(request, _("Log in with your phone number first, then bind your WeChat from Me."))
        if not user.phone_verified or own_member(user) is None:
            refuse(request, _("Only an activated member of a branch can bind a WeChat."), to="members:me")
        if sociallogin.is_existing and sociallogin.user.pk != user.pk:
            # allauth refuses this too; saying so here keeps the other account's name out of the message.
            refuse(request, _("This WeChat is already bound to another account."), to="members:me")
        bound = SocialAccount.objects.filter(user=user, provider=PROVIDER_ID).exclude(uid=sociallogin.account.uid)
        if bound.exists():
            refuse(request, _("Another WeChat is bound to your account. Unbind it first."), to="members:me")

    def on_authentication_error(
        self, request: HttpRequest, provider, error=None, exception=None, extra_context=None
    ) -> None:
        # A forged or replayed state, a cancelled scan, WeChat refusing the code: back where the
        # person came from with one plain message. The exception's type is enough for the log;
        # its text may quote WeChat's answer.
        logger.info("WeChat login refused: %s (%s)", error, type(exception).__name__ if exception else "no exception")
        if error == AuthError.CANCELLED:
            message = _("WeChat login was cancelled.")
        else:
            message = _("WeChat login did not work. Try again, or log in with your phone number.")
        refuse(request, message, to="members:me" if request.user.is_authenticated else "account_login")

    def get_connect_redirect_url(self, request: HttpRequest, socialaccount) -> str:
        return reverse("members:me")

    def get_provider(self, request: HttpRequest, provider, client_id=None):
        try:
            return super().get_provider(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            if request is None:
                raise
            # No WECHAT_APP_ID / WECHAT_APP_SECRET: the button is hidden, a typed URL lands here.
            refuse(request, _("WeChat login is not available on this site."))
