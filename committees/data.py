"""What the committee pages show, in a bounded number of queries whatever the number of branches."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery

from branches.access import scope_of
from branches.dates import add_months
from branches.models import Organization
from members.models import Member

from .access import CAPABILITY
from .models import Post, Term

SOON_MONTHS = 6


def branch_posts(branch: Organization, today: dt.date) -> tuple[list[Post], list[Post]]:
    """Posts held today (in the order of the committee), and the history: ended or not yet begun."""
    order = {kind: i for i, kind in enumerate(Post.Kind.values)}
    posts = list(Post.objects.filter(organization=branch).select_related("member__user").order_by("-started_on", "pk"))
    now = sorted((p for p in posts if p.is_open_on(today)), key=lambda p: (order[p.kind], p.started_on, p.pk))
    history = [p for p in posts if not p.is_open_on(today)]
    return now, history


def overview(user, today: dt.date):
    """The branches in the user's scope, each with its current term, size, groups and open 书记 post."""
    branches = scope_of(user).organizations(CAPABILITY).filter(kind=Organization.Kind.BRANCH)
    latest = Term.objects.filter(organization=OuterRef("pk")).order_by("-elected_on", "-pk")
    secretary = Post.objects.filter(
        organization=OuterRef("pk"), kind=Post.Kind.SECRETARY, started_on__lte=today
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
    members = (
        Member.objects.active()
        .filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    groups = Organization.objects.filter(kind=Organization.Kind.GROUP).order_by("name", "pk")
    return (
        branches.annotate(
            term_elected_on=Subquery(latest.values("elected_on")[:1]),
            term_ends_on=Subquery(latest.values("ends_on")[:1]),
            member_count=Subquery(members),
            has_secretary=Exists(secretary),
        )
        .prefetch_related(Prefetch("children", queryset=groups, to_attr="groups"))
        .order_by("path")
    )


def flags(branch: Organization, today: dt.date) -> dict:
    ends = branch.term_ends_on
    return {
        "overdue": ends is not None and ends <= today,
        "soon": ends is not None and today < ends <= add_months(today, SOON_MONTHS),
        "no_term": ends is None,
        "large": (branch.member_count or 0) > settings.BRANCH_SIZE_GUIDELINE,
        "vacant": not branch.has_secretary,
    }
