"""Searching the roster: the list's filters and sorts, the last contacts, and the silent members.

Every function here takes a queryset already narrowed to the user's scope
(``members.access.managed_members``) and only narrows it further.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization

from .. import facts, pinyin
from ..models import Contact, Member
from . import badges

# Names in pinyin order (艾 < 白 < 张), not by code point; the name breaks ties between equal pinyin.
NAME_ORDER = ("name_pinyin", "name", "pk")
# Never contacted first, then the longest ago: the order of member_contact_order_idx (migration 0006).
CONTACT_ORDER = (F("last_contact_at").asc(nulls_first=True), *NAME_ORDER)


class Sort(models.TextChoices):
    NAME = "name", _("Name")
    JOINED = "joined", _("Joined the Party")
    CONTACT = "contact", _("Longest without contact")


@dataclass(frozen=True)
class RosterQuery:
    """What the roster list is asked for; every field is optional.

    ``hardship`` is the condition from ``members.access.hardship_filter``, so
    it is only ever set for a user who may see hardship.
    """

    q: str = ""
    group: Organization | None = None
    status: str = ""
    itinerant: bool | None = None
    province: str = ""
    hardship: Q | None = None
    has_login: bool | None = None
    state: str = Member.State.ACTIVE
    silent_days: int | None = None
    sort: str = Sort.NAME
    # (badge key, wanted): members with the badge (holds a permit, in transit), or without it.
    badges: tuple[tuple[str, bool], ...] = ()


NUMBER = re.compile(r"[\d\s()+-]+")


def phone_digits(text: str) -> str:
    """The digits of a typed number as they appear in the stored E.164 form, or "" if too few to search by."""
    digits = re.sub(r"\D", "", text)
    # +86 138…, 0086 138…: the country code is stored as +86, so compare the national part.
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) > 11:
            digits = digits[len(prefix) :]
    return digits if len(digits) >= 3 else ""


def is_surname(text: str) -> bool:
    """One Chinese character: what a secretary types for a surname (张 for every 张…).

    Searched as the start of the name, by member_name_prefix_idx: a trigram
    index cannot answer one character, and a substring would also find every
    伟 or 张家口 on the roster.
    """
    return len(text) == 1 and unicodedata.name(text, "").startswith("CJK UNIFIED IDEOGRAPH")


def name_or_phone(text: str) -> Q:
    """The search box, by what was typed: pinyin (``zhangsan``, ``zhang san``, ``ZS`` find 张三 by the start
    of the name's pinyin or initials, and a Latin workplace such as IBM by part of it); a number (phone digits);
    one Chinese character, a surname (the start of the name); anything else, part of the name, city or
    workplace (or phone digits in it).

    Each kind asks only what can match it, so that on PostgreSQL the planner
    answers with a bitmap OR of the indexes (pattern B-trees for the pinyin,
    trigram GIN for the substrings): an OR with a branch of no use, such as a
    Chinese-name substring for ``zs``, makes it scan the branch instead.
    """
    key = pinyin.search_key(text)
    digits = phone_digits(text)
    if key:
        # Stored lowercase, so a case-sensitive prefix: LIKE 'zs%' is what the pattern index answers.
        condition = Q(name_pinyin__startswith=key) | Q(name_initials__startswith=key)
        # Shorter than a trigram, a substring has no index to use.
        if len(key) >= 3:
            condition |= Q(workplace__icontains=text)
        return condition
    if digits and NUMBER.fullmatch(text):
        return Q(phone__contains=digits)
    if is_surname(text):
        return Q(name__startswith=text)
    condition = Q(name__icontains=text) | Q(city__icontains=text) | Q(workplace__icontains=text)
    if digits:
        condition |= Q(phone__contains=digits)
    return condition


def search_roster(members: QuerySet[Member], query: RosterQuery, now: dt.datetime | None = None) -> QuerySet[Member]:
    """Apply the list's search, filters and sort to an already scoped queryset."""
    now = now or timezone.now()
    if query.q.strip():
        members = members.filter(name_or_phone(query.q.strip()))
    if query.group is not None:
        members = members.filter(group=query.group)
    if query.status:
        members = members.filter(status=query.status)
    if query.itinerant is not None:
        members = members.filter(is_itinerant=query.itinerant)
    if query.province:
        members = members.filter(province=query.province)
    if query.hardship is not None:
        members = members.filter(query.hardship)
    if query.has_login is not None:
        members = members.filter(user__isnull=not query.has_login)
    if query.state:
        members = members.filter(state=query.state)
    if query.badges:
        known = {badge.key: badge for badge in badges.registered()}
        for key, wanted in query.badges:
            if key in known:
                condition = known[key].condition()
                members = members.filter(condition) if wanted else members.exclude(condition)
    if query.silent_days is not None:
        # Never contacted counts as silent too.
        recent = Contact.objects.filter(member=OuterRef("pk"), at__gte=now - dt.timedelta(days=query.silent_days))
        members = members.filter(~Exists(recent))
    if query.sort == Sort.JOINED:
        return members.order_by("joined_party_on", *NAME_ORDER)
    if query.sort == Sort.CONTACT:
        return members.order_by(*CONTACT_ORDER)
    if pinyin.search_key(query.q) or is_surname(query.q.strip()):
        # A pinyin prefix's matches sit together in pinyin order (every zhang…
        # near the end), so walking member_roster_idx until 50 match would read
        # most of the branch; ordering by an expression the index cannot give
        # makes the planner fetch the matches by index and sort them instead.
        # A surname's matches sit together the same way (every 张 among the zhang…).
        # Substring matches (a city, a workplace) are spread out, so walking
        # the index finds 50 of them soon.
        return members.order_by(Lower("name_pinyin"), *NAME_ORDER)
    return members.order_by(*NAME_ORDER)


def silent_members(members: QuerySet[Member], now: dt.datetime | None = None) -> QuerySet[Member]:
    """Active itinerant members of ``members`` with no contact, check-in, report or study for their branch's
    ``silent_after_days``; never heard from counts as silent.

    One filter for the whole scope: branches are grouped by their threshold
    (a handful of distinct values), each group gets its own ``NOT EXISTS``
    conditions, so the query count stays the same whatever the roster size.
    """
    now = now or timezone.now()
    thresholds = sorted(
        Organization.objects.branches().order_by().values_list("silent_after_days", flat=True).distinct()
    )
    if not thresholds:
        return members.none()
    per_threshold = []
    for days in thresholds:
        since = now - dt.timedelta(days=days)
        contacted = Exists(Contact.objects.filter(member=OuterRef("pk"), at__gte=since))
        heard_from = [contacted, *facts.activity_since(since)]
        per_threshold.append(Q(organization__silent_after_days=days) & ~reduce(or_, (Q(c) for c in heard_from)))
    return members.filter(reduce(or_, per_threshold), state=Member.State.ACTIVE, is_itinerant=True)


def attach_activity_facts(members: list[Member]) -> None:
    """Set ``facts`` (last contact, check-in, report, study) and ``last_seen_at`` on a page of members.

    One query whatever the page size: the last contact is the member's own ``last_contact_at``.
    """
    known = facts.member_facts(m.pk for m in members)
    for member in members:
        member.facts = {"last_contact": member.last_contact_at, **known.get(member.pk, {})}
        seen = [at for at in member.facts.values() if at is not None]
        member.last_seen_at = max(seen) if seen else None
