"""Template helpers of the secretary's dues pages, and the roster's link to a member's dues.

``{% dues_link member %}`` lets the roster, which sits below dues, link to a
member's dues page for those who keep them, without its view knowing dues.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from branches.access import Capability, can

from ..amounts import yuan as _yuan
from ..secretary_data import category_label, how_computed

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Fen as yuan with two decimals: 1234 → 12.34."""
    return _yuan(fen)


@register.filter
def how(due_how) -> str:
    return how_computed(due_how or {})


@register.filter
def category(value) -> str:
    return category_label(value)


@register.simple_tag(takes_context=True)
def dues_link(context, member) -> str:
    """A link to the member's dues, for whoever records them over the member's branch or group; else nothing."""
    user = context["request"].user
    keeps = can(user, Capability.RECORD_DUES, member.organization) or (
        member.group_id is not None and can(user, Capability.RECORD_DUES, member.group)
    )
    if not keeps:
        return ""
    return format_html(
        '<a class="button secondary" href="{}">{}</a>', reverse("dues:member", args=[member.pk]), _("Party dues")
    )
