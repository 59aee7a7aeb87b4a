"""Fetch-with-check for transfers of the Party relationship: which transfers a person reaches, from which side.

Two sides, each with ``Capability.APPROVE_TRANSFERS`` over its branch:

- the **sending** side (``managed_transfers``): outgoing transfers of members
  of the user's branches, from the request on;
- the **receiving** side (``incoming_transfers``): transfers addressed to one
  of the user's branches, but only once the letter was issued, and the letters
  from outside that the user's branches registered. Before the letter the
  request is the sending branch's business: the receiving branch's secretary
  gets a 404 like for any object outside their reach.

A member sees their own transfers (``own_transfers``), never anyone else's.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from branches.access import Capability, scope_of
from members.access import get_own_member

from .models import Transfer

APPROVE = Capability.APPROVE_TRANSFERS


def _covered(user, field_name: str) -> Q | None:
    return scope_of(user).covers(APPROVE, field_name)


def managed_transfers(user) -> QuerySet[Transfer]:
    """Outgoing transfers of the user's branches: the ones the user handles as the sending side."""
    outgoing = Transfer.objects.filter(direction=Transfer.Direction.OUT)
    scope = _covered(user, "from_organization__path")
    return outgoing if scope is None else outgoing.filter(scope)


def incoming_transfers(user) -> QuerySet[Transfer]:
    """Transfers into the user's branches that the receiving side may see: a letter issued or registered."""
    visible = Q(direction=Transfer.Direction.IN) | Q(issued_on__isnull=False, to_organization__isnull=False)
    scope = _covered(user, "to_organization__path")
    transfers = Transfer.objects.filter(visible)
    return transfers if scope is None else transfers.filter(scope)


def reachable_transfers(user) -> QuerySet[Transfer]:
    """Either side: what the user's transfer list shows, as one condition (no subquery per side)."""
    outgoing = Q(direction=Transfer.Direction.OUT)
    incoming = Q(direction=Transfer.Direction.IN) | Q(issued_on__isnull=False, to_organization__isnull=False)
    from_scope = _covered(user, "from_organization__path")
    to_scope = _covered(user, "to_organization__path")
    if from_scope is not None:
        outgoing &= from_scope
        incoming &= to_scope
    return Transfer.objects.filter(outgoing | incoming)


def _related(transfers: QuerySet[Transfer]) -> QuerySet[Transfer]:
    return transfers.select_related(
        "member__organization", "member__group", "from_organization", "to_organization", "requested_by", "decided_by"
    )


def get_managed_transfer(user, pk: int) -> Transfer:
    """A transfer the user handles as the sending side, or 404 (by URL guessing too)."""
    transfer = _related(managed_transfers(user)).filter(pk=pk).first()
    if transfer is None:
        raise Http404("No such transfer")
    return transfer


def get_incoming_transfer(user, pk: int) -> Transfer:
    """A transfer into one of the user's branches whose letter exists, or 404."""
    transfer = _related(incoming_transfers(user)).filter(pk=pk).first()
    if transfer is None:
        raise Http404("No such transfer")
    return transfer


def own_transfers(user) -> QuerySet[Transfer]:
    """The logged-in member's own transfers; a member transferred out still reads theirs."""
    member = get_own_member(user, include_former=True)
    return Transfer.objects.filter(member=member)
