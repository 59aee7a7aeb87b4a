"""The roster's link to a member's transfer of the Party relationship.

``{% transfer_link member %}`` lets the roster's member page, which sits
below itinerant, offer "转接组织关系" to those who approve transfers over
the member's branch: to the transfer in progress when there is one, else to
starting one. Anyone else gets nothing.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from branches.access import Capability, can
from members.models import Member

from ..transfers import open_transfer_of

register = template.Library()


@register.simple_tag(takes_context=True)
def transfer_link(context, member: Member) -> str:
    user = context["request"].user
    if member.state != Member.State.ACTIVE or not can(user, Capability.APPROVE_TRANSFERS, member.organization):
        return ""
    # The roster's member page reads the in-transit badge with the entry: no transfer, no query.
    in_transit = getattr(member, "badge_in_transit", None)
    current = None if in_transit is False else open_transfer_of(member)
    if current is not None:
        return format_html(
            '<a class="button secondary" href="{}">{}</a>',
            reverse("itinerant:transfer", args=[current.pk]),
            _("Transfer in progress"),
        )
    return format_html(
        '<a class="button secondary" href="{}">{}</a>',
        reverse("itinerant:start_transfer", args=[member.pk]),
        _("Transfer the Party relationship"),
    )
