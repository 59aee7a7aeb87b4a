"""The dues to-do items and task links of the workspace: what waits for confirmation, long arrears."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.access import Capability
from branches.models import Organization
from members.workspace.registry import TaskLink, Todo, register_task_links, register_todo

# The wordings of the notices the secretary's decisions send: registered at start-up, so the inbox words them
# whichever process renders it.
from . import secretary_notices  # noqa: F401
from .access import managed_dues_members
from .models import Basis, Payment
from .secretary_data import arrears_members

C = Capability
# Three months unpaid puts the member on the secretary's list.
LONG_ARREARS = 3


def _pending(user, today: dt.date):
    """Members in the scope with a reported payment or a declared basis waiting: what the queue shows.

    The registry counts rows of one queryset, so the queue counts members, one however many of their items
    wait; the waiting rows are few and found by the partial indexes on their status.
    """
    reported = Payment.objects.filter(status=Payment.Status.REPORTED).values("member_id")
    declared = Basis.objects.filter(status=Basis.Status.DECLARED).values("member_id")
    return managed_dues_members(user).filter(Q(pk__in=reported) | Q(pk__in=declared))


def _pending_arrived(since: dt.datetime, today: dt.date):
    payments = Payment.objects.filter(status=Payment.Status.REPORTED, entered_at__gte=since).values_list(
        "organization__path", "member__group__path", "entered_at"
    )
    bases = Basis.objects.filter(status=Basis.Status.DECLARED, entered_at__gte=since).values_list(
        "member__organization__path", "member__group__path", "entered_at"
    )
    return [*payments, *bases]


register_todo(
    Todo(
        key="dues_pending",
        order=70,
        label=_("Members whose dues wait for confirmation"),
        capability=C.RECORD_DUES,
        url_name="dues:queue",
        pending=_pending,
        arrived=_pending_arrived,
        # Money is personal: a branch's group chat hears nothing of it.
        for_group_chats=False,
    )
)
register_todo(
    Todo(
        key="dues_arrears",
        order=75,
        label=_("Members three months or more in arrears"),
        capability=C.RECORD_DUES,
        url_name="dues:arrears",
        query=f"min={LONG_ARREARS}",
        pending=lambda user, today: arrears_members(managed_dues_members(user), today, at_least=LONG_ARREARS),
        for_group_chats=False,
    )
)

register_task_links(
    TaskLink("roster", _("Dues to confirm"), C.RECORD_DUES, "dues:queue"),
    TaskLink("roster", _("Dues arrears"), C.RECORD_DUES, "dues:arrears"),
    TaskLink("roster", _("Party dues totals"), C.RECORD_DUES, "dues:totals"),
    TaskLink("roster", _("Dues ledger"), C.RECORD_DUES, "dues:ledger", kinds=frozenset({Organization.Kind.BRANCH})),
)
