"""Fetch-with-check for move reports.

A move changes the roster of the member's branch, so the secretaries who
manage that branch's roster decide it (``Capability.MANAGE_ROSTER`` held on
the branch or above); a group leader manages a group's people but not their
whereabouts on the branch's roster. A member reaches only their own reports.
Outside the scope a report does not exist (404), whether or not it does.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from branches.access import Capability, can, scope_of
from members.models import Member

from .models import MoveReport


def managed_move_reports(user) -> QuerySet[MoveReport]:
    """Every move report of a member of a branch where the user manages the roster."""
    scope = scope_of(user)
    if scope.is_superuser:
        return MoveReport.objects.all()
    branch_ids, _group_ids = scope.branch_and_group_ids(Capability.MANAGE_ROSTER)
    # Branch ids, not a join on paths: the pending index and member_id answer it.
    return MoveReport.objects.filter(member__organization_id__in=branch_ids)


def get_managed_move_report(user, pk: int) -> MoveReport:
    """A move report the user may decide, or 404."""
    report = MoveReport.objects.select_related("member__organization", "member__user").filter(pk=pk).first()
    if report is None or not can(user, Capability.MANAGE_ROSTER, report.member.organization):
        raise Http404("No such move report")
    return report


def get_own_move_report(member: Member, pk: int) -> MoveReport:
    """One of the member's own move reports, or 404."""
    report = MoveReport.objects.filter(pk=pk, member=member).first()
    if report is None:
        raise Http404("No such move report")
    return report
