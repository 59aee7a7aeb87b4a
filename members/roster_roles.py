"""Role management in the roster workspace: secretaries give and take roles in their subtree.

Only a secretary or deputy secretary of a branch or of an organization above
it manages roles, and only below that role; group admins and organizers run
their group's life, not its people's powers. Every change is written to the
roster's audit log (MemberChange) with the organization, the holder's roster
entry when there is one, and a language-neutral note the roles page reads.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from branches.models import Organization, Role

from .models import Member, MemberChange, User
from .roster import ROLE_NOTE_PREFIX, RosterError
from .services import record_change
from .validators import mask_phone, normalize_phone

SECRETARY_KINDS = (Role.Kind.SECRETARY, Role.Kind.DEPUTY_SECRETARY)


def secretary_paths(user) -> list[str]:
    """Paths of the subtrees where the user is a secretary or deputy of a branch or above; cached per request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_secretary_paths", None)
    if cached is None:
        cached = list(
            Role.objects.filter(user=user, kind__in=SECRETARY_KINDS)
            .exclude(organization__kind=Organization.Kind.GROUP)
            .values_list("organization__path", flat=True)
            .distinct()
        )
        user._secretary_paths = cached
    return cached


def can_manage_roles(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or secretary_paths(user))


def _under(paths: list[str], field: str) -> Q:
    return reduce(or_, (Q(**{f"{field}__startswith": path}) for path in paths))


def role_organizations(user) -> QuerySet[Organization]:
    """Organizations in which the user may give or take roles."""
    if getattr(user, "is_superuser", False):
        return Organization.objects.all()
    paths = secretary_paths(user)
    if not paths:
        return Organization.objects.none()
    return Organization.objects.filter(_under(paths, "path"))


def may_manage_roles_of(user, organization: Organization) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return any(organization.path.startswith(path) for path in secretary_paths(user))


def roles_in_scope(user) -> QuerySet[Role]:
    if getattr(user, "is_superuser", False):
        roles = Role.objects.all()
    elif secretary_paths(user):
        roles = Role.objects.filter(_under(secretary_paths(user), "organization__path"))
    else:
        roles = Role.objects.none()
    return roles.select_related("user", "organization").order_by("organization__path", "kind", "user__name", "pk")


def get_managed_role(user, pk: int) -> Role:
    """Fetch a role the user may remove, or 404: others learn nothing of roles elsewhere."""
    role = Role.objects.select_related("user", "organization").filter(pk=pk).first()
    if role is None or not may_manage_roles_of(user, role.organization):
        raise Http404("No such role")
    return role


def find_login(by, text: str) -> User:
    """The login a role is for: by phone number (any existing login), or by the exact name of a member
    with a login in the secretary's subtree. Raises ValidationError with a message for the form.
    """
    text = text.strip()
    try:
        phone = normalize_phone(text)
    except ValidationError:
        phone = ""
    if phone:
        user = User.objects.filter(phone=phone, is_active=True).first()
        if user is None:
            raise ValidationError(gettext("No login has this phone number."), code="no_login")
        return user
    members = Member.objects.active().filter(name=text, user__isnull=False, user__is_active=True)
    if not getattr(by, "is_superuser", False):
        paths = secretary_paths(by)
        if not paths:
            raise ValidationError(gettext("No member with a login in your organizations has this name."))
        members = members.filter(_under(paths, "organization__path"))
    found = list(members.select_related("user")[:2])
    if not found:
        raise ValidationError(gettext("No member with a login in your organizations has this name."), code="no_member")
    if len(found) > 1:
        raise ValidationError(
            gettext("Several members have this name; type the mobile phone number instead."), code="ambiguous"
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
    """Give ``role_user`` a role on ``organization``, which must lie in ``by``'s secretary subtree."""
    if not may_manage_roles_of(by, organization):
        raise RosterError(gettext("You can give roles only in organizations under your own."), code="not_allowed")
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
    """Take a role away; a secretary cannot take away their own last secretary role of an organization.

    Without that rule one tap could leave a branch with nobody able to manage it.
    """
    if role.user_id == getattr(by, "pk", None) and role.kind in SECRETARY_KINDS:
        others = (
            Role.objects.filter(organization_id=role.organization_id, kind__in=SECRETARY_KINDS)
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
    from .roster import change_rows

    changes = MemberChange.objects.filter(note__startswith=ROLE_NOTE_PREFIX)
    if not getattr(user, "is_superuser", False):
        paths = secretary_paths(user)
        if not paths:
            return []
        changes = changes.filter(_under(paths, "organization__path"))
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
    return int(last) if last.isdigit() else None
