"""Use cases of the organization tree: who may manage what."""

from __future__ import annotations

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


def get_managed_organization(user, pk: int) -> Organization:
    return _get_managed_organization(user, pk)


def require_manager(user) -> None:
    """Workspace pages are for people with a role (or superusers): others get 403."""
    from django.core.exceptions import PermissionDenied

    if not scope_of(user).manages_anything:
        raise PermissionDenied
