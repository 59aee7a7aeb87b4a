"""Use cases of the organization tree: who may manage what, and when the activity day is."""

from __future__ import annotations

import datetime as dt

from .access import Capability, can, scope_of
from .access import get_managed_organization as _get_managed_organization
from .models import Organization


def role_paths(user) -> list[str]:
    """Deprecated spelling of ``scope_of(user).paths(...)``; kept while callers move to ``branches.access``."""
    return scope_of(user).paths(Capability.MANAGE_ROSTER)


def can_manage(user, organization: Organization) -> bool:
    return can(user, Capability.MANAGE_ROSTER, organization)


def managed_organizations(user):
    return scope_of(user).organizations(Capability.MANAGE_ROSTER)


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
    return _get_managed_organization(user, pk)


def require_manager(user) -> None:
    """Workspace pages are for people with a role (or superusers): others get 403."""
    from django.core.exceptions import PermissionDenied

    if not scope_of(user).manages_anything:
        raise PermissionDenied
