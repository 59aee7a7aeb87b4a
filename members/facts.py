"""What the apps above ``members`` know about a member's recent activity.

The roster shows when a member last checked in, reported or studied, and
lists the itinerant members who have gone silent; those records belong to
``activities``, which builds on ``members``. So, as with ``members.home``,
an app registers two functions here and the roster uses them without
knowing their models:

- ``latest()`` returns ``{"last_checkin": expression, ...}``: expressions on
  ``Member`` rows (a ``Max`` over the member's records, correlated on
  ``OuterRef("pk")``), so the facts ride along in a query the page makes
  anyway, or come for any number of members in one query;
- ``active_since(since)`` returns conditions on ``Member`` rows (``Exists``),
  one per kind, true for a member with a record at or after ``since``; the
  silent list filters the whole scope with them in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Exists, Expression, Q, QuerySet, Subquery

from .models import Member

# The facts the roster shows; a kind nobody registers stays None.
FACT_KEYS = ("last_checkin", "last_report", "last_study")

Facts = dict[int, dict[str, dt.datetime | None]]
LatestFunc = Callable[[], dict[str, Subquery | Expression]]
ActiveSinceFunc = Callable[[dt.datetime], list[Exists | Q]]

_sources: list[tuple[LatestFunc, ActiveSinceFunc]] = []


def register_member_facts(latest: LatestFunc, *, active_since: ActiveSinceFunc) -> None:
    """Add a source of activity facts; registering the same pair twice adds it once."""
    if (latest, active_since) not in _sources:
        _sources.append((latest, active_since))


def fact_annotations() -> dict[str, Subquery | Expression]:
    annotations: dict[str, Subquery | Expression] = {}
    for latest, _active_since in _sources:
        annotations.update(latest())
    return annotations


def with_facts(members: QuerySet[Member]) -> QuerySet[Member]:
    """``members`` with each registered fact as an attribute; read them back with ``facts_of``."""
    return members.annotate(**fact_annotations())


def facts_of(member: Member) -> dict[str, dt.datetime | None]:
    """The member's facts: read from ``with_facts`` annotations if present, else one query."""
    annotated = fact_annotations().keys()
    if all(hasattr(member, key) for key in annotated):
        return {key: getattr(member, key, None) for key in FACT_KEYS}
    return member_facts([member.pk])[member.pk]


def member_facts(member_ids: Iterable[int]) -> Facts:
    """Every FACT_KEYS value for each id (None where nothing is known), in one query whatever the count."""
    ids = list(member_ids)
    merged: Facts = {pk: dict.fromkeys(FACT_KEYS) for pk in ids}
    annotations = fact_annotations()
    if not ids or not annotations:
        return merged
    rows = Member.objects.filter(pk__in=ids).order_by().annotate(**annotations).values("pk", *annotations)
    for row in rows:
        merged[row.pop("pk")].update(row)
    return merged


def activity_since(since: dt.datetime) -> list[Exists | Q]:
    """Conditions on Member rows, each true for a member with some activity at or after ``since``."""
    conditions: list[Exists | Q] = []
    for _latest, active_since in _sources:
        conditions.extend(active_since(since))
    return conditions
