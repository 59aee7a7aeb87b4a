"""The notifications' task links in the workspace: birthdays, channels and message templates."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from branches.access import Capability
from members.workspace.registry import TaskLink, register_task_links

from .access import CHANNEL_KINDS

register_task_links(
    TaskLink("roster", _("Political birthdays"), Capability.MANAGE_ROSTER, "greetings:upcoming"),
    TaskLink("notifications", _("Channels"), Capability.MANAGE_CHANNELS, "notifications:channels"),
    TaskLink(
        "notifications",
        _("Channels"),
        Capability.MANAGE_CHANNELS,
        "notifications:branch_channels",
        kinds=frozenset(CHANNEL_KINDS),
    ),
    TaskLink(
        "notifications",
        _("Message templates"),
        Capability.MANAGE_CHANNELS,
        "notifications:templates",
        kinds=frozenset(CHANNEL_KINDS),
    ),
)
