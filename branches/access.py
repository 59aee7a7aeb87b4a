"""Who may do what, where: the one capability table and the one check.

A role (secretary, deputy, group leader, organizer) is held on one
organization and covers its whole subtree. What the role lets its holder do
there is a set of capabilities, written once in ``CAPABILITIES``. Every
permission question in netbranch is ``can(user, capability, organization)``
or a query narrowed by ``scope_of(user)``; nothing else spells out role kinds.

The rule for refusals, everywhere:

- a page of the workspace that names no object (a list, a form for a new
  thing) answers **403** to a user whose roles grant its capability nowhere;
- a URL that names an object answers **404** when the object is outside the
  user's scope for the capability, whether or not it exists, so a guessed
  number tells nothing about other branches. The per-object helpers in each
  app's ``access.py`` (``get_managed_X``, ``get_own_X``) give that 404;
- a member's own pages answer 404 to a login with no active roster entry
  (``members.access.get_own_member``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce, wraps
from operator import or_

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import Organization, Role


class Capability(StrEnum):
    MANAGE_ROSTER = "manage_roster"  # see and change roster entries, contacts, transfers
    SEE_HARDSHIP = "see_hardship"  # hardship notes, the hardship filter and visits
    IMPORT_ROSTER = "import_roster"  # spreadsheet import and the full export
    APPROVE_SIGNUPS = "approve_signups"  # signup requests and invitation codes
    MANAGE_ROLES = "manage_roles"  # give and take roles below one's own
    MANAGE_ACTIVITIES = "manage_activities"  # plan activities, attendance by hand, statistics
    DECIDE_LEAVE = "decide_leave"
    ANSWER_REPORTS = "answer_reports"
    MANAGE_CHANNELS = "manage_channels"  # notification channels and message templates
    REVIEW_EVALUATIONS = "review_evaluations"  # rounds, scores, objections, schemes
    # Coming features have their capability here first, so their views only add a check.
    RECORD_DUES = "record_dues"
    APPROVE_TRANSFERS = "approve_transfers"


# Everything a group leader or organizer does for the people of their subtree.
_LEADING = frozenset(
    {
        Capability.MANAGE_ROSTER,
        Capability.MANAGE_ACTIVITIES,
        Capability.DECIDE_LEAVE,
        Capability.ANSWER_REPORTS,
        Capability.MANAGE_CHANNELS,
        Capability.REVIEW_EVALUATIONS,
    }
)
_SECRETARY = frozenset(Capability)

CAPABILITIES: dict[str, frozenset[Capability]] = {
    **dict.fromkeys(Role.SECRETARY_KINDS, _SECRETARY),
    # An organizer (组织委员) keeps the branch's books and people: import, signups, dues.
    Role.Kind.ORGANIZER: _LEADING | {Capability.IMPORT_ROSTER, Capability.APPROVE_SIGNUPS, Capability.RECORD_DUES},
    # A group leader runs their group's life; hardship, people's powers and the branch's
    # membership stay with the branch's secretaries.
    Role.Kind.GROUP_ADMIN: _LEADING,
}

# Capabilities that a role held on a group never grants, whatever its kind: they act on a
# branch as a whole (its roles, its door, its spreadsheets) and a group is only part of one.
BRANCH_WIDE = frozenset(
    {Capability.MANAGE_ROLES, Capability.IMPORT_ROSTER, Capability.APPROVE_SIGNUPS, Capability.SEE_HARDSHIP}
)


def role_kinds_with(capability: Capability) -> frozenset[str]:
    """The role kinds whose holders have ``capability`` (on a branch or above)."""
    return frozenset(kind for kind, granted in CAPABILITIES.items() if capability in granted)


@dataclass(frozen=True)
class Grant:
    kind: str
    organization_id: int
    path: str
    organization_kind: str

    def grants(self, capability: Capability) -> bool:
        if capability not in CAPABILITIES.get(self.kind, ()):
            return False
        return not (capability in BRANCH_WIDE and self.organization_kind == Organization.Kind.GROUP)


@dataclass
class Scope:
    """A user's roles, read once; every permission question of a request is answered from it."""

    user_id: int | None
    is_superuser: bool = False
    grants: tuple[Grant, ...] = ()
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, user) -> Scope:
        if not getattr(user, "is_authenticated", False):
            return cls(user_id=None)
        rows = Role.objects.filter(user_id=user.pk).values_list(
            "kind", "organization_id", "organization__path", "organization__kind"
        )
        return cls(user_id=user.pk, is_superuser=user.is_superuser, grants=tuple(Grant(*row) for row in rows))

    @property
    def manages_anything(self) -> bool:
        return self.is_superuser or bool(self.grants)

    def paths(self, capability: Capability) -> list[str]:
        """The subtrees where the user has ``capability``, none inside another."""
        key = ("paths", capability)
        if key not in self._cache:
            paths = sorted({grant.path for grant in self.grants if grant.grants(capability)})
            self._cache[key] = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
        return self._cache[key]

    def anywhere(self, capability: Capability) -> bool:
        return self.is_superuser or bool(self.paths(capability))

    def can(self, capability: Capability, organization: Organization | None) -> bool:
        if organization is None:
            return False
        return self.can_at(capability, organization.path)

    def can_at(self, capability: Capability, path: str) -> bool:
        """``can`` asked of a path (an organization not loaded, e.g. a parent known from its child's path)."""
        return self.is_superuser or any(path.startswith(granted) for granted in self.paths(capability))

    def covers(self, capability: Capability, field_name: str = "path") -> Q | None:
        """A filter for rows whose ``field_name`` (a path) lies in the scope; None for a superuser.

        Callers apply it as ``queryset.filter(q)``; with no grant it matches nothing.
        """
        if self.is_superuser:
            return None
        paths = self.paths(capability)
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{field_name}__startswith": path}) for path in paths))

    def organizations(self, capability: Capability) -> QuerySet[Organization]:
        """Every organization where the user has ``capability``, as one queryset."""
        condition = self.covers(capability)
        organizations = Organization.objects.all()
        return organizations if condition is None else organizations.filter(condition)

    def branch_and_group_ids(self, capability: Capability) -> tuple[list[int], list[int]]:
        """Branches in the scope, and groups in it whose branch is not (a group leader's groups).

        Read once per set of subtrees (capabilities granted on the same ones share it):
        roster queries use the id lists so that ``member_roster_idx`` answers
        them without a join on paths.
        """
        key = ("ids", self.is_superuser, tuple(self.paths(capability)))
        if key not in self._cache:
            rows = list(
                self.organizations(capability)
                .filter(kind__in=[Organization.Kind.BRANCH, Organization.Kind.GROUP])
                .values_list("pk", "kind", "parent_id")
            )
            branches = {pk for pk, kind, _parent in rows if kind == Organization.Kind.BRANCH}
            groups = [pk for pk, kind, parent in rows if kind == Organization.Kind.GROUP and parent not in branches]
            self._cache[key] = (sorted(branches), sorted(groups))
        return self._cache[key]


_ANONYMOUS = Scope(user_id=None)


def scope_of(user) -> Scope:
    """The user's scope, read from the database once per user object (that is, once per request)."""
    if not getattr(user, "is_authenticated", False):
        return _ANONYMOUS
    scope = getattr(user, "_access_scope", None)
    if scope is None or scope.user_id != user.pk:
        scope = Scope.load(user)
        user._access_scope = scope
    return scope


def forget_scope(user) -> None:
    """After a change of the user's own roles within a request."""
    user.__dict__.pop("_access_scope", None)


def can(user, capability: Capability, organization: Organization | None) -> bool:
    """The one permission check: does one of the user's roles give ``capability`` over ``organization``?"""
    return scope_of(user).can(capability, organization)


def require(user, capability: Capability) -> None:
    """403 unless the user has ``capability`` somewhere: for pages that name no object."""
    if not scope_of(user).anywhere(capability):
        raise PermissionDenied


def capability_required(capability: Capability) -> Callable:
    """View decorator: a logged-in user with ``capability`` somewhere, else the login page or 403.

    Which objects the user may touch is still checked per object, by the
    ``get_managed_X`` helpers, which answer 404 outside the scope.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, capability)
            return view(request, *args, **kwargs)

        wrapped.capability = capability
        return login_required(wrapped)

    return decorator


def get_managed_organization(user, pk: int, capability: Capability = Capability.MANAGE_ROSTER) -> Organization:
    """An organization where the user has ``capability``, or 404: outsiders learn nothing of other branches."""
    from django.http import Http404

    organization = Organization.objects.filter(pk=pk).select_related("parent").first()
    if not can(user, capability, organization):
        raise Http404("No such organization")
    return organization
