"""Proposed transfers: an itinerant member settled more than six months at one place should transfer.

A member away more than six months at a fixed place transfers the formal
relationship (党员组织关系转接的规定); the permit is for shorter stays, or for
those who cannot transfer yet. The daily sweep asks the database which
active itinerant members have been at their present place for six months,
and raises one proposal per stay. The stay starts on the latest of: the day
they left home, the day their entry reached this roster, and the last
change of their province or city in the roster's log (a confirmed move
report is logged there too). So the place must have been *known* unchanged
for six months: a roster imported last week proposes nobody until its
places have held for half a year.

A proposal waits on the secretaries' to-do list until it is dismissed (with
a reason: the member cannot transfer, is coming back, …) or a transfer of
the member is started; a member who moves on starts a new stay, which gets
its own proposal six months later.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    CharField,
    DateField,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.bulk import insert_from_select
from branches.dates import add_months
from branches.errors import DomainError
from members.models import Member, MemberChange

from .models import Transfer, TransferProposal

STAY_MONTHS = 6


class ProposalError(DomainError):
    default_code = "proposal_refused"


def _place_changed() -> Q:
    return Q(changes__has_key="province") | Q(changes__has_key="city")


def stays(today: dt.date) -> QuerySet[Member]:
    """Active itinerant members with ``stay_start``: since when their place is known unchanged."""
    last_move = (
        MemberChange.objects.filter(_place_changed(), member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(at=Max("at"))
        .values("at")
    )
    return (
        Member.objects.filter(state=Member.State.ACTIVE, is_itinerant=True, left_home_on__isnull=False)
        .filter(left_home_on__lte=add_months(today, -STAY_MONTHS))
        .annotate(moved_at=Subquery(last_move))
        .annotate(
            stay_start=Greatest(
                "left_home_on",
                TruncDate("created_at"),
                # Greatest is NULL with any NULL on SQLite: never moved counts as leaving home.
                Coalesce(TruncDate("moved_at"), "left_home_on"),
                output_field=DateField(),
            )
        )
    )


def raise_proposals(today: dt.date) -> int:
    """One proposal per member and stay of six months or more; returns how many are new.

    One ``INSERT … SELECT`` whatever the roster size; the unique key
    (member, stay) makes a replay, or a sweep racing another, write nothing.
    A member whose transfer is under way is left out.
    """
    due = (
        stays(today)
        .filter(stay_start__lte=add_months(today, -STAY_MONTHS))
        .exclude(Exists(Transfer.objects.filter(member=OuterRef("pk"), state__in=Transfer.OPEN_STATES)))
        .exclude(Exists(TransferProposal.objects.filter(member=OuterRef("pk"), away_since=OuterRef("stay_start"))))
        .order_by()
        .annotate(
            _raised=Value(today, output_field=DateField()),
            _note=Value("", output_field=CharField()),
        )
        .values_list("pk", "stay_start", "city", "_raised", "_note")
    )
    return insert_from_select(TransferProposal, ["member", "away_since", "place", "raised_on", "closed_note"], due)


def open_proposals(proposals: QuerySet[TransferProposal]) -> QuerySet[TransferProposal]:
    """Proposals still waiting: not dismissed, no transfer of the member started since, still away on the roster."""
    started = Transfer.objects.filter(member=OuterRef("member"), requested_at__date__gte=OuterRef("raised_on"))
    return proposals.filter(
        closed_at__isnull=True, member__state=Member.State.ACTIVE, member__is_itinerant=True
    ).exclude(Exists(started))


def dismiss(proposal: TransferProposal, note: str, by, *, now: dt.datetime | None = None) -> None:
    """The secretaries decided not to propose a transfer for this stay; why is kept on the row."""
    note = (note or "").strip()
    if not note:
        raise ProposalError(_("Say why no transfer is needed."), code="reason_required", field="note")
    now = now or timezone.now()
    closed = TransferProposal.objects.filter(pk=proposal.pk, closed_at__isnull=True).update(
        closed_at=now, closed_note=note[:200]
    )
    if not closed:
        raise ProposalError(_("This proposal has already been dismissed."), code="already_closed")
    proposal.closed_at, proposal.closed_note = now, note[:200]
