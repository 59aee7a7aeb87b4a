"""Fetch-with-check for activity days, leave, study material and reports.

Manager side: an activity, a leave request or a report is found only inside
the user's scope for the capability the page needs (``branches.access``);
outside it the object does not exist (404), whether or not it does.

Member side: a member acts on their own branch's activities and their own
deliveries while their roster entry is active (``members.access.get_own_member``);
the caller fetches the member first and passes it in. Their reports are their
own past, readable after a transfer too (``get_own_report``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from branches.access import Capability, can, scope_of
from members.models import Member

from .meetings.lists import own_activities_filter
from .models import Activity, Leave, MaterialDelivery, MeetingFile, Report

# --- the manager's side ---------------------------------------------------------------------


def managed_activities(user) -> QuerySet[Activity]:
    """Every activity of a branch where the user plans activities."""
    condition = scope_of(user).covers(Capability.MANAGE_ACTIVITIES, "organization__path")
    activities = Activity.objects.all()
    return activities if condition is None else activities.filter(condition)


def get_managed_activity(user, pk: int) -> Activity:
    """An activity of a branch where the user plans activities, or 404."""
    activity = Activity.objects.select_related("organization").filter(pk=pk).first()
    if activity is None or not can(user, Capability.MANAGE_ACTIVITIES, activity.organization):
        raise Http404("No such activity")
    return activity


def reviewable_records(user) -> QuerySet[Activity]:
    """Submitted meeting records of branches below the user's own organizations: the review queue.

    Records are reviewed from above the branch, so the scope is matched against the branch's parent.
    """
    condition = scope_of(user).covers(Capability.MANAGE_ACTIVITIES, "organization__parent__path")
    records = Activity.objects.filter(record_status=Activity.RecordStatus.SUBMITTED)
    return records if condition is None else records.filter(condition)


def may_review(user, activity: Activity) -> bool:
    """Records are reviewed above the branch: by who manages activities on its parent or higher.

    Asked of the parent's path, which is the branch's own without its last
    step, so the meeting's page loads no parent row to know it.
    """
    branch = activity.organization
    if branch.parent_id is None:
        return False
    parent_path = branch.path[: branch.path.rstrip("/").rfind("/") + 1]
    return scope_of(user).can_at(Capability.MANAGE_ACTIVITIES, parent_path)


def get_reviewable_activity(user, pk: int) -> Activity:
    """A meeting whose record the user reviews (from above its branch), or 404."""
    meeting = get_managed_activity(user, pk)
    if not may_review(user, meeting):
        raise Http404("No such record to review")
    return meeting


def get_managed_meeting_file(user, pk: int) -> MeetingFile:
    """A photo or attachment of a record the user manages, or 404; one query with its meeting and branch."""
    stored = MeetingFile.objects.select_related("activity__organization").filter(pk=pk).first()
    if stored is None or not can(user, Capability.MANAGE_ACTIVITIES, stored.activity.organization):
        raise Http404("No such file")
    return stored


def managed_leaves(user) -> QuerySet[Leave]:
    """Every leave request for an activity of a branch where the user decides leave: the queue's scope."""
    condition = scope_of(user).covers(Capability.DECIDE_LEAVE, "activity__organization__path")
    leaves = Leave.objects.all()
    return leaves if condition is None else leaves.filter(condition)


def get_managed_leave(user, pk: int) -> Leave:
    """A leave request for an activity of a branch where the user decides leave, or 404."""
    leave = Leave.objects.select_related("activity__organization", "member").filter(pk=pk).first()
    if leave is None or not can(user, Capability.DECIDE_LEAVE, leave.activity.organization):
        raise Http404("No such leave request")
    return leave


def answers_for(user, member: Member) -> bool:
    """May the user answer this member's reports? Their branch or, for a group leader, their group.

    The same reach as ``members.access.managed_members`` for the capability,
    asked of one loaded member instead of the whole roster.
    """
    capability = Capability.ANSWER_REPORTS
    return can(user, capability, member.organization) or (
        member.group_id is not None and can(user, capability, member.group)
    )


def managed_reports(user) -> QuerySet[Report]:
    """Every report the user may answer, for the queue."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Report.objects.all()
    by_branch = scope.covers(Capability.ANSWER_REPORTS, "member__organization__path")
    by_group = scope.covers(Capability.ANSWER_REPORTS, "member__group__path")
    return Report.objects.filter(by_branch | by_group)


def _report(pk: int) -> Report | None:
    return Report.objects.select_related("member__organization", "member__group", "replied_by").filter(pk=pk).first()


def get_managed_report(user, pk: int) -> Report:
    """A report the user may answer, or 404."""
    report = _report(pk)
    if report is None or not answers_for(user, report.member):
        raise Http404("No such report")
    return report


def get_readable_report(user, pk: int) -> tuple[Report, bool]:
    """A report its author (even after a transfer) or one who answers it may read, and whether the user answers it.

    One lookup for the pages both of them open (the report, its attachment).
    """
    report = _report(pk)
    if report is None:
        raise Http404("No such report")
    may_answer = answers_for(user, report.member)
    if not may_answer and not _is_author(user, report):
        raise Http404("No such report")
    return report, may_answer


def _is_author(user, report: Report) -> bool:
    # A login has one roster entry (one-to-one), active or former: its reports are the user's.
    return report.member.user_id is not None and report.member.user_id == user.pk


# --- the member's side ----------------------------------------------------------------------


def get_own_report(user, pk: int) -> Report:
    """A report the user's roster entry handed in, still readable after a transfer out, or 404."""
    report = _report(pk)
    if report is None or not _is_author(user, report):
        raise Http404("No such report")
    return report


def get_own_activity(member: Member, pk: int) -> Activity:
    """An activity of the member's own branch, or 404: other branches' activities do not exist for them."""
    activity = Activity.objects.select_related("organization").filter(own_activities_filter(member), pk=pk).first()
    if activity is None:
        raise Http404("No such activity")
    return activity


def get_own_delivery(member: Member, pk: int) -> MaterialDelivery:
    """A material delivered to this member, or 404, whoever else it was sent to."""
    delivery = MaterialDelivery.objects.select_related("material").filter(pk=pk, member=member).first()
    if delivery is None:
        raise Http404("No such material")
    return delivery
