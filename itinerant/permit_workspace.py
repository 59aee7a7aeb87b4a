"""Workspace to-dos and task links of permits, warnings and proposals; the roster's permit badge,
filter and export column; the warning notice's wording."""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, Value
from django.utils.translation import gettext_lazy as _

from branches.access import Capability
from members.imports.export import ExportColumn, register_export_column
from members.roster.badges import Badge, register_badge
from members.workspace.registry import TaskLink, Todo, register_task_links, register_todo
from notifications.wordings import wording

from . import permits, proposals, warnings_
from .models import LifeWarning, TransferProposal
from .permit_access import managed_proposals, managed_warnings

C = Capability
Level = LifeWarning.Level
NO_GROUP = Value(None, output_field=CharField())


def _open(level: str):
    return lambda user, today: warnings_.open_warnings(managed_warnings(user), [level])


def _raised(level: str):
    # A warning is about one person's standing in the branch: the branch is told, never a group.
    def arrived(since: dt.datetime, today: dt.date):
        return LifeWarning.objects.filter(level=level, raised_on__gte=since.date()).values_list(
            "member__organization__path", NO_GROUP, "raised_on"
        )

    return arrived


def _proposed(since: dt.datetime, today: dt.date):
    return TransferProposal.objects.filter(raised_on__gte=since.date()).values_list(
        "member__organization__path", NO_GROUP, "raised_on"
    )


register_todo(
    Todo(
        key="life_warnings_talk",
        order=51,
        label=_("Three months without organizational life"),
        capability=C.MANAGE_ROSTER,
        url_name="itinerant:warnings",
        query="level=talk",
        pending=_open(Level.TALK),
        arrived=_raised(Level.TALK),
        for_group_chats=False,
    )
)
register_todo(
    Todo(
        key="life_warnings_case",
        order=52,
        label=_("Six months (verify before treating as having left the Party)"),
        capability=C.MANAGE_ROSTER,
        url_name="itinerant:warnings",
        query="level=case",
        pending=_open(Level.CASE),
        arrived=_raised(Level.CASE),
        for_group_chats=False,
    )
)
register_todo(
    Todo(
        key="transfer_proposals",
        order=18,
        label=_("Away over six months: a transfer of the relationship is proposed"),
        capability=C.APPROVE_TRANSFERS,
        url_name="itinerant:proposals",
        pending=lambda user, today: proposals.open_proposals(managed_proposals(user)),
        arrived=_proposed,
        for_group_chats=False,
    )
)

register_task_links(
    TaskLink("roster", _("Itinerant members' permits"), C.MANAGE_ROSTER, "itinerant:permits"),
    TaskLink("roster", _("Six-month warnings"), C.MANAGE_ROSTER, "itinerant:warnings"),
    TaskLink("roster", _("Proposed transfers"), C.APPROVE_TRANSFERS, "itinerant:proposals"),
)

register_badge(Badge("permit", _("Holds a permit"), permits.held_permit_exists))
# Read-only information after the import's own columns: the import reads only those, so a full
# export with it still imports back unchanged.
register_export_column(ExportColumn("流动党员活动证编号", permits.held_permit_number))

wording(warnings_.NOTICE_KIND)(warnings_.wording)
