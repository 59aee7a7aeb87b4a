"""Deciding signup requests and handing out invitation codes.

A signup request is approved by linking its login to an existing roster
entry without one, or to a new entry the secretary fills in; either way the
login's proven phone number becomes the entry's, and the new member is
told by SMS and in their inbox (``signals.signup_approved``). Rejections
carry a reason that the applicant is sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from branches.models import Organization

from ..access import managed_signups
from ..errors import RosterError
from ..models import Invitation, Member, MemberChange, SignupRequest
from ..services import record_change
from ..signals import signup_approved
from ..sms import send_sms
from ..validators import mask_phone
from .audit import diff, snapshot
from .services import add_member


def _same_name_variants(name: str) -> set[str]:
    return {name, "".join(name.split())}


def pending_signups(user) -> list[SignupRequest]:
    """Pending signup requests of the branches in scope, each with ``candidates``: unlinked entries of that name.

    Two queries whatever the queue's length.
    """
    requests = list(
        managed_signups(user).select_related("organization", "user", "invitation").order_by("created_at")[:100]
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


def match_candidates(signup: SignupRequest) -> QuerySet[Member]:
    """The roster entries a signup may be linked to: active, of its branch, without a login, of its name."""
    return Member.objects.active().filter(
        organization_id=signup.organization_id, user__isnull=True, name__in=_same_name_variants(signup.name)
    )


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
        raise RosterError(
            gettext("Choose an active roster entry of this branch without a login."), code="bad_match", field="member"
        )
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
        raise RosterError(gettext("Give a reason for the applicant."), code="reason_required", field="reason")
    _decide(signup, SignupRequest.Status.REJECTED, by, reason=reason)
    send_sms(signup.user.phone, "signup_rejected", {"branch": signup.organization.name, "reason": reason})


def _notify_approved(signup: SignupRequest, member: Member) -> None:
    # The inbox notice is the notifications app's: it listens for this.
    transaction.on_commit(lambda: signup_approved.send(sender=SignupRequest, signup=signup, member=member))
    send_sms(signup.user.phone, "signup_approved", {"branch": signup.organization.name, "name": member.name})


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
