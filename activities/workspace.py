"""The activities' part of the workspace: leave to decide, reports to answer, this month's activity, task links."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _

from branches.access import Capability, scope_of
from branches.bulk import count_subquery
from members.models import Member
from members.workspace.registry import TaskLink, Todo, register_panel, register_task_links, register_todo

from .access import managed_activities, managed_leaves, managed_reports, reviewable_records
from .models import Activity, CheckIn, Leave, Report

C = Capability
# A committee's secretary sees this many of the month's activities; the list of activity days has them all.
MAX_ACTIVITIES = 10


def _leaves_arrived(since: dt.datetime, today: dt.date):
    return Leave.objects.filter(status=Leave.Status.PENDING, created_at__gte=since).values_list(
        "activity__organization__path", "member__group__path", "created_at"
    )


def _reports_arrived(since: dt.datetime, today: dt.date):
    return Report.objects.filter(replied_at__isnull=True, submitted_at__gte=since).values_list(
        "member__organization__path", "member__group__path", "submitted_at"
    )


register_todo(
    Todo(
        key="leaves",
        label=_("Leave requests to decide"),
        capability=C.DECIDE_LEAVE,
        url_name="activities:leaves",
        order=20,
        pending=lambda user, today: managed_leaves(user).filter(status=Leave.Status.PENDING),
        arrived=_leaves_arrived,
    )
)
register_todo(
    Todo(
        key="records",
        label=_("Meeting records to review"),
        capability=C.MANAGE_ACTIVITIES,
        url_name="meetings:review_queue",
        order=35,
        pending=lambda user, today: reviewable_records(user),
    )
)
register_todo(
    Todo(
        key="reports",
        label=_("Reports to answer"),
        capability=C.ANSWER_REPORTS,
        url_name="reports:queue",
        order=30,
        pending=lambda user, today: managed_reports(user).filter(replied_at__isnull=True),
        arrived=_reports_arrived,
    )
)


@register_panel
def this_month(user, today: dt.date) -> dict | None:
    """This month's activities in the scope with their check-in progress: one query whatever their number."""
    if not scope_of(user).anywhere(C.MANAGE_ACTIVITIES):
        return None
    activities = list(
        managed_activities(user)
        .filter(kind=Activity.Kind.THEME_DAY, year=today.year, month=today.month)
        .select_related("organization")
        .annotate(
            checked_in=count_subquery(CheckIn.objects.filter(activity=OuterRef("pk"))),
            expected=count_subquery(Member.objects.active().filter(organization_id=OuterRef("organization_id"))),
        )
        .order_by("organization__path")[:MAX_ACTIVITIES]
    )
    return {"template": "activities/workspace/_this_month.html", "activities": activities, "today": today}


register_task_links(
    TaskLink("life", _("Activity days"), C.MANAGE_ACTIVITIES, "activities:list"),
    TaskLink("life", _("Meetings and activities"), C.MANAGE_ACTIVITIES, "meetings:list"),
    TaskLink("life", _("Plan a meeting"), C.MANAGE_ACTIVITIES, "meetings:plan"),
    TaskLink("life", _("Leave requests"), C.DECIDE_LEAVE, "activities:leaves"),
    TaskLink("reports", _("Reports to answer"), C.ANSWER_REPORTS, "reports:queue"),
    TaskLink(
        "evaluation",
        _("Statistics"),
        C.MANAGE_ACTIVITIES,
        "activities:stats",
        kinds=frozenset({"committee", "general_branch", "branch", "group"}),
    ),
)
# What is due and what was held, and how often each kind of meeting is due (activities.meetings.compliance).
register_task_links(
    TaskLink("life", _("Meetings due, all my organizations"), C.MANAGE_ACTIVITIES, "meetings:compliance_home"),
    TaskLink(
        "life",
        _("Meetings due"),
        C.MANAGE_ACTIVITIES,
        "meetings:compliance",
        kinds=frozenset({"committee", "general_branch"}),
    ),
    TaskLink("life", _("Meetings due"), C.MANAGE_ACTIVITIES, "meetings:compliance_branch", kinds=frozenset({"branch"})),
    TaskLink(
        "life",
        _("Meeting frequencies"),
        C.MANAGE_ACTIVITIES,
        "meetings:frequencies",
        kinds=frozenset({"committee", "general_branch", "branch"}),
    ),
)
