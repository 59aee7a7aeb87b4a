"""allauth's Weixin provider, with the OAuth adapter that reads its endpoints from settings.

Registered in place of allauth's through ``SOCIALACCOUNT_PROVIDERS["weixin"]["provider_class"]``;
its package (``members.social``) supplies the login and callback URLs.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.weixin.provider import WeixinProvider as AllauthWeixinProvider
from django.utils.translation import gettext_lazy as _

from .views import WeixinAdapter

# What is kept of WeChat's profile: the identity, and the nickname shown on the "me" page so a
# member recognizes which WeChat is bound. Avatar, sex, province and city are not needed (PIPL).
KEPT_FIELDS = ("openid", "unionid", "nickname")


class WeixinProvider(AllauthWeixinProvider):
    name = _("WeChat")
    oauth2_adapter_class = WeixinAdapter

    def extract_extra_data(self, data: dict[str, Any]) -> dict[str, Any]:
        return {key: data[key] for key in KEPT_FIELDS if data.get(key)}

    def extract_common_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        # Nothing from WeChat fills a user: a WeChat never creates one, and a member's name is the roster's.
        return {}
