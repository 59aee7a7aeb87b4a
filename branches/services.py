"""Use cases of the organization tree: who may manage what, and when the activity day is."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Q

from .models import Organization, Role


def role_paths(user) -> list[str]:
    """Paths of the subtrees a user manages; cached on the user for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_role_paths", None)
    if cached is None:
        cached = list(Role.objects.filter(user=user).values_list("organization__path", flat=True).distinct())
        user._role_paths = cached
    return cached


def can_manage(user, organization: Organization) -> bool:
    """The one permission check: does one of the user's roles cover ``organization``?"""
    if getattr(user, "is_superuser", False):
        return True
    return any(organization.path.startswith(path) for path in role_paths(user))


def managed_organizations(user):
    """Every organization under the user's roles, as one queryset."""
    if getattr(user, "is_superuser", False):
        return Organization.objects.all()
    paths = role_paths(user)
    if not paths:
        return Organization.objects.none()
    return Organization.objects.filter(reduce(or_, (Q(path__startswith=path) for path in paths)))


def activity_date(organization: Organization, year: int, month: int) -> dt.date:
    """The branch's fixed activity day in a given month (1 to 28, so it always exists)."""
    return dt.date(year, month, organization.activity_day)


def next_activity_date(organization: Organization, today: dt.date) -> dt.date:
    """The activity day on or after ``today``."""
    this_month = activity_date(organization, today.year, today.month)
    if this_month >= today:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return activity_date(organization, year, month)


def get_managed_organization(user, pk: int) -> Organization:
    """Fetch an organization the user manages, or 404: outsiders learn nothing of other branches."""
    from django.http import Http404

    organization = Organization.objects.filter(pk=pk).select_related("parent").first()
    if organization is None or not can_manage(user, organization):
        raise Http404("No such organization")
    return organization


def require_manager(user) -> None:
    """Workspace pages are for people with a role (or superusers): others get 403."""
    from django.core.exceptions import PermissionDenied

    if not (getattr(user, "is_superuser", False) or role_paths(user)):
        raise PermissionDenied
