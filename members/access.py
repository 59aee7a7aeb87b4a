"""Fetch-with-check for the members app: which entries, signups, invitations, roles and imports a person reaches.

Every question goes through ``branches.access``: a role covers its
organization's subtree with the capabilities its kind grants. Lists are
narrowed with ``managed_X(user)``; an object named by a URL is fetched with
``get_managed_X(user, pk)``, which answers 404 outside the scope, whether the
object exists or not.

A member acts in their branch (checks in, asks for leave, hands in a report,
assesses themselves) only while their entry is active. A member who was
transferred out keeps read access to their own past (their profile, their
reports and the answers, their published results), never to the branch's
present: ``get_own_member(user)`` is the active entry, and
``get_own_member(user, include_former=True)`` is for the pages of one's own
history.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.db.models import Exists, Expression, Model, OuterRef, Q, QuerySet
from django.http import Http404

from branches.access import Capability, Scope, can, scope_of
from branches.models import Role
from branches.prepared import PreparedQuery

from . import facts
from .models import Invitation, Member, RosterImport, SignupRequest
from .roster import badges as roster_badges

# A group leader runs study and check-ins; a member's hardship and the help given stay with the secretaries.
HARDSHIP_FIELDS = ("in_hardship", "hardship_note")


def _within(queryset: QuerySet, user, capability: Capability, field_name: str = "organization__path") -> QuerySet:
    condition = scope_of(user).covers(capability, field_name)
    return queryset if condition is None else queryset.filter(condition)


def _first_or_404(queryset: QuerySet, pk: int, what: str) -> Model:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(f"No such {what}")
    return found


# --- Roster entries ---------------------------------------------------------------------------


def managed_members(user, capability: Capability = Capability.MANAGE_ROSTER) -> QuerySet[Member]:
    """Every roster entry where the user has ``capability``: the one place that decides whom a manager sees."""
    scope = scope_of(user)
    if scope.is_superuser:
        return Member.objects.all()
    branch_ids, group_ids = scope.branch_and_group_ids(capability)
    if not branch_ids and not group_ids:
        return Member.objects.none()
    # Plain id lists rather than joins on the organization paths: a branch
    # secretary's roster is then "organization_id IN (…) AND state = ? ORDER
    # BY name", which member_roster_idx answers without sorting the branch
    # (about 20 ms instead of 700 ms at 100,000 members, bench/roster_list.py).
    condition = Q(organization_id__in=branch_ids)
    if group_ids:
        condition |= Q(group_id__in=group_ids)
    return Member.objects.filter(condition)


def get_managed_member(
    user,
    pk: int,
    capability: Capability = Capability.MANAGE_ROSTER,
    *,
    with_facts: bool = False,
    with_badges: bool = False,
) -> Member:
    """A roster entry the user manages, or 404 (by URL guessing too).

    ``with_facts`` reads the activity facts in the same query (see ``members.facts.facts_of``),
    ``with_badges`` the roster's badges (``members.roster.badges``).
    """
    members = managed_members(user, capability)
    if with_facts:
        members = facts.with_facts(members)
    if with_badges:
        members = roster_badges.with_badges(members)
    return _first_or_404(members.select_related("organization", "group", "user"), pk, "member")


def can_see_hardship(user, member: Member) -> bool:
    """Hardship notes are for the secretaries of the member's branch and those above it."""
    return can(user, Capability.SEE_HARDSHIP, member.organization)


def sees_hardship_anywhere(user) -> bool:
    """Whether the hardship filter and fields are offered at all."""
    return scope_of(user).anywhere(Capability.SEE_HARDSHIP)


def hardship_filter(user, in_hardship: bool) -> Q | None:
    """The roster's hardship filter as the user may apply it, or None when it is not theirs to apply.

    A member counts as in hardship only where the user may see it, so a
    narrowed list never tells a group leader whose hardship is on file.
    """
    scope = scope_of(user)
    if not scope.anywhere(Capability.SEE_HARDSHIP):
        return None
    seen = scope.covers(Capability.SEE_HARDSHIP, "organization__path")
    known = Q(in_hardship=True) if seen is None else Q(in_hardship=True) & seen
    return known if in_hardship else ~known


# --- Signups and invitations ------------------------------------------------------------------


def managed_signups(user) -> QuerySet[SignupRequest]:
    """Pending signup requests of the branches where the user approves signups."""
    pending = SignupRequest.objects.filter(status=SignupRequest.Status.PENDING)
    return _within(pending, user, Capability.APPROVE_SIGNUPS)


def get_managed_signup(user, pk: int) -> SignupRequest:
    """A pending signup request the user may decide, or 404; a decided one is gone from the queue."""
    signups = managed_signups(user).select_related("organization", "user", "invitation")
    return _first_or_404(signups, pk, "signup request")


def managed_invitations(user) -> QuerySet[Invitation]:
    return _within(Invitation.objects.all(), user, Capability.APPROVE_SIGNUPS)


def get_managed_invitation(user, pk: int) -> Invitation:
    return _first_or_404(managed_invitations(user).select_related("organization"), pk, "invitation")


# --- Roles ----------------------------------------------------------------------------------


def managed_roles(user) -> QuerySet[Role]:
    """Roles the user may take away: those held in a subtree where they manage roles."""
    return _within(Role.objects.all(), user, Capability.MANAGE_ROLES)


def get_managed_role(user, pk: int) -> Role:
    """A role the user may remove, or 404: others learn nothing of roles elsewhere."""
    return _first_or_404(managed_roles(user).select_related("user", "organization"), pk, "role")


# --- Imports --------------------------------------------------------------------------------


def managed_imports(user) -> QuerySet[RosterImport]:
    return _within(RosterImport.objects.all(), user, Capability.IMPORT_ROSTER)


def get_managed_import(user, pk: int) -> RosterImport:
    """An import into a branch where the user imports, or 404 (by URL guessing too)."""
    return _first_or_404(managed_imports(user).select_related("organization"), pk, "import")


# --- One's own entry ------------------------------------------------------------------------


# What apps above ``members`` read with the person's own roster entry, in the
# same query (notifications: the navigation's unread count). name -> a
# function that builds the expression over Member. The query is compiled once
# per process (``branches.prepared``), so the expression may depend on the
# entry's row only, never on the moment or the request.
_own_annotations: dict[str, Callable[[], Expression]] = {}


def annotate_own_member(name: str, expression: Callable[[], Expression]) -> None:
    """Have every load of the person's own entry carry ``name``; registering a name again replaces it."""
    _own_annotations[name] = expression


@dataclass(frozen=True)
class OwnAnnotations:
    """What one page reads with the entry besides the registered annotations.

    ``build()`` gives the same expressions whenever ``key`` is the same (the
    home page: its sections' annotations for one day), so the load is
    compiled once per key instead of once per request. A plain dict of
    expressions is built and compiled on every load.
    """

    key: Hashable
    build: Callable[[], dict[str, Expression]]


def own_member(
    user, *, include_former: bool = False, annotations: dict[str, Expression] | OwnAnnotations | None = None
) -> Member | None:
    """The logged-in person's roster entry, or None; see the module's note on former members.

    A login has at most one entry (``Member.user`` is one-to-one), so one
    query per request answers both questions, active and former, whoever
    asks first: the views, the navigation, the home sections. It also tells
    whether the login holds any role: when it holds none, the access scope
    is known without its own query. ``annotations`` are read in the same
    query (the home page's sections); asking for ones the loaded entry lacks
    loads it again.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    loaded = user.__dict__.get("_own_member", _NOT_LOADED)
    if loaded is _NOT_LOADED or (annotations and loaded is not None and not _has(loaded, annotations)):
        loaded = _load_own_member(user, annotations)
        user.__dict__["_own_member"] = loaded
    if loaded is None or include_former or loaded.state == Member.State.ACTIVE:
        return loaded
    return None


_NOT_LOADED = object()


def forget_own_member(user) -> None:
    """After a change within the request to what the loaded entry carries (a notice just read)."""
    user.__dict__.pop("_own_member", None)


def _has(member: Member, annotations: dict | OwnAnnotations) -> bool:
    if isinstance(annotations, OwnAnnotations):
        return annotations.key in member.__dict__.get("_own_annotation_keys", ())
    return all(name in member.__dict__ for name in annotations)


def _own_member_query(
    user_id: int, registered: tuple[tuple[str, Callable[[], Expression]], ...], annotations: dict[str, Expression]
) -> QuerySet[Member]:
    return (
        Member.objects.select_related("organization", "group")
        .filter(user_id=user_id)
        .annotate(
            holds_roles=Exists(Role.objects.filter(user_id=OuterRef("user_id"))),
            **{name: expression() for name, expression in registered},
            **annotations,
        )
        # One row by a unique key: no sort, not even the model's default ordering.
        .order_by()[:1]
    )


def _load_own_member(user, annotations: dict[str, Expression] | OwnAnnotations | None) -> Member | None:
    registered = tuple(_own_annotations.items())
    if isinstance(annotations, OwnAnnotations):
        extra = annotations
        # The page's key, not its builder: each request brings a new function of the same day.
        rows = _OWN_MEMBER.run(user.pk, key=(registered, extra.key), build=extra.build)
    elif annotations:
        rows = list(_own_member_query(user.pk, registered, annotations))
    else:
        rows = _OWN_MEMBER.run(user.pk, key=(registered, None))
    member = rows[0] if rows else None
    if member is not None and isinstance(annotations, OwnAnnotations):
        member._own_annotation_keys = (annotations.key,)
    if member is not None and not member.holds_roles and getattr(user, "_access_scope", None) is None:
        user._access_scope = Scope(user_id=user.pk, is_superuser=user.is_superuser)
    return member


def _build_own_member(user_id: int, key: tuple, build: Callable[[], dict] | None = None) -> QuerySet[Member]:
    registered, _page = key
    return _own_member_query(user_id, registered, build() if build is not None else {})


_OWN_MEMBER = PreparedQuery("own_member", _build_own_member)


def get_own_member(user, *, include_former: bool = False) -> Member:
    """The logged-in person's roster entry, or 404: a login without one has no member pages."""
    member = own_member(user, include_former=include_former)
    if member is None:
        raise Http404("No roster entry")
    return member
