"""Hardship visits that are due: the one definition the reminder sweep, the workspace and its list share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..models import Member, Visit


def due_visits(today: dt.date, members: QuerySet[Member] | None = None) -> QuerySet[Visit]:
    """Visits whose next visit is due by ``today`` and that no later visit of the member has followed up.

    A visit recorded since answers the earlier plan, so old plans drop out
    and the set stays as small as the members actually waiting for a visit.
    ``members`` narrows it to a scope (``managed_members(user, SEE_HARDSHIP)``).
    """
    later = Visit.objects.filter(member=OuterRef("member")).filter(
        Q(visited_on__gt=OuterRef("visited_on")) | Q(visited_on=OuterRef("visited_on"), pk__gt=OuterRef("pk"))
    )
    visits = Visit.objects.filter(next_visit_on__lte=today, member__state=Member.State.ACTIVE).exclude(Exists(later))
    if members is not None:
        visits = visits.filter(member__in=members)
    return visits
