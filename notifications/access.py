"""Fetch-with-check for notices, greetings and channel settings: whose they are, and who manages them.

Every question goes through ``branches.access`` and ``members.access``; an
object outside the asker's reach does not exist (404), so a guessed number
tells nothing about another person's inbox or another branch's settings.

A person's notices and greeting cards are their own past: a transferred-out
member still reads them (``include_former=True``), as they read their
profile and reports.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from branches.access import Capability, get_managed_organization, scope_of
from branches.models import Organization
from members.access import managed_members, own_member
from members.models import Member

from .models import Greeting, Notification
from .services import inbox_for, with_templates

# Channel settings and message templates are kept per branch and per group;
# the tree's other levels send nothing of their own.
CHANNEL_KINDS = (Organization.Kind.BRANCH, Organization.Kind.GROUP)


def get_own_notification(user, pk: int) -> Notification:
    """One of the user's own notices, or 404: nobody learns of another person's inbox.

    It comes with what showing it in the active language needs (``with_templates``).
    """
    notification = with_templates(inbox_for(user)).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notice")
    return notification


def _member_of(user_or_member) -> Member | None:
    if isinstance(user_or_member, Member):
        return user_or_member
    return own_member(user_or_member, include_former=True)


def get_own_greeting(user_or_member, pk: int) -> Greeting:
    """A greeting addressed to the member (or the login's roster entry, former too), or 404."""
    member = _member_of(user_or_member)
    greeting = None
    if member is not None:
        greeting = Greeting.objects.select_related("member").filter(pk=pk, member=member).first()
    if greeting is None:
        raise Http404("No such greeting")
    return greeting


def get_managed_greeting(user, pk: int, capability: Capability = Capability.MANAGE_ROSTER) -> Greeting:
    """A greeting of a member the user manages, or 404."""
    greeting = (
        Greeting.objects.select_related("member")
        .filter(pk=pk, member__in=managed_members(user, capability).values("pk"))
        .first()
    )
    if greeting is None:
        raise Http404("No such greeting")
    return greeting


def managed_channel_organizations(user) -> QuerySet[Organization]:
    """The branches and groups whose channels and templates the user sets."""
    return scope_of(user).organizations(Capability.MANAGE_CHANNELS).filter(kind__in=CHANNEL_KINDS)


def get_managed_channel_organization(user, pk: int) -> Organization:
    """A branch or group whose channels the user sets, or 404 (another level of the tree included)."""
    organization = get_managed_organization(user, pk, Capability.MANAGE_CHANNELS)
    if organization.kind not in CHANNEL_KINDS:
        raise Http404("Channels belong to branches and groups")
    return organization
