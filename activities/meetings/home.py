"""The member home page's "my upcoming meetings": the next meetings of every kind the member takes part in.

The home page must stay at a fixed, small number of queries. The activity
day's card ("due this month", ``activities.home``) and this list read the
same rows, the member's gatherings still ahead, so both take them from one
query (``upcoming_gatherings``), made once per request and kept on the
member's row.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from members.home import register_home_section
from members.models import Member

from ..models import Activity, CheckIn, Leave
from .lists import own_activities_filter

# How many meetings the home page lists.
HOME_MEETINGS = 5
# Rows read at once: enough for the list and the activity day's card in nearly every month.
FETCHED = 12
_KEPT = "_home_upcoming_gatherings"


def upcoming_gatherings(member: Member, now: dt.datetime) -> tuple[list[Activity], bool]:
    """The member's gatherings whose check-in is still open or ahead, by date, with the member's check-in state.

    Returns the rows (at most ``FETCHED``) and whether there may be more. One
    query, made once per loaded member row: the home page's sections ask in
    the same request, and the row is loaded afresh for each request.
    """
    kept = member.__dict__.get(_KEPT)
    if kept is not None:
        return kept
    rows = list(
        Activity.objects.filter(own_activities_filter(member), closes_at__gt=now)
        .select_related("group")
        .annotate(
            checked_in=Exists(CheckIn.objects.filter(activity=OuterRef("pk"), member=member)),
            leave_status=Subquery(Leave.objects.filter(activity=OuterRef("pk"), member=member).values("status")[:1]),
        )
        .order_by("date", "starts_at", "pk")[:FETCHED]
    )
    kept = member.__dict__[_KEPT] = (rows, len(rows) == FETCHED)
    return kept


@register_home_section
def upcoming_meetings(request: HttpRequest, member: Member, today: dt.date) -> dict | None:
    """The next few meetings from today on, of every kind but the activity day; nothing when none is planned.

    The activity day has the "due this month" card above, with its countdown
    and check-in, and the page shows one date for it (a moved day is never
    shown twice); this list holds the meetings planned besides it.
    """
    rows, _more = upcoming_gatherings(member, timezone.now())
    meetings = [activity for activity in rows if activity.date >= today and not activity.is_theme_day][:HOME_MEETINGS]
    if not meetings:
        return None
    return {"template": "activities/meetings/_home_upcoming.html", "meetings": meetings, "today": today}
