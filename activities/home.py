"""The member home page's "due this month" card: next activity, study, check-in, report."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from members.home import register_home_section
from members.models import Member

from .models import Activity, CheckIn, Leave, MaterialDelivery
from .reports import next_report_due


@register_home_section
def due_this_month(request: HttpRequest, member: Member, today: dt.date) -> dict:
    """Three queries whatever the roster size: the activity with its check-in state, unread material, last report."""
    now = timezone.now()
    # The activity whose check-in window is still open or ahead: this month's
    # until its window closes, then next month's.
    activity = (
        Activity.objects.filter(organization_id=member.organization_id, closes_at__gt=now)
        .annotate(
            checked_in=Exists(CheckIn.objects.filter(activity=OuterRef("pk"), member=member)),
            leave_status=Subquery(Leave.objects.filter(activity=OuterRef("pk"), member=member).values("status")[:1]),
        )
        .order_by("date")
        .first()
    )
    checkin_state = None
    if activity is not None:
        if activity.checked_in:
            checkin_state = "checked_in"
        elif activity.leave_status:
            checkin_state = f"leave_{activity.leave_status}"
        elif activity.is_open(now):
            checkin_state = "open"
        else:
            checkin_state = "not_yet_open"
    report_due = next_report_due(member, today)
    return {
        "template": "activities/home/due_this_month.html",
        "activity": activity,
        "days_to_activity": (activity.date - today).days if activity else None,
        "checkin_state": checkin_state,
        "unread_materials": MaterialDelivery.objects.filter(member=member, read_at__isnull=True).count(),
        "report_due": report_due,
        "report_due_now": report_due <= today,
        "report_due_this_month": (report_due.year, report_due.month) == (today.year, today.month),
    }
