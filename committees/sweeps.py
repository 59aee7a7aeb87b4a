"""The ``committee_terms`` sweep: six months and one month before a committee's term ends, once each.

Who hears: the branch's secretaries and the managers of the committee above
(the nearest organization above with someone who gives roles there). Only
each branch's current term counts; a term recorded late, already within a
month, gets the one-month reminder only. The mark on the term and a notice
key per term, stage and person are written in one transaction, so a
replayed day sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from branches.access import Capability, role_kinds_with
from branches.dates import add_months
from branches.holders import RoleHolders
from branches.models import Role
from branches.sweeps import register
from notifications.services import Notice, notify_users

from .models import Term

# Months before the end, with the mark each one sets: the later reminder first, so it also covers the earlier.
STAGES = ((1, "reminded_one_month_at"), (6, "reminded_six_months_at"))
NOTICE_KIND = "committee_term"
ABOVE_KINDS = role_kinds_with(Capability.MANAGE_ROLES)


def current_terms():
    latest = Term.objects.filter(organization=OuterRef("organization")).order_by("-elected_on", "-pk").values("pk")[:1]
    return Term.objects.filter(pk=Subquery(latest))


def recipients(terms: list[Term]) -> dict[int, set[int]]:
    """Per term, the users told: the branch's secretaries and the nearest managers above. One query."""
    holders = RoleHolders((t.organization for t in terms), {*Role.SECRETARY_KINDS, *ABOVE_KINDS})
    return {
        t.pk: holders.on(t.organization_id, Role.SECRETARY_KINDS)
        | holders.nearest(t.organization, ABOVE_KINDS, above=True)
        for t in terms
    }


def remind(today: dt.date, months: int, mark: str) -> int:
    due = [
        term
        for term in current_terms()
        .filter(ends_on__gt=today, **{f"{mark}__isnull": True})
        .select_related("organization")
        .order_by("ends_on", "pk")
        if add_months(term.ends_on, -months) <= today
    ]
    if not due:
        return 0
    told = 0
    users = recipients(due)
    now = timezone.now()
    with transaction.atomic():
        for term in due:
            notice = Notice(
                kind=NOTICE_KIND,
                params={"branch": term.organization.name, "ends_on": term.ends_on.isoformat(), "months": months},
                url=reverse("committees:branch", args=[term.organization_id]),
            )
            told += notify_users(users[term.pk], notice, key=f"committee_term:{term.pk}:{months}:user:{{user}}")
        # The one-month reminder stands for the six-month one it came after (or instead of).
        fields = {mark: now}
        if months == 1:
            fields["reminded_six_months_at"] = now
        Term.objects.filter(pk__in=[t.pk for t in due], **{f"{mark}__isnull": True}).update(**fields)
    return told


@register("committee_terms")
def committee_terms_sweep(today: dt.date) -> dict:
    result = {}
    for months, mark in STAGES:
        result[f"{months}_months"] = remind(today, months, mark)
    return result
