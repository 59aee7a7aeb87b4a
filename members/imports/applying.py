"""Applying a plan: the rows written in bulk, with one audit line per created or updated member."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from branches.models import Organization

from ..models import Member, MemberChange
from .planning import CHUNK, ImportPlan


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int


def apply_plan(plan: ImportPlan, branch: Organization, user, *, note: str = "") -> ImportResult:
    """Write an error-free plan in bulk; the caller holds the transaction that makes it all or nothing."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    actor = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    created = Member.objects.bulk_create([p.member for p in plan.create], batch_size=CHUNK)
    fields = sorted({name for p in plan.update for name in p.changes})
    if plan.update:
        Member.objects.bulk_update([p.member for p in plan.update], [*fields, "updated_at"], batch_size=CHUNK)

    def line(member_id: int, changes: dict) -> MemberChange:
        return MemberChange(
            member_id=member_id,
            organization=branch,
            user=actor,
            at=now,
            action=MemberChange.Action.IMPORTED,
            changes=changes,
            note=note[:200],
        )

    log = [line(member.pk, {}) for member in created] + [line(p.member.pk, p.changes) for p in plan.update]
    MemberChange.objects.bulk_create(log, batch_size=CHUNK)
    return ImportResult(created=len(created), updated=len(plan.update), unchanged=len(plan.unchanged))
