"""Use cases of the roster shared by its features: writing the audit log."""

from __future__ import annotations

from branches.models import Organization

from .models import Member, MemberChange


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
