"""WeChat on the login and "me" pages: ``{% wechat_configured as on %}``, ``{% wechat_account user as bound %}``."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount
from django import template

from members.social import PROVIDER_ID
from members.social import wechat_configured as _configured

register = template.Library()


@register.simple_tag
def wechat_configured() -> bool:
    """Whether the WeChat button and the bind link are shown at all (settings only, no query)."""
    return _configured()


@register.simple_tag
def wechat_account(user) -> SocialAccount | None:
    """The WeChat bound to ``user``, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return SocialAccount.objects.filter(user=user, provider=PROVIDER_ID).first()
