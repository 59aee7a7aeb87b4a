"""Fetch-with-check for the roster: which member entries a person may see as a manager, and as themselves.

Every roster question goes through ``branches.access``: a branch role covers
its branch, a group role its group. Outside the scope, an entry does not
exist (404).

A member acts in their branch (checks in, asks for leave, hands in a report,
assesses themselves) only while their entry is active. A member who was
transferred out keeps read access to their own past (their profile, their
reports and the answers, their published results), never to the branch's
present: ``get_own_member(user)`` is the active entry, and
``get_own_member(user, include_former=True)`` is for the pages of one's own
history.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from branches.access import Capability, can, scope_of

from .models import Member


def managed_members(user, capability: Capability = Capability.MANAGE_ROSTER) -> QuerySet[Member]:
    """Every roster entry where the user has ``capability``: the one place that decides whom a manager sees."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Member.objects.all()
    branch_ids, group_ids = scope.branch_and_group_ids(capability)
    if not branch_ids and not group_ids:
        return Member.objects.none()
    # Plain id lists rather than joins on the organization paths: a branch
    # secretary's roster is then "organization_id IN (…) AND state = ? ORDER
    # BY name", which member_roster_idx answers without sorting the branch
    # (about 20 ms instead of 700 ms at 100,000 members, bench/roster_list.py).
    condition = Q(organization_id__in=branch_ids)
    if group_ids:
        condition |= Q(group_id__in=group_ids)
    return Member.objects.filter(condition)


def get_managed_member(user, pk: int, capability: Capability = Capability.MANAGE_ROSTER) -> Member:
    """A roster entry the user manages, or 404 (by URL guessing too)."""
    member = managed_members(user, capability).select_related("organization", "group", "user").filter(pk=pk).first()
    if member is None:
        raise Http404("No such member")
    return member


def can_see_hardship(user, member: Member) -> bool:
    """Hardship notes are for the secretaries of the member's branch and those above it."""
    return can(user, Capability.SEE_HARDSHIP, member.organization)


def own_member(user, *, include_former: bool = False) -> Member | None:
    """The logged-in person's roster entry, or None; see the module's note on former members."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user.__dict__.setdefault("_own_member", {})
    if include_former not in cache:
        members = Member.objects.select_related("organization", "group").filter(user_id=user.pk)
        if not include_former:
            members = members.filter(state=Member.State.ACTIVE)
        cache[include_former] = members.first()
    return cache[include_former]


def get_own_member(user, *, include_former: bool = False) -> Member:
    """The logged-in person's roster entry, or 404: a login without one has no member pages."""
    member = own_member(user, include_former=include_former)
    if member is None:
        raise Http404("No roster entry")
    return member
