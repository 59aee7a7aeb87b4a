"""Workspace to-dos and task links of this flow: move reports waiting for a secretary; the notice's wording."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import CharField, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.access import Capability
from members.workspace.registry import TaskLink, Todo, register_task_links, register_todo
from notifications.wordings import wording

from .models import MoveReport
from .moves import NOTICE_KIND, pending_moves


def _moves_arrived(since: dt.datetime, today: dt.date):
    # Decided on the branch's roster: no group's digest counts them.
    return (
        MoveReport.objects.filter(status=MoveReport.Status.PENDING, submitted_at__gte=since)
        .annotate(no_group=Value(None, output_field=CharField()))
        .values_list("member__organization__path", "no_group", "submitted_at")
    )


register_todo(
    Todo(
        key="move_reports",
        label=gettext_lazy("Move reports to confirm"),
        capability=Capability.MANAGE_ROSTER,
        url_name="itinerant:move_queue",
        order=35,
        pending=lambda user, today: pending_moves(user),
        arrived=_moves_arrived,
    )
)

register_task_links(
    TaskLink("roster", gettext_lazy("Move reports"), Capability.MANAGE_ROSTER, "itinerant:move_queue"),
)


@wording(NOTICE_KIND)
def move_report(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: kind (MoveReport.Kind), confirmed, note (the secretary's words, as written), date (sent on)."""
    kind = MoveReport.Kind(params["kind"]).label
    if params["confirmed"]:
        title = _("Your report is confirmed: %(kind)s") % {"kind": kind}
        body = _("Your branch's roster now shows what you reported on %(date)s.") % {"date": params["date"]}
    else:
        title = _("Please report again: %(kind)s") % {"kind": kind}
        body = _("Your secretary asks: %(note)s") % {"note": params["note"]}
    return title, body
