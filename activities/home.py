"""The member home page's "due this month" card: next activity, study, check-in, report."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from branches.dates import shift_month
from branches.models import Organization
from members.home import register_home_annotations, register_home_section
from members.models import Member

from .models import Activity, CheckIn, Leave, MaterialDelivery, Report
from .reports import next_report_due


def next_activity_on(branch: Organization, upcoming: list[Activity], today: dt.date) -> dt.date:
    """The next activity day: the first planned one from today on, else what the rule gives.

    ``upcoming`` are the branch's activities still open or ahead, by date. A
    month that is planned keeps its own date: the rule fills in only the
    months after the last planned one.
    """
    for planned in upcoming:
        if planned.date >= today:
            return planned.date
    if upcoming:
        last = upcoming[-1]
        after = branch.activity_date(*shift_month(last.year, last.month, 1))
        if after >= today:
            return after
    return branch.next_activity_date(today)


@register_home_annotations
def due_this_month_facts(today: dt.date) -> dict:
    """Unread material and the last report's time, read with the member's own row."""
    unread = (
        MaterialDelivery.objects.filter(member=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        # COUNT(*) as a plain function, so the subquery has no GROUP BY.
        .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    last_report = Report.objects.filter(member=OuterRef("pk")).order_by("-submitted_at").values("submitted_at")[:1]
    return {
        "home_unread_materials": Subquery(unread, output_field=IntegerField()),
        "home_last_report_at": Subquery(last_report),
    }


@register_home_section
def due_this_month(request: HttpRequest, member: Member, today: dt.date) -> dict:
    """One query whatever the roster size: the activities with their check-in state.

    Unread material and the last report come with the member's row
    (``due_this_month_facts``); a member loaded without them costs two more.

    The planned activities are the truth about the activity day (a secretary
    may have moved this month's), so the section also gives the home page's
    countdown its date, ``next_activity_on``; the branch's rule only fills in
    while nothing is planned.
    """
    now = timezone.now()
    # The activities whose check-in window is still open or ahead: this
    # month's until its window closes, then next month's. Two, because while
    # the window stays open after the day, the next activity day is the one after.
    # They come from the one query that also lists the member's upcoming meetings
    # (``meetings.home.upcoming_gatherings``), by date: once a day from today on
    # is among them, the days after it change nothing here. Only when so many
    # meetings come first that none is are they asked for on their own.
    from .meetings.home import upcoming_gatherings

    gatherings, more = upcoming_gatherings(member, now)
    upcoming = [activity for activity in gatherings if activity.kind == Activity.Kind.THEME_DAY][:2]
    if more and not any(activity.date >= today for activity in upcoming):
        upcoming = list(
            Activity.objects.filter(
                organization_id=member.organization_id, kind=Activity.Kind.THEME_DAY, closes_at__gt=now
            )
            .annotate(
                checked_in=Exists(CheckIn.objects.filter(activity=OuterRef("pk"), member=member)),
                leave_status=Subquery(
                    Leave.objects.filter(activity=OuterRef("pk"), member=member).values("status")[:1]
                ),
            )
            .order_by("date")[:2]
        )
    activity = upcoming[0] if upcoming else None
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
    facts = member.__dict__
    if "home_last_report_at" in facts:
        report_due = next_report_due(member, today, last=facts["home_last_report_at"])
    else:
        report_due = next_report_due(member, today)
    if "home_unread_materials" in facts:
        unread_materials = facts["home_unread_materials"] or 0
    else:
        unread_materials = MaterialDelivery.objects.filter(member=member, read_at__isnull=True).count()
    return {
        "template": "activities/home/due_this_month.html",
        "activity": activity,
        "days_to_activity": (activity.date - today).days if activity else None,
        "next_activity_on": next_activity_on(member.organization, upcoming, today),
        "checkin_state": checkin_state,
        "unread_materials": unread_materials,
        "report_due": report_due,
        "report_due_now": report_due <= today,
        "report_due_this_month": (report_due.year, report_due.month) == (today.year, today.month),
    }
