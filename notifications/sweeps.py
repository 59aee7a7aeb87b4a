"""Sweeps that only tell people something: here, because notifications builds on members and branches."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from branches.access import Capability, role_kinds_with
from branches.models import Role
from branches.sweeps import register
from members.models import Visit
from members.roster import visits as roster_visits

from .models import Notification
from .services import Notice, notify_users

# Who hears of a due visit when nobody was named responsible: the people
# who may see the branch's hardship records.
VISIT_FALLBACK_ROLES = role_kinds_with(Capability.SEE_HARDSHIP)


def visit_key(visit: Visit) -> str:
    """One notice per visit, planned date and recipient: a moved date is a new reminder."""
    return f"visit:{visit.pk}:{visit.next_visit_on.isoformat()}:{{user}}"


def due_visits(today: dt.date) -> list[Visit]:
    """Every due visit not yet followed up (``members.roster.visits.due_visits``), with what the notice reads."""
    return list(
        roster_visits.due_visits(today)
        .select_related("member", "member__organization", "responsible")
        .order_by("next_visit_on", "pk")
    )


def remind_due_visits(today: dt.date) -> dict[str, int]:
    """Tell the responsible person (or the branch's secretaries) once about each due visit.

    Three queries whatever the number of visits (due visits, fallback roles,
    notices already sent), then one INSERT per visit that still has someone
    to tell; the notification key makes a re-run send nothing twice.
    """
    visits = due_visits(today)
    fallback: dict[int, set[int]] = {}
    branch_ids = {v.member.organization_id for v in visits if not _responsible_id(v)}
    for organization_id, user_id in Role.objects.filter(
        organization_id__in=branch_ids, kind__in=VISIT_FALLBACK_ROLES, user__is_active=True
    ).values_list("organization_id", "user_id"):
        fallback.setdefault(organization_id, set()).add(user_id)
    recipients = {
        v.pk: ({_responsible_id(v)} if _responsible_id(v) else fallback.get(v.member.organization_id, set()))
        for v in visits
    }
    keys = [visit_key(v).format(user=user_id) for v in visits for user_id in recipients[v.pk]]
    sent_before = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    sent = unassigned = 0
    for visit in visits:
        new = sorted(u for u in recipients[visit.pk] if visit_key(visit).format(user=u) not in sent_before)
        if not recipients[visit.pk]:
            unassigned += 1
        if new:
            sent += notify_users(new, _visit_notice(visit), key=visit_key(visit))
    return {"due": len(visits), "sent": sent, "unassigned": unassigned}


def _responsible_id(visit: Visit) -> int | None:
    if visit.responsible_id and visit.responsible.is_active:
        return visit.responsible_id
    return None


def _visit_notice(visit: Visit) -> Notice:
    member = visit.member
    # Worded by ``notices.visit``.
    params = {
        "name": member.name,
        "branch": member.organization.name,
        "date": visit.next_visit_on.isoformat(),
        "visited": visit.visited_on.isoformat(),
        "help": visit.help_given,
    }
    return Notice(kind="visit", params=params, url=reverse("roster:detail", args=[member.pk]) + "#hardship")


@register("visits")
def visits(today: dt.date) -> dict:
    return remind_due_visits(today)
