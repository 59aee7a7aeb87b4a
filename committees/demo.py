"""Demo committees: posts for the online branch and the ordinary branches, terms to look at.

The online branch's term ends within six months; the first ordinary branch's is overdue; the last
ordinary branch has no 书记 recorded, so the committee view flags a vacancy. Safe to run again:
a branch that has posts or terms already is left as it is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.utils import timezone

from branches.dates import add_months
from branches.models import Organization, Role
from members.demo import ONLINE_BRANCH_CODE, ORDINARY_BRANCHES
from members.models import Member

from . import services
from .models import Post, Term

Kind = Post.Kind
ONLINE_POSTS = (Kind.SECRETARY, Kind.DEPUTY, Kind.ORGANIZATION, Kind.PUBLICITY, Kind.DISCIPLINE)
# Months since the election: the online branch ends its 3 years within four months, the first ordinary
# branch is four months overdue, the others are in the middle of their terms.
ELECTED_MONTHS_AGO = {ONLINE_BRANCH_CODE: 32, ORDINARY_BRANCHES[0][0]: 40}
OTHER_MONTHS_AGO = 14


def _people(branch: Organization) -> list[Member]:
    """The branch's members, its secretary's own entry first when the secretary is on its roster."""
    members = list(Member.objects.active().filter(organization=branch).order_by("pk")[:10])
    secretary_ids = set(
        Role.objects.filter(organization=branch, kind=Role.Kind.SECRETARY).values_list("user_id", flat=True)
    )
    return sorted(members, key=lambda m: (m.user_id not in secretary_ids, m.pk))


def _seed_branch(branch: Organization, kinds, today: dt.date, created: Counter) -> None:
    if Post.objects.filter(organization=branch).exists() or Term.objects.filter(organization=branch).exists():
        return
    elected_on = add_months(today, -ELECTED_MONTHS_AGO.get(branch.code, OTHER_MONTHS_AGO))
    # Through the services, so the demo's terms and posts follow the same rules as the pages'.
    services.record_election(branch, elected_on, "", None, today)
    created["committee terms"] += 1
    for kind, member in zip(kinds, _people(branch), strict=False):
        services.add_post(branch, member, kind, elected_on, None, None)
        created["committee posts"] += 1


@transaction.atomic
def seed(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    created: Counter[str] = Counter()
    online = Organization.objects.filter(code=ONLINE_BRANCH_CODE).first()
    if online is not None:
        _seed_branch(online, ONLINE_POSTS, today, created)
    codes = [code for code, *_rest in ORDINARY_BRANCHES]
    for branch in Organization.objects.filter(code__in=codes).order_by("code"):
        # The last branch of the list has its 书记 post vacant.
        kinds = (Kind.MEMBER, Kind.MEMBER) if branch.code == codes[-1] else (Kind.SECRETARY, Kind.MEMBER)
        _seed_branch(branch, kinds, today, created)
    return {key: n for key, n in created.items() if n}
