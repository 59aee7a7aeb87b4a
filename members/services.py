"""Use cases of the roster."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from branches.models import Organization

from .models import Member, MemberChange


def active_member_counts(organizations: Iterable[Organization]) -> dict[int, int]:
    """Active members per branch or group, in two grouped queries whatever the roster size."""
    ids = [organization.pk for organization in organizations]
    active = Member.objects.active()
    counts = dict(
        active.filter(organization_id__in=ids).values_list("organization_id").annotate(n=Count("id")).order_by()
    )
    counts.update(active.filter(group_id__in=ids).values_list("group_id").annotate(n=Count("id")).order_by())
    return counts


def members_visible_to(user) -> QuerySet[Member]:
    """Every roster entry under the user's roles: a branch role sees its branch, a group role its group.

    The one place that decides which members a manager may see or change.
    """
    from branches.services import role_paths

    if getattr(user, "is_superuser", False):
        return Member.objects.all()
    paths = role_paths(user)
    if not paths:
        return Member.objects.none()
    branch_ids, group_ids = _scope_ids(user, paths)
    # Plain id lists rather than joins on the organization paths: a branch
    # secretary's roster is then "organization_id IN (…) AND state = ? ORDER
    # BY name", which member_roster_idx answers without sorting the branch
    # (about 20 ms instead of 700 ms at 100,000 members, bench/roster_list.py).
    condition = Q(organization_id__in=branch_ids)
    if group_ids:
        condition |= Q(group_id__in=group_ids)
    return Member.objects.filter(condition)


def _scope_ids(user, paths: list[str]) -> tuple[list[int], list[int]]:
    """Branches under the user's roles, and groups under them whose branch is not (group admins).

    Cached on the user for the request, like ``role_paths``.
    """
    cached = getattr(user, "_member_scope", None)
    if cached is None:
        rows = Organization.objects.filter(
            reduce(or_, (Q(path__startswith=path) for path in paths)),
            kind__in=[Organization.Kind.BRANCH, Organization.Kind.GROUP],
        ).values_list("pk", "kind", "parent_id")
        rows = list(rows)
        branches = {pk for pk, kind, _parent in rows if kind == Organization.Kind.BRANCH}
        groups = [pk for pk, kind, parent in rows if kind == Organization.Kind.GROUP and parent not in branches]
        cached = (sorted(branches), sorted(groups))
        user._member_scope = cached
    return cached


def get_managed_member(user, pk: int) -> Member:
    """Fetch a member the user manages, or 404 (by URL guessing too)."""
    member = members_visible_to(user).select_related("organization", "group", "user").filter(pk=pk).first()
    if member is None:
        raise Http404("No such member")
    return member


def record_change(
    member: Member | None,
    user,
    action: str,
    changes: dict[str, list[str]] | None = None,
    *,
    organization: Organization | None = None,
    note: str = "",
) -> MemberChange:
    """Write one line of the roster's audit log."""
    return MemberChange.objects.create(
        member=member,
        organization=organization or (member.organization if member else None),
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        changes=changes or {},
        note=note,
    )
