"""The welcome notice in a new member's inbox once a secretary approves their signup.

``members`` sends ``signup_approved``; it cannot write notices itself, being below this app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from members.signals import signup_approved

from .services import Notice, notify_members
from .wordings import wording


@wording("signup_approved")
def signup_approved_wording(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: branch, name."""
    return (
        _("Welcome to %(branch)s") % {"branch": params["branch"]},
        _("%(name)s, your registration has been approved. Your branch's activities and study material are here.")
        % {"name": params["name"]},
    )


@receiver(signup_approved, dispatch_uid="notifications.signup_approved")
def welcome(sender, signup, member, **kwargs) -> None:
    notice = Notice(
        kind="signup_approved",
        params={"branch": signup.organization.name, "name": member.name},
        url=reverse("home"),
    )
    # One per signup, whatever calls it twice.
    notify_members([member.pk], notice, key=f"signup:{signup.pk}:{{member}}")
