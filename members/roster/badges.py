"""Badges the roster shows beside a name, for states that apps above ``members`` know (in transit: itinerant).

An app registers a ``Badge`` in its ``AppConfig.ready()``: a key, a label,
and a function building a boolean expression over ``Member`` rows
(an ``Exists`` correlated on ``OuterRef("pk")``). The roster list
annotates every registered badge in the query it makes anyway, so a badge
costs the page no query, whatever its length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Expression, QuerySet
from django.utils.functional import Promise

from ..models import Member


@dataclass(frozen=True)
class Badge:
    key: str
    label: Promise
    condition: Callable[[], Expression]

    @property
    def attribute(self) -> str:
        return f"badge_{self.key}"


_badges: list[Badge] = []


def register_badge(badge: Badge) -> Badge:
    """Add a badge; a second registration under the same key replaces the first."""
    _badges[:] = [b for b in _badges if b.key != badge.key]
    _badges.append(badge)
    return badge


def registered() -> list[Badge]:
    """The badges, in registration order; the roster's filters offer one yes/no choice per badge."""
    return list(_badges)


def with_badges(members: QuerySet[Member]) -> QuerySet[Member]:
    return members.annotate(**{badge.attribute: badge.condition() for badge in _badges})


def badges_of(member: Member) -> list[Promise]:
    """The labels of the badges an annotated member (``with_badges``) carries."""
    return [badge.label for badge in _badges if getattr(member, badge.attribute, False)]


def member_badges(member: Member) -> list[Promise]:
    """The labels for one member: from its annotations if it has them, else one query."""
    if not _badges:
        return []
    if all(hasattr(member, badge.attribute) for badge in _badges):
        return badges_of(member)
    row = with_badges(Member.objects.filter(pk=member.pk).order_by()).values(*(b.attribute for b in _badges)).first()
    return [badge.label for badge in _badges if row and row[badge.attribute]]
