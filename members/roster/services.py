"""Changing the roster: add, edit, transfer, move, reveal, contacts, visits and activation SMS.

Views parse input and fetch with the permission check (``members.access``);
everything that changes an entry goes through a function here, so every
change lands in the audit log with who, when and old → new.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from branches.access import Capability, can, scope_of
from branches.models import Organization

from .. import sms_templates
from ..access import HARDSHIP_FIELDS, can_see_hardship
from ..errors import RosterError
from ..models import ActivationText, Contact, Member, MemberChange, User, Visit
from ..services import record_change
from .audit import ACTIVATION_SMS_NOTE, EDITABLE_FIELDS, diff, snapshot

ACTIVATION_SMS_EVERY = dt.timedelta(days=1)


def managed_groups(user, branch: Organization | None = None) -> QuerySet[Organization]:
    """Groups whose roster the user manages, optionally of one branch."""
    groups = scope_of(user).organizations(Capability.MANAGE_ROSTER).filter(kind=Organization.Kind.GROUP)
    if branch is not None:
        groups = groups.filter(parent=branch)
    return groups.order_by("path")


def managed_branches(user, capability: Capability = Capability.MANAGE_ROSTER) -> QuerySet[Organization]:
    """Branches where the user has ``capability``."""
    return scope_of(user).organizations(capability).filter(kind=Organization.Kind.BRANCH).order_by("path")


def may_hold(user, organization: Organization | None, group: Organization | None) -> bool:
    """Would a member in this branch and group still be within the user's scope?

    A group leader may keep or put members only in a group they manage; a
    branch role covers the whole branch.
    """
    if organization is not None and can(user, Capability.MANAGE_ROSTER, organization):
        return True
    return group is not None and can(user, Capability.MANAGE_ROSTER, group)


def editable_fields(user, organization: Organization | None) -> list[str]:
    """The fields ``user`` may set on an entry of ``organization``: hardship only for those who see it."""
    if organization is not None and can(user, Capability.SEE_HARDSHIP, organization):
        return EDITABLE_FIELDS
    return [name for name in EDITABLE_FIELDS if name not in HARDSHIP_FIELDS]


def add_member(data: dict[str, Any], by) -> Member:
    """Put a new person on a branch's roster.

    Raises RosterError outside the user's scope and ValidationError with the model's messages.
    """
    allowed = editable_fields(by, data.get("organization"))
    member = Member(**{name: value for name, value in data.items() if name in allowed})
    if not may_hold(by, member.organization if member.organization_id else None, member.group):
        raise RosterError(
            gettext("You can add members only to organizations you manage."), code="not_managed", field="group"
        )
    member.full_clean()
    with transaction.atomic():
        member.save()
        added = {name: ["", value] for name, value in snapshot(member).items() if value}
        record_change(member, by, MemberChange.Action.CREATED, added)
    return member


def update_member(member: Member, data: dict[str, Any], by, *, note: str = "") -> dict[str, list[str]]:
    """Apply edited fields, validate the whole entry, save, and log each changed field old → new.

    ``note`` goes with the logged change (what the change answered, e.g. a confirmed move report).
    Returns the logged changes ({} when nothing changed, and then nothing is written).
    """
    before = snapshot(member)
    allowed = editable_fields(by, member.organization)
    for name, value in data.items():
        if name in allowed:
            setattr(member, name, value)
    if not may_hold(by, member.organization, member.group):
        raise RosterError(
            gettext("You can keep members only in organizations you manage."), code="not_managed", field="group"
        )
    member.full_clean()
    changes = diff(before, snapshot(member))
    if changes:
        with transaction.atomic():
            member.save()
            record_change(member, by, MemberChange.Action.UPDATED, changes, note=note)
    return changes


def transfer_out(member: Member, on: dt.date, note: str, by) -> None:
    """Mark a member transferred out; the entry and its history are kept, never deleted."""
    if member.state == Member.State.TRANSFERRED_OUT:
        raise RosterError(gettext("This member has already been transferred out."), code="already_transferred")
    if on > timezone.localdate():
        raise RosterError(gettext("The transfer date cannot be in the future."), code="future_transfer", field="on")
    before = snapshot(member)
    member.state = Member.State.TRANSFERRED_OUT
    member.transferred_out_on = on
    with transaction.atomic():
        member.save(update_fields=["state", "transferred_out_on", "updated_at"])
        record_change(member, by, MemberChange.Action.TRANSFERRED_OUT, diff(before, snapshot(member)), note=note)


def move_to_group(member: Member, group: Organization | None, by) -> None:
    """Move a member to another group of the same branch (or out of any group) within the user's scope."""
    if group is not None and (group.kind != Organization.Kind.GROUP or group.parent_id != member.organization_id):
        raise RosterError(
            gettext("The group must be one of the member's branch's groups."), code="other_branch", field="group"
        )
    if not may_hold(by, member.organization, group):
        raise RosterError(gettext("You can move members only to groups you manage."), code="not_managed", field="group")
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
    """Record a hardship visit; only those who see the member's hardship may."""
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


def send_activation_sms(
    members: QuerySet[Member], by, site_url: str, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Queue an invitation to sign up for each active, not yet activated member; at most once a day each.

    Returns (queued, skipped). Nothing is sent here: one row per member and
    day (``ActivationText``, a unique key, so a second click or a
    concurrent one adds nothing) is written, then handed to a worker; the
    ``activation_texts`` sweep sends what the worker did not. A member with
    a text still on its way, or texted in the last day, is skipped.
    Call it outside a transaction, so the rows are committed before the
    worker looks for them.
    """
    from ..activation import queue_texts

    now = now or timezone.now()
    day = timezone.localdate(now)
    candidates = list(
        members.filter(state=Member.State.ACTIVE, user__isnull=True)
        .select_related("organization")
        .only("pk", "name", "organization__name", "organization__path")
    )
    ids = [m.pk for m in candidates]
    busy = set(
        ActivationText.objects.filter(member_id__in=ids)
        .filter(
            Q(day=day)
            | Q(status__in=[ActivationText.Status.QUEUED, ActivationText.Status.SENDING])
            | Q(sent_at__gt=now - ACTIVATION_SMS_EVERY)
        )
        .values_list("member_id", flat=True)
    )
    # Texts logged before there were ActivationText rows count too.
    busy |= set(
        MemberChange.objects.filter(
            member_id__in=ids, note=ACTIVATION_SMS_NOTE, at__gt=now - ACTIVATION_SMS_EVERY
        ).values_list("member_id", flat=True)
    )
    actor = by if getattr(by, "is_authenticated", False) else None
    fresh = [m for m in candidates if m.pk not in busy]
    ActivationText.objects.bulk_create(
        (
            ActivationText(
                member=m,
                day=day,
                requested_by=actor,
                requested_at=now,
                due_at=now,
                text=sms_templates.render(
                    "activation", {"name": m.name, "branch": m.organization.name, "url": site_url}
                ),
            )
            for m in fresh
        ),
        batch_size=500,
        ignore_conflicts=True,
    )
    # A concurrent click may have written some of these rows: both queue them, one worker claims each.
    queued = list(
        ActivationText.objects.filter(
            member_id__in=[m.pk for m in fresh], day=day, status=ActivationText.Status.QUEUED
        ).values_list("pk", flat=True)
    )
    queue_texts(queued)
    return len(queued), len(candidates) - len(fresh)
