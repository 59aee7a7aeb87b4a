"""Giving and taking roles in the roster workspace, below one's own.

Who may do it is ``Capability.MANAGE_ROLES`` (a branch's secretaries and
those above); group leaders and organizers run their group's life, not its
people's powers. Every change is written to the roster's audit log
(MemberChange) with the organization, the holder's roster entry when there is
one, and a language-neutral note the roles page reads.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from branches.access import Capability, can, role_kinds_with, scope_of
from branches.models import Organization, Role
from branches.params import parse_id

from ..access import managed_roles
from ..errors import RosterError
from ..models import Member, MemberChange, User
from ..services import record_change
from ..validators import mask_phone, normalize_phone
from .audit import ROLE_NOTE_PREFIX, change_rows

# The kinds that hand out roles: an organization keeps at least one of them, so that
# somebody can still give roles there after a person steps down.
ROLE_GIVING_KINDS = role_kinds_with(Capability.MANAGE_ROLES)


def role_organizations(user) -> QuerySet[Organization]:
    """Organizations in which the user may give or take roles."""
    return scope_of(user).organizations(Capability.MANAGE_ROLES)


def roles_in_scope(user) -> QuerySet[Role]:
    return (
        managed_roles(user)
        .select_related("user", "organization")
        .order_by("organization__path", "kind", "user__name", "pk")
    )


def find_login(by, text: str) -> User:
    """The login a role is for: by phone number (any existing login), or by the exact name of a member
    with a login where ``by`` manages roles. Raises RosterError naming the ``who`` field.
    """
    text = text.strip()
    try:
        phone = normalize_phone(text)
    except ValidationError:
        phone = ""
    if phone:
        user = User.objects.filter(phone=phone, is_active=True).first()
        if user is None:
            raise RosterError(gettext("No login has this phone number."), code="no_login", field="who")
        return user
    members = Member.objects.active().filter(name=text, user__isnull=False, user__is_active=True)
    condition = scope_of(by).covers(Capability.MANAGE_ROLES, "organization__path")
    if condition is not None:
        members = members.filter(condition)
    found = list(members.select_related("user")[:2])
    if not found:
        raise RosterError(
            gettext("No member with a login in your organizations has this name."), code="no_member", field="who"
        )
    if len(found) > 1:
        raise RosterError(
            gettext("Several members have this name; type the mobile phone number instead."),
            code="ambiguous",
            field="who",
        )
    return found[0].user


def _label(kind: str, organization: Organization) -> str:
    return f"{Role.Kind(kind).label} · {organization.name}"


def _log(role_user: User, organization: Organization, kind: str, by, *, added: bool) -> MemberChange:
    label = _label(kind, organization)
    sign = "+" if added else "-"
    return record_change(
        Member.objects.filter(user=role_user).first(),
        by,
        MemberChange.Action.UPDATED,
        {"role": ["", label] if added else [label, ""]},
        organization=organization,
        note=f"{ROLE_NOTE_PREFIX}{sign}{kind}:{organization.code}:{role_user.pk}",
    )


def assign_role(role_user: User, organization: Organization, kind: str, by) -> Role:
    """Give ``role_user`` a role on ``organization``, which must lie where ``by`` manages roles."""
    if not can(by, Capability.MANAGE_ROLES, organization):
        message = gettext("You can give roles only in organizations under your own.")
        raise RosterError(message, code="not_allowed", field="organization")
    if Role.objects.filter(user=role_user, organization=organization, kind=kind).exists():
        raise RosterError(gettext("This person already holds this role."), code="duplicate")
    try:
        with transaction.atomic():
            role = Role.objects.create(user=role_user, organization=organization, kind=kind)
            _log(role_user, organization, kind, by, added=True)
    except IntegrityError:  # given by someone else a moment ago
        raise RosterError(gettext("This person already holds this role."), code="duplicate") from None
    return role


def remove_role(role: Role, by) -> None:
    """Take a role away; nobody takes away their own last role that gives roles on an organization.

    Without that rule one tap could leave a branch with nobody able to manage it.
    """
    if role.user_id == getattr(by, "pk", None) and role.kind in ROLE_GIVING_KINDS:
        others = (
            Role.objects.filter(organization_id=role.organization_id, kind__in=ROLE_GIVING_KINDS)
            .exclude(user_id=role.user_id)
            .exists()
        )
        if not others:
            raise RosterError(
                gettext("You are the last secretary of %(organization)s: give the role to someone else first.")
                % {"organization": role.organization.name},
                code="last_secretary",
            )
    with transaction.atomic():
        deleted, _rows = Role.objects.filter(pk=role.pk).delete()
        if deleted:
            _log(role.user, role.organization, role.kind, by, added=False)


def role_changes(user, limit: int = 50) -> list[MemberChange]:
    """The latest role changes in the user's subtree, each with ``holder`` and ``rows``; three queries."""
    changes = MemberChange.objects.filter(note__startswith=ROLE_NOTE_PREFIX)
    scope = scope_of(user)
    if not scope.anywhere(Capability.MANAGE_ROLES):
        return []
    condition = scope.covers(Capability.MANAGE_ROLES, "organization__path")
    if condition is not None:
        changes = changes.filter(condition)
    rows = list(changes.select_related("user", "member", "organization").order_by("-at", "-pk")[:limit])
    holder_ids = {_holder_id(change) for change in rows} - {None}
    holders = {u.pk: u for u in User.objects.filter(pk__in=holder_ids)}
    for change in rows:
        holder = holders.get(_holder_id(change))
        if change.member is not None:
            change.holder = change.member.name
        elif holder is not None:
            change.holder = holder.name or mask_phone(holder.phone)
        else:
            change.holder = ""
        change.rows = change_rows(change)
    return rows


def _holder_id(change: MemberChange) -> int | None:
    last = change.note.rsplit(":", 1)[-1]
    return parse_id(last)
