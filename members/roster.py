"""Use cases of the secretary's roster workspace: search, edit, transfer, reveal, approve.

Views parse input and fetch with the permission check (``members.services``);
everything that changes the roster goes through a function here, so every
change lands in the audit log with who, when and old → new.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, Role
from branches.services import can_manage, managed_organizations

from . import facts
from .models import Contact, Invitation, Member, MemberChange, SignupRequest, User, Visit
from .provinces import Province
from .services import members_visible_to, record_change
from .sms import send_sms
from .validators import mask_id_number, mask_phone

# Only these roles may see a member's hardship and the help given (走访帮扶):
# group admins run study and check-ins, not the branch's welfare records.
HARDSHIP_ROLES = (Role.Kind.SECRETARY, Role.Kind.DEPUTY_SECRETARY)
# An activation SMS is a MemberChange with this note; the marker stays the
# same whatever the language, so the daily limit can look it up.
ACTIVATION_SMS_NOTE = "activation-sms"
ACTIVATION_SMS_EVERY = dt.timedelta(days=1)
# Role changes are logged as MemberChange with a note "role:+kind:org-code:user-id"
# ("-" for a removal); the roles page finds its log by this prefix.
ROLE_NOTE_PREFIX = "role:"

# Fields a secretary edits; the login link and the state have their own use cases.
EDITABLE_FIELDS = [
    "name",
    "gender",
    "phone",
    "id_number",
    "birth_date",
    "joined_party_on",
    "full_member_on",
    "status",
    "organization",
    "group",
    "is_itinerant",
    "province",
    "city",
    "workplace",
    "left_home_on",
    "emergency_contact",
    "emergency_phone",
    "in_hardship",
    "hardship_note",
]
AUDITED_FIELDS = [*EDITABLE_FIELDS, "state", "transferred_out_on"]


class RosterError(Exception):
    """A roster change that cannot go ahead; ``message`` is shown to the user."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- Searching the roster ------------------------------------------------------------------


class Sort(models.TextChoices):
    NAME = "name", _("Name")
    JOINED = "joined", _("Joined the Party")
    CONTACT = "contact", _("Longest without contact")


@dataclass(frozen=True)
class RosterQuery:
    """What the roster list is asked for; every field is optional."""

    q: str = ""
    group: Organization | None = None
    status: str = ""
    itinerant: bool | None = None
    province: str = ""
    hardship: bool | None = None
    has_login: bool | None = None
    state: str = Member.State.ACTIVE
    silent_days: int | None = None
    sort: str = Sort.NAME


def phone_digits(text: str) -> str:
    """The digits of a typed number as they appear in the stored E.164 form, or "" if too few to search by."""
    digits = re.sub(r"\D", "", text)
    # +86 138…, 0086 138…: the country code is stored as +86, so compare the national part.
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) > 11:
            digits = digits[len(prefix) :]
    return digits if len(digits) >= 3 else ""


def search_roster(members: QuerySet[Member], query: RosterQuery, now: dt.datetime | None = None) -> QuerySet[Member]:
    """Apply the list's search, filters and sort to an already scoped queryset."""
    now = now or timezone.now()
    if query.q.strip():
        text = query.q.strip()
        condition = Q(name__icontains=text)
        digits = phone_digits(text)
        if digits:
            condition |= Q(phone__contains=digits)
        members = members.filter(condition)
    if query.group is not None:
        members = members.filter(group=query.group)
    if query.status:
        members = members.filter(status=query.status)
    if query.itinerant is not None:
        members = members.filter(is_itinerant=query.itinerant)
    if query.province:
        members = members.filter(province=query.province)
    if query.hardship is not None:
        members = members.filter(in_hardship=query.hardship)
    if query.has_login is not None:
        members = members.filter(user__isnull=not query.has_login)
    if query.state:
        members = members.filter(state=query.state)
    if query.silent_days is not None:
        # Never contacted counts as silent too.
        recent = Contact.objects.filter(member=OuterRef("pk"), at__gte=now - dt.timedelta(days=query.silent_days))
        members = members.filter(~Exists(recent))
    if query.sort == Sort.JOINED:
        return members.order_by("joined_party_on", "name", "pk")
    if query.sort == Sort.CONTACT:
        last = Contact.objects.filter(member=OuterRef("pk")).order_by("-at").values("at")[:1]
        return members.annotate(last_contact_at=Subquery(last)).order_by(
            F("last_contact_at").asc(nulls_first=True), "name", "pk"
        )
    return members.order_by("name", "pk")


def attach_last_contacts(members: list[Member]) -> None:
    """Set ``last_contact_at`` on a page of members in one grouped query."""
    missing = [m.pk for m in members if not hasattr(m, "last_contact_at")]
    if not missing:
        return
    last = dict(
        Contact.objects.filter(member_id__in=missing).values_list("member_id").annotate(at=Max("at")).order_by()
    )
    for member in members:
        if not hasattr(member, "last_contact_at"):
            member.last_contact_at = last.get(member.pk)


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

    Two queries whatever the page size: the last contacts, then the other facts.
    """
    attach_last_contacts(members)
    known = facts.member_facts(m.pk for m in members)
    for member in members:
        member.facts = {"last_contact": member.last_contact_at, **known.get(member.pk, {})}
        seen = [at for at in member.facts.values() if at is not None]
        member.last_seen_at = max(seen) if seen else None


def get_member_with_facts(user, pk: int) -> Member:
    """Like ``get_managed_member``, with the activity facts read in the same query (see ``facts_of``)."""
    member = (
        facts.with_facts(members_visible_to(user)).select_related("organization", "group", "user").filter(pk=pk).first()
    )
    if member is None:
        raise Http404("No such member")
    return member


def managed_groups(user, branch: Organization | None = None) -> QuerySet[Organization]:
    """Groups under the user's roles, optionally of one branch."""
    groups = managed_organizations(user).filter(kind=Organization.Kind.GROUP)
    if branch is not None:
        groups = groups.filter(parent=branch)
    return groups.order_by("path")


def managed_branches(user) -> QuerySet[Organization]:
    return managed_organizations(user).filter(kind=Organization.Kind.BRANCH).order_by("path")


def may_hold(user, organization: Organization | None, group: Organization | None) -> bool:
    """Would a member in this branch and group still be within the user's scope?

    A group admin may keep or put members only in a group they manage; a
    branch role covers the whole branch.
    """
    if organization is not None and can_manage(user, organization):
        return True
    return group is not None and can_manage(user, group)


def can_see_hardship(user, member: Member) -> bool:
    """Secretaries and deputies of the member's branch, or of an organization above it."""
    if getattr(user, "is_superuser", False):
        return True
    organization_ids = [int(part) for part in member.organization.path.strip("/").split("/")]
    return Role.objects.filter(user=user, kind__in=HARDSHIP_ROLES, organization_id__in=organization_ids).exists()


# --- The audit log --------------------------------------------------------------------


def display_value(member: Member, field_name: str) -> str:
    """A field's value as people read it; personal numbers masked, as everywhere outside a reveal."""
    value = getattr(member, field_name)
    if field_name == "id_number":
        return mask_id_number(value or "")
    if field_name in ("phone", "emergency_phone"):
        return mask_phone(value) if value else ""
    field = Member._meta.get_field(field_name)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(getattr(member, f"get_{field_name}_display")())
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def snapshot(member: Member) -> dict[str, str]:
    return {name: display_value(member, name) for name in AUDITED_FIELDS}


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {name: [before[name], after[name]] for name in after if before.get(name) != after[name]}


# Logged changes that are not fields of Member (role changes) and their labels.
EXTRA_LABELS = {"role": Role._meta.get_field("kind").verbose_name}


def change_rows(change: MemberChange) -> list[tuple[str, str, str]]:
    """(label, old, new) for each field of a logged change."""
    rows = []
    for name, values in (change.changes or {}).items():
        try:
            label = str(Member._meta.get_field(name).verbose_name)
        except Exception:  # a field that has since been removed keeps its raw name
            label = str(EXTRA_LABELS.get(name, name))
        old, new = ([*values, "", ""])[:2] if isinstance(values, list) else ("", str(values))
        rows.append((label, old, new))
    return rows


def audit_log(member: Member, limit: int = 50) -> list[MemberChange]:
    changes = list(member.changes.select_related("user")[:limit])
    for change in changes:
        change.rows = change_rows(change)
        change.is_activation_sms = change.note == ACTIVATION_SMS_NOTE
        # The note of a role change is a marker for the roles page, not text for people.
        change.hides_note = change.is_activation_sms or change.note.startswith(ROLE_NOTE_PREFIX)
    return changes


# --- Changing the roster ----------------------------------------------------------------


def add_member(data: dict[str, Any], by) -> Member:
    """Put a new person on a branch's roster; raises ValidationError with the model's messages."""
    member = Member(**{name: value for name, value in data.items() if name in EDITABLE_FIELDS})
    if not may_hold(by, member.organization if member.organization_id else None, member.group):
        raise ValidationError({"group": _("You can add members only to organizations you manage.")})
    member.full_clean()
    with transaction.atomic():
        member.save()
        added = {name: ["", value] for name, value in snapshot(member).items() if value}
        record_change(member, by, MemberChange.Action.CREATED, added)
    return member


def update_member(member: Member, data: dict[str, Any], by) -> dict[str, list[str]]:
    """Apply edited fields, validate the whole entry, save, and log each changed field old → new.

    Returns the logged changes ({} when nothing changed, and then nothing is written).
    """
    before = snapshot(member)
    for name, value in data.items():
        if name in EDITABLE_FIELDS:
            setattr(member, name, value)
    if not may_hold(by, member.organization, member.group):
        raise ValidationError({"group": _("You can keep members only in organizations you manage.")})
    member.full_clean()
    changes = diff(before, snapshot(member))
    if changes:
        with transaction.atomic():
            member.save()
            record_change(member, by, MemberChange.Action.UPDATED, changes)
    return changes


def transfer_out(member: Member, on: dt.date, note: str, by) -> None:
    """Mark a member transferred out; the entry and its history are kept, never deleted."""
    if member.state == Member.State.TRANSFERRED_OUT:
        raise RosterError(gettext("This member has already been transferred out."), code="already_transferred")
    if on > timezone.localdate():
        raise RosterError(gettext("The transfer date cannot be in the future."), code="future_transfer")
    before = snapshot(member)
    member.state = Member.State.TRANSFERRED_OUT
    member.transferred_out_on = on
    with transaction.atomic():
        member.save(update_fields=["state", "transferred_out_on", "updated_at"])
        record_change(member, by, MemberChange.Action.TRANSFERRED_OUT, diff(before, snapshot(member)), note=note)


def move_to_group(member: Member, group: Organization | None, by) -> None:
    """Move a member to another group of the same branch (or out of any group) within the user's scope."""
    if group is not None and (group.kind != Organization.Kind.GROUP or group.parent_id != member.organization_id):
        raise RosterError(gettext("The group must be one of the member's branch's groups."), code="other_branch")
    if not may_hold(by, member.organization, group):
        raise RosterError(gettext("You can move members only to groups you manage."), code="not_managed")
    if group == member.group:
        return
    before = snapshot(member)
    member.group = group
    with transaction.atomic():
        member.save(update_fields=["group", "updated_at"])
        record_change(member, by, MemberChange.Action.MOVED, diff(before, snapshot(member)))


def reveal(member: Member, by) -> MemberChange:
    """Log that the full phone and ID number were shown to ``by``; the caller shows them once."""
    return record_change(member, by, MemberChange.Action.REVEALED, note=gettext("Phone and ID number shown"))


def log_contact(member: Member, channel: str, note: str, by) -> Contact:
    return Contact.objects.create(member=member, by=by, channel=channel, note=note)


def record_visit(member: Member, data: dict[str, Any], by) -> Visit:
    """Record a hardship visit; only secretaries and deputies of the branch may."""
    if not can_see_hardship(by, member):
        raise RosterError(gettext("Only the branch's secretaries may record hardship visits."), code="not_allowed")
    visit = Visit(member=member, by=by, **data)
    visit.full_clean()
    visit.save()
    return visit


def responsible_choices(member: Member) -> QuerySet[User]:
    """People who may take on a visit: those holding a role on the member's branch or above."""
    organization_ids = [int(part) for part in member.organization.path.strip("/").split("/")]
    return User.objects.filter(roles__organization_id__in=organization_ids).distinct().order_by("name")


# --- Activation ---------------------------------------------------------------------


def send_activation_sms(
    members: QuerySet[Member], by, site_url: str, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Text each active, not yet activated member an invitation to sign up; at most once a day each.

    Returns (sent, skipped). Set-based: one query for the candidates, one for
    who was texted in the last day, one insert for the log lines.
    """
    now = now or timezone.now()
    candidates = list(
        members.filter(state=Member.State.ACTIVE, user__isnull=True)
        .select_related("organization")
        .only("pk", "name", "phone", "organization__name", "organization__path")
    )
    recently = set(
        MemberChange.objects.filter(
            member_id__in=[m.pk for m in candidates],
            note=ACTIVATION_SMS_NOTE,
            at__gt=now - ACTIVATION_SMS_EVERY,
        ).values_list("member_id", flat=True)
    )
    sent: list[Member] = []
    for member in candidates:
        if member.pk in recently:
            continue
        send_sms(
            member.phone,
            gettext(
                "%(name)s, %(branch)s invites you to the online Party branch. Sign up with this phone number at %(url)s"
            )
            % {"name": member.name, "branch": member.organization.name, "url": site_url},
        )
        sent.append(member)
    actor = by if getattr(by, "is_authenticated", False) else None
    MemberChange.objects.bulk_create(
        MemberChange(
            member=m,
            organization=m.organization,
            user=actor,
            at=now,
            action=MemberChange.Action.UPDATED,
            note=ACTIVATION_SMS_NOTE,
        )
        for m in sent
    )
    return len(sent), len(candidates) - len(sent)


# --- Distribution -----------------------------------------------------------------


def province_distribution(members: QuerySet[Member]) -> list[tuple[str, int]]:
    """(province label, count) of active members, largest first; "unknown" last."""
    counts = dict(members.active().values_list("province").annotate(n=Count("id")).order_by())
    labels = dict(Province.choices)
    rows = [(str(labels[code]), n) for code, n in counts.items() if code in labels]
    rows.sort(key=lambda row: (-row[1], row[0]))
    if counts.get(""):
        rows.append((gettext("Not given"), counts[""]))
    return rows


def group_distribution(members: QuerySet[Member]) -> list[tuple[str, int]]:
    """(group name, count) of active members per group, in tree order; "no group" last."""
    rows = list(
        members.active()
        .values_list("group__name", "group__path")
        .annotate(n=Count("id"))
        .order_by(F("group__path").asc(nulls_last=True))
    )
    return [(name if name is not None else gettext("No group"), n) for name, _path, n in rows]


def bar_chart(rows: list[tuple[str, int]], width: int = 360, bar: int = 18, gap: int = 6) -> dict:
    """Coordinates for a server-rendered horizontal SVG bar chart."""
    label_w, value_w = 120, 48
    plot_w = width - label_w - value_w
    top = max((n for _label, n in rows), default=0) or 1
    bars = []
    for i, (label, n) in enumerate(rows):
        y = i * (bar + gap)
        w = round(plot_w * n / top, 1)
        bars.append({"label": label, "n": n, "y": y, "mid": y + bar / 2, "w": max(w, 1), "value_x": label_w + w + 6})
    return {
        "width": width,
        "height": max(len(rows) * (bar + gap) - gap, bar),
        "bar": bar,
        "label_w": label_w,
        "label_x": label_w - 6,
        "bars": bars,
    }


# --- Signups and invitations ------------------------------------------------------------


def _same_name_variants(name: str) -> set[str]:
    return {name, "".join(name.split())}


def pending_signups(user) -> list[SignupRequest]:
    """Pending signup requests of the branches in scope, each with ``candidates``: unlinked entries of that name.

    Two queries whatever the queue's length.
    """
    requests = list(
        SignupRequest.objects.filter(
            status=SignupRequest.Status.PENDING, organization__in=managed_branches(user).values("pk")
        )
        .select_related("organization", "user", "invitation")
        .order_by("created_at")[:100]
    )
    names = set().union(*(_same_name_variants(r.name) for r in requests)) if requests else set()
    candidates: dict[tuple[int, str], list[Member]] = {}
    for member in (
        Member.objects.active()
        .filter(
            organization_id__in={r.organization_id for r in requests},
            user__isnull=True,
            name__in=names,
        )
        .select_related("group")
        .order_by("name", "pk")
    ):
        candidates.setdefault((member.organization_id, "".join(member.name.split())), []).append(member)
    for request in requests:
        request.candidates = candidates.get((request.organization_id, "".join(request.name.split())), [])
    return requests


def _decide(signup: SignupRequest, status: str, by, reason: str = "", member: Member | None = None) -> None:
    # Conditional: two secretaries deciding at once cannot both win.
    updated = SignupRequest.objects.filter(pk=signup.pk, status=SignupRequest.Status.PENDING).update(
        status=status, decided_by=by, decided_at=timezone.now(), reason=reason, member=member
    )
    if not updated:
        raise RosterError(gettext("This request has already been decided."), code="already_decided")
    signup.refresh_from_db()


def _link(member: Member, signup: SignupRequest, by) -> None:
    user = signup.user
    before = snapshot(member)
    member.user = user
    # The login's number is proven by an SMS code; the roster follows it.
    member.phone = user.phone
    member.full_clean()
    member.save()
    changes = diff(before, snapshot(member))
    changes["user"] = ["", mask_phone(user.phone)]
    record_change(member, by, MemberChange.Action.ACTIVATED, changes)
    if not user.name:
        user.name = member.name
        user.save(update_fields=["name"])


def approve_with_member(signup: SignupRequest, member: Member, by) -> Member:
    """Approve a signup by linking its login to an existing roster entry without one."""
    if (
        member.organization_id != signup.organization_id
        or member.user_id is not None
        or member.state != Member.State.ACTIVE
    ):
        raise RosterError(gettext("Choose an active roster entry of this branch without a login."), code="bad_match")
    with transaction.atomic():
        _decide(signup, SignupRequest.Status.APPROVED, by, member=None)
        _link(member, signup, by)
        SignupRequest.objects.filter(pk=signup.pk).update(member=member)
    _notify_approved(signup, member)
    return member


def approve_with_new_member(signup: SignupRequest, data: dict[str, Any], by) -> Member:
    """Approve a signup by creating its roster entry from the secretary's data, linked to the login."""
    data = {**data, "organization": signup.organization, "phone": signup.user.phone}
    with transaction.atomic():
        _decide(signup, SignupRequest.Status.APPROVED, by)
        member = add_member(data, by)
        _link(member, signup, by)
        SignupRequest.objects.filter(pk=signup.pk).update(member=member)
    _notify_approved(signup, member)
    return member


def reject_signup(signup: SignupRequest, reason: str, by) -> None:
    reason = reason.strip()
    if not reason:
        raise RosterError(gettext("Give a reason for the applicant."), code="reason_required")
    _decide(signup, SignupRequest.Status.REJECTED, by, reason=reason)
    send_sms(
        signup.user.phone,
        gettext("Your registration with %(branch)s was not approved: %(reason)s")
        % {"branch": signup.organization.name, "reason": reason},
    )


def _notify_approved(signup: SignupRequest, member: Member) -> None:
    send_sms(
        signup.user.phone,
        gettext("Your registration with %(branch)s has been approved. Welcome, %(name)s!")
        % {"branch": signup.organization.name, "name": member.name},
    )


def create_invitation(organization: Organization, max_uses: int, days: int, by) -> Invitation:
    return Invitation.objects.create(
        organization=organization,
        max_uses=max_uses,
        expires_at=timezone.now() + dt.timedelta(days=days),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
