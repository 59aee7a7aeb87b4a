"""Fetch-with-check for dues: whose bases and payments a manager reaches, and a member's own payments.

Dues are kept by whoever records them (``Capability.RECORD_DUES``) over the
member's branch, or over their group for a role held on a group, the same
reach as ``members.access.managed_members``. A payment also stays in the
books of the branch it was handed to after the member moves on. Outside that
reach an object does not exist (404), whether or not it does.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from branches.access import Capability, scope_of
from members.access import get_managed_member, get_own_member, managed_members
from members.models import Member

from .models import Basis, Payment

RECORD = Capability.RECORD_DUES


def _members_condition(user, prefix: str = "member__") -> Q | None:
    """The rows whose member the user keeps the dues of; None for a superuser (everything)."""
    scope = scope_of(user)
    if scope.is_superuser:
        return None
    branch_ids, group_ids = scope.branch_and_group_ids(RECORD)
    condition = Q(**{f"{prefix}organization_id__in": branch_ids})
    if group_ids:
        condition |= Q(**{f"{prefix}group_id__in": group_ids})
    return condition


def managed_dues_members(user) -> QuerySet[Member]:
    """Every roster entry whose dues the user records."""
    return managed_members(user, RECORD)


def get_managed_dues_member(user, pk: int) -> Member:
    """A member whose dues the user records, or 404."""
    return get_managed_member(user, pk, RECORD)


def managed_payments(user) -> QuerySet[Payment]:
    """Payments of members the user keeps the dues of, and payments handed to a branch they keep the books of."""
    condition = _members_condition(user)
    payments = Payment.objects.all()
    if condition is None:
        return payments
    branch_ids, _group_ids = scope_of(user).branch_and_group_ids(RECORD)
    return payments.filter(condition | Q(organization_id__in=branch_ids))


def get_managed_payment(user, pk: int) -> Payment:
    """A payment the user may confirm or see the receipt of, or 404."""
    payment = (
        managed_payments(user)
        .select_related("member__organization", "member__group", "organization", "entered_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if payment is None:
        raise Http404("No such payment")
    return payment


def managed_bases(user) -> QuerySet[Basis]:
    """Every basis row of a member the user keeps the dues of."""
    condition = _members_condition(user)
    bases = Basis.objects.all()
    return bases if condition is None else bases.filter(condition)


def get_managed_basis(user, pk: int) -> Basis:
    """A basis row of a member the user keeps the dues of, or 404."""
    basis = (
        managed_bases(user)
        .select_related("member__organization", "member__group", "entered_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if basis is None:
        raise Http404("No such basis")
    return basis


def get_own_payment(user, pk: int) -> Payment:
    """One of the logged-in member's own payments, or 404; their past stays theirs after a transfer."""
    member = get_own_member(user, include_former=True)
    payment = Payment.objects.select_related("member", "organization").filter(pk=pk, member=member).first()
    if payment is None:
        raise Http404("No such payment")
    return payment


def get_readable_payment(user, pk: int) -> Payment:
    """A payment the user may look at: their own, or one they keep the books of; else 404."""
    try:
        return get_own_payment(user, pk)
    except Http404:
        return get_managed_payment(user, pk)
