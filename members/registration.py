"""Signing up: activating a roster entry, or asking to join a branch with an invitation code.

A person whose phone number is on an active roster entry activates it: the
entry is linked to the new login only once the number is proven by an SMS
code, so typing someone else's number gains nothing. Anyone else needs a
usable invitation code; their signup waits for a secretary's approval. A
signup that fits neither is answered like one that does, and creates nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import RegistrationError
from .models import Invitation, Member, SignupRequest, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignupPlan:
    """What a valid signup will do: activate ``member``, join with ``invitation``, or nothing.

    A plan with neither creates no login and texts nobody, yet is answered
    exactly like the others, so the form does not tell who is on a roster.
    """

    member: Member | None = None
    invitation: Invitation | None = None

    @property
    def is_activation(self) -> bool:
        return self.member is not None

    @property
    def creates_login(self) -> bool:
        return self.member is not None or self.invitation is not None


def _same_name(a: str, b: str) -> bool:
    # People type 张 三 or 张三; the roster holds one of them.
    return "".join(a.split()) == "".join(b.split())


def plan_signup(*, phone: str, name: str, invitation_code: str = "") -> SignupPlan:
    """Decide how a signup with this (normalized) phone number proceeds, or raise RegistrationError.

    Changes nothing: the form calls it while validating, and the invitation is
    claimed later by ``request_membership`` under a conditional update. Only
    the invitation code can be refused out loud: whether the number is on a
    roster, under which name and in which state must not show, so every other
    mismatch is a plan that does nothing.
    """
    code = invitation_code.strip()
    invitation = _usable_invitation(code) if code else None
    member = Member.objects.filter(phone=phone).first()
    if member is not None:
        if member.state != Member.State.ACTIVE:
            reason = "transferred_out"
        elif member.user_id is not None:
            reason = "already_activated"
        elif not _same_name(name, member.name):
            reason = "name_mismatch"
        else:
            return SignupPlan(member=member)
        logger.info("Signup for roster entry %s creates nothing (%s)", member.pk, reason)
        return SignupPlan()
    if invitation is None:
        logger.info("Signup off the roster without an invitation code creates nothing")
        return SignupPlan()
    return SignupPlan(invitation=invitation)


def _usable_invitation(code: str) -> Invitation:
    invitation = Invitation.objects.select_related("organization").filter(code__iexact=code).first()
    if invitation is None:
        raise RegistrationError(
            _("This invitation code does not exist. Please check it for typos."),
            code="invitation_unknown",
            field="invitation_code",
        )
    _raise_unless_usable(invitation)
    return invitation


def _raise_unless_usable(invitation: Invitation) -> None:
    if invitation.revoked_at is not None:
        message, code = _("This invitation code has been withdrawn."), "invitation_revoked"
    elif invitation.expires_at <= timezone.now():
        message = _("This invitation code has expired. Ask your branch secretary for a new one.")
        code = "invitation_expired"
    elif invitation.uses >= invitation.max_uses:
        message, code = _("This invitation code has already been used up."), "invitation_used_up"
    else:
        return
    raise RegistrationError(message, code=code, field="invitation_code")


def request_membership(*, user: User, invitation: Invitation, name: str) -> SignupRequest:
    """Claim one use of ``invitation`` and file a pending signup request for its branch.

    The use is taken by a conditional UPDATE, so two signups racing for the
    last use cannot both get it: the loser gets a RegistrationError. Call it
    inside the transaction that created ``user`` so a refused claim leaves no
    login behind.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation.pk, revoked_at__isnull=True, expires_at__gt=now, uses__lt=F("max_uses")
        ).update(uses=F("uses") + 1)
        if not claimed:
            invitation.refresh_from_db()
            _raise_unless_usable(invitation)
            raise AssertionError("an invitation that is usable was not claimed")  # pragma: no cover
        signup_request = SignupRequest.objects.create(
            user=user, invitation=invitation, organization_id=invitation.organization_id, name=name
        )
    logger.info("Signup request %s filed with invitation %s", signup_request.pk, invitation.pk)
    return signup_request


def activate_member(user: User) -> Member | None:
    """Link the active, unclaimed roster entry with ``user``'s phone number to ``user``.

    Called once the phone number has been verified (SMS code), never before.
    Idempotent: returns the already linked entry, or None when there is none.
    """
    if not user.phone_verified:
        return None
    linked = Member.objects.filter(user=user).first()
    if linked is not None:
        return linked
    # Conditional: a roster entry already taken by another login stays theirs.
    updated = Member.objects.filter(phone=user.phone, state=Member.State.ACTIVE, user__isnull=True).update(
        user=user, updated_at=timezone.now()
    )
    if not updated:
        return None
    member = Member.objects.get(user=user)
    logger.info("Member %s activated by login %s", member.pk, user.pk)
    return member
