"""The roster's part of the workspace: signups, visits due, silent and not-activated members, roster tasks."""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, Value
from django.utils.translation import gettext_lazy as _

from branches.access import Capability

from ..access import managed_members, managed_signups
from ..models import Member, SignupRequest
from ..roster.search import silent_members
from ..roster.visits import due_visits
from .registry import TaskLink, Todo, register_task_links, register_todo

C = Capability
NO_GROUP = Value(None, output_field=CharField())


def _signups_arrived(since: dt.datetime, today: dt.date):
    return SignupRequest.objects.filter(status=SignupRequest.Status.PENDING, created_at__gte=since).values_list(
        "organization__path", NO_GROUP, "created_at"
    )


def _visits_pending(user, today: dt.date):
    return due_visits(today, managed_members(user, C.SEE_HARDSHIP))


def _visits_arrived(since: dt.datetime, today: dt.date):
    # A visit becomes work on the day it is due; hardship belongs to the branch, never to a group.
    return (
        due_visits(today)
        .filter(next_visit_on__gte=since.date())
        .values_list("member__organization__path", NO_GROUP, "next_visit_on")
    )


register_todo(
    Todo(
        key="signups",
        order=10,
        label=_("Signups to approve"),
        capability=C.APPROVE_SIGNUPS,
        url_name="roster:signups",
        pending=lambda user, today: managed_signups(user),
        arrived=_signups_arrived,
    )
)
register_todo(
    Todo(
        key="visits",
        order=40,
        label=_("Hardship visits due"),
        capability=C.SEE_HARDSHIP,
        url_name="roster:visits",
        pending=_visits_pending,
        arrived=_visits_arrived,
        for_group_chats=False,
    )
)
register_todo(
    Todo(
        key="silent",
        order=50,
        label=_("Silent members"),
        capability=C.MANAGE_ROSTER,
        url_name="roster:silent",
        pending=lambda user, today: silent_members(managed_members(user)),
    )
)
register_todo(
    Todo(
        key="not_activated",
        order=60,
        label=_("Members not activated"),
        capability=C.MANAGE_ROSTER,
        url_name="roster:list",
        query="login=no",
        pending=lambda user, today: managed_members(user).filter(state=Member.State.ACTIVE, user__isnull=True),
    )
)

register_task_links(
    TaskLink("roster", _("Roster"), C.MANAGE_ROSTER, "roster:list"),
    TaskLink("roster", _("Add a member"), C.MANAGE_ROSTER, "roster:add"),
    TaskLink("roster", _("Import roster"), C.IMPORT_ROSTER, "roster_import:upload"),
    TaskLink("roster", _("Export roster"), C.MANAGE_ROSTER, "roster_import:export"),
    TaskLink("roster", _("Export full roster"), C.IMPORT_ROSTER, "roster_import:export", query="full=1"),
    TaskLink("roster", _("Approvals"), C.APPROVE_SIGNUPS, "roster:signups"),
    TaskLink("roster", _("Invitation codes"), C.APPROVE_SIGNUPS, "roster:invitations"),
    TaskLink("roster", _("Roles"), C.MANAGE_ROLES, "roster:roles"),
    TaskLink("roster", _("Hardship visits"), C.SEE_HARDSHIP, "roster:visits"),
    TaskLink("roster", _("Silent members"), C.MANAGE_ROSTER, "roster:silent"),
    TaskLink("roster", _("Not activated"), C.MANAGE_ROSTER, "roster:list", query="login=no"),
    TaskLink("roster", _("Distribution"), C.MANAGE_ROSTER, "roster:distribution"),
)
