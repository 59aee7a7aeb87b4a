"""Fetch-with-check for permits, warnings and proposed transfers.

Permits and warnings are the branch's business: the holders of
``Capability.MANAGE_ROSTER`` on the member's branch or above. A group
leader manages the people of a group, but their standing in the branch (a
permit registered by the committee, a member regarded as having left) is
not a group's to keep, so a role held on a group reaches none of them. A
proposed transfer is for those who approve transfers
(``Capability.APPROVE_TRANSFERS``), who are the ones who can act on it.

Scopes are conditions on the member's branch path, so listing costs no
query of its own; outside the scope an object does not exist (404),
whether or not it does. Members never reach any of these.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from branches.access import Capability, can, scope_of
from members.models import Member

from .models import LifeWarning, Permit, TransferProposal

MANAGE = Capability.MANAGE_ROSTER
APPROVE = Capability.APPROVE_TRANSFERS


def _in_branches(user, capability: Capability, path_field: str = "member__organization__path") -> Q | None:
    # A role held on a group covers paths below the group: no branch's path starts with it.
    return scope_of(user).covers(capability, path_field)


def _scoped(queryset: QuerySet, condition: Q | None) -> QuerySet:
    return queryset if condition is None else queryset.filter(condition)


def managed_permits(user) -> QuerySet[Permit]:
    """Every permit of a member of a branch where the user manages the roster."""
    return _scoped(Permit.objects.all(), _in_branches(user, MANAGE))


def get_managed_permit(user, pk: int) -> Permit:
    permit = (
        Permit.objects.select_related("member__organization", "member__group", "host_organization", "entered_by")
        .filter(pk=pk)
        .first()
    )
    if permit is None or not can(user, MANAGE, permit.member.organization):
        raise Http404("No such permit")
    return permit


def get_permit_member(user, pk: int) -> Member:
    """A roster entry whose permits the user keeps: managed on its branch, not only on its group."""
    member = Member.objects.select_related("organization__parent", "group").filter(pk=pk).first()
    if member is None or not can(user, MANAGE, member.organization):
        raise Http404("No such member")
    return member


def managed_warnings(user) -> QuerySet[LifeWarning]:
    return _scoped(LifeWarning.objects.all(), _in_branches(user, MANAGE))


def get_managed_warning(user, pk: int) -> LifeWarning:
    warning = LifeWarning.objects.select_related("member__organization").filter(pk=pk).first()
    if warning is None or not can(user, MANAGE, warning.member.organization):
        raise Http404("No such warning")
    return warning


def managed_proposals(user) -> QuerySet[TransferProposal]:
    return _scoped(TransferProposal.objects.all(), _in_branches(user, APPROVE))


def get_managed_proposal(user, pk: int) -> TransferProposal:
    proposal = TransferProposal.objects.select_related("member__organization").filter(pk=pk).first()
    if proposal is None or not can(user, APPROVE, proposal.member.organization):
        raise Http404("No such proposal")
    return proposal
