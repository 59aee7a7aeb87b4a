"""WeCom (企业微信) application messages to one member: whether the site has the app, and member user ids.

A member is reached by their user id in the organization's WeCom, recorded by their branch's
secretary on ``MemberChannels.wecom_userid``. The sending is ``transports.WeComAppTransport``.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# WeCom's rule for a member's account: 1 to 64 letters, digits and _ - @ . (case-insensitive).
USERID = re.compile(r"[A-Za-z0-9_@.\-]{1,64}")


def configured() -> bool:
    """Whether WeCom application messages go out at all: corp id, agent id and secret all set."""
    return bool(settings.WECOM_CORP_ID and settings.WECOM_AGENT_ID and settings.WECOM_APP_SECRET)


def mask_userid(userid: str) -> str:
    """``zh****an``: enough for a secretary to recognize a mapping, not to read a member's account."""
    if not userid:
        return ""
    if len(userid) <= 4:
        return "****"
    return f"{userid[:2]}****{userid[-2:]}"


def validate_userid(value: str) -> None:
    if not USERID.fullmatch(value):
        raise ValidationError(
            _("A WeCom user ID is 1 to 64 letters, digits or the signs _ - @ . (as in the WeCom admin)."),
            code="invalid_wecom_userid",
        )
