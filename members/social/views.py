"""The WeChat OAuth views (allauth's, with endpoints from settings) and unbinding from the "me" page."""

from __future__ import annotations

import json

from allauth.socialaccount import signals
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.weixin.views import WeixinOAuth2Adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import PROVIDER_ID


class WeixinAdapter(WeixinOAuth2Adapter):
    """allauth's Weixin adapter with its token and profile endpoints read from the provider's settings.

    allauth reads only ``AUTHORIZE_URL`` from settings; production keeps WeChat's own
    endpoints, the tests point all three at a local fake.
    """

    # WeChat's token endpoint takes its parameters in the query string.
    access_token_method = "GET"  # noqa: S105 - an HTTP method, not a secret

    def _endpoint(self, name: str, default: str) -> str:
        return self.get_provider().get_settings().get(name) or default

    @property
    def access_token_url(self) -> str:  # type: ignore[override]
        return self._endpoint("ACCESS_TOKEN_URL", WeixinOAuth2Adapter.access_token_url)

    @property
    def profile_url(self) -> str:  # type: ignore[override]
        return self._endpoint("PROFILE_URL", WeixinOAuth2Adapter.profile_url)

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        openid = kwargs.get("response", {}).get("openid")
        if not openid:
            raise OAuth2Error("WeChat gave no openid with the access token")
        with get_adapter().get_requests_session() as session:
            response = session.get(self.profile_url, params={"access_token": token.token, "openid": openid})
            response.raise_for_status()
            # The bytes, not response.json(): WeChat sends UTF-8 JSON without a charset, which
            # requests would decode as Latin-1 and garble every Chinese nickname.
            data = json.loads(response.content)
        # WeChat answers errors with HTTP 200 and an errcode; a profile of another openid is not this login's.
        if not isinstance(data, dict) or data.get("errcode") or data.get("openid") != openid:
            errcode = data.get("errcode") if isinstance(data, dict) else None
            raise OAuth2Error(f"WeChat refused the profile (errcode {errcode})")
        return self.get_provider().sociallogin_from_response(request, data)


oauth2_login = OAuth2LoginView.adapter_view(WeixinAdapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WeixinAdapter)


@login_required
@require_POST
def unbind_wechat(request: HttpRequest) -> HttpResponse:
    """Unbind the logged-in person's WeChat; it takes no id, so nobody can name someone else's."""
    # Binding allows one WeChat per login (the adapter's ``_check_binding``).
    account = SocialAccount.objects.filter(user=request.user, provider=PROVIDER_ID).first()
    if account is not None:
        account.delete()
        signals.social_account_removed.send(sender=SocialAccount, request=request, socialaccount=account)
        messages.success(request, _("Your WeChat is unbound. Log in with your phone number from now on."))
    else:
        messages.info(request, _("No WeChat is bound to your account."))
    return redirect("members:me")
