"""The roster's link to a member's 流动党员活动证.

``{% permit_link member %}`` lets the roster's member page, which sits below
itinerant, offer the member's permits (and recording one) to those who keep
the branch's roster; a group leader, who does not keep permits, gets nothing.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from branches.access import Capability, can
from members.models import Member

register = template.Library()


@register.simple_tag(takes_context=True)
def permit_link(context, member: Member) -> str:
    if not can(context["request"].user, Capability.MANAGE_ROSTER, member.organization):
        return ""
    return format_html(
        '<a class="button secondary" href="{}">{}</a>',
        reverse("itinerant:add_permit", args=[member.pk]),
        _("Itinerant member's permit"),
    )
