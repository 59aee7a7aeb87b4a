"""WeChat (Weixin) login for members who bound it: allauth's weixin provider, never a way to sign up.

A member activates with their phone, then binds WeChat once from the "me" page
(allauth's connect flow); afterwards "WeChat login" on the login page signs them
in. The adapter refuses everything else: an unbound WeChat, a WeChat bound to
someone else, a login whose account is deactivated or whose member has left.
"""

from __future__ import annotations

from django.conf import settings

PROVIDER_ID = "weixin"


def wechat_configured() -> bool:
    """Whether the site has a WeChat app (``WECHAT_APP_ID`` and ``WECHAT_APP_SECRET``); read from settings only."""
    config = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).get(PROVIDER_ID, {})
    return any(app.get("client_id") and app.get("secret") for app in config.get("APPS", []))
