"""Workspace to-dos and task links of this flow: requests to approve, incoming letters, letters about to expire."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from branches.access import Capability
from members.roster.badges import Badge, register_badge
from members.workspace.registry import TaskLink, Todo, register_task_links, register_todo

# The wordings of the notices a transfer's steps send: registered at start-up, so the inbox words them
# whichever process renders it.
from . import transfer_notices  # noqa: F401
from .models import Transfer
from .transfer_access import incoming_transfers, managed_transfers
from .transfers import EXPIRY_WARNING_DAYS

C = Capability
State = Transfer.State


def requested(user, today: dt.date):
    return managed_transfers(user).filter(state=State.REQUESTED)


def to_accept(user, today: dt.date):
    return incoming_transfers(user).filter(state=State.ISSUED)


def expiring(user, today: dt.date):
    """Outgoing letters running out within the warning days with no receipt, the expired ones not yet swept too."""
    return managed_transfers(user).filter(
        state=State.ISSUED, valid_until__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    )


def _requested_arrived(since: dt.datetime, today: dt.date):
    return Transfer.objects.filter(
        direction=Transfer.Direction.OUT, state=State.REQUESTED, requested_at__gte=since
    ).values_list("from_organization__path", "member__group__path", "requested_at")


def _incoming_arrived(since: dt.datetime, today: dt.date):
    # Letters from outside are registered by the receiving branch itself: nothing new to tell it.
    # A letter has a day, not a moment: the digest counts it from the start of that day.
    # The member's group is one of the sending branch's: the receiving branch as a whole is told.
    rows = Transfer.objects.filter(
        direction=Transfer.Direction.OUT,
        state=State.ISSUED,
        to_organization__isnull=False,
        issued_on__gte=since.date(),
    ).values_list("to_organization__path", "issued_on")
    return [(path, None, day) for path, day in rows]


register_todo(
    Todo(
        key="transfers_requested",
        order=15,
        label=_("Transfer requests to approve"),
        capability=C.APPROVE_TRANSFERS,
        url_name="itinerant:transfers",
        query="state=requested",
        pending=requested,
        arrived=_requested_arrived,
        for_group_chats=False,
    )
)
register_todo(
    Todo(
        key="transfers_incoming",
        order=16,
        label=_("Incoming transfers to accept"),
        capability=C.APPROVE_TRANSFERS,
        url_name="itinerant:transfers",
        query="side=in&state=issued",
        pending=to_accept,
        arrived=_incoming_arrived,
        for_group_chats=False,
    )
)
register_todo(
    Todo(
        key="transfers_expiring",
        order=17,
        label=_("Letters of introduction about to expire"),
        capability=C.APPROVE_TRANSFERS,
        url_name="itinerant:transfers",
        query="side=out&state=issued&expiring=1",
        pending=expiring,
        for_group_chats=False,
    )
)

register_task_links(
    TaskLink("roster", _("Transfers of the Party relationship"), C.APPROVE_TRANSFERS, "itinerant:transfers"),
    TaskLink("roster", _("Register an incoming letter"), C.APPROVE_TRANSFERS, "itinerant:register_incoming"),
)


def _in_transit():
    # One probe of the partial unique index on open transfers per member row.
    return Exists(Transfer.objects.filter(member=OuterRef("pk"), state__in=Transfer.OPEN_STATES))


register_badge(Badge("in_transit", _("In transit"), _in_transit))
