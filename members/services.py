"""Use cases of the roster shared by its features: counting members and writing the audit log."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

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
