"""The member home page's greeting card, on the political birthday and the week after."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from members.home import register_home_section
from members.models import Member

from .greetings import recent_greeting


@register_home_section
def greeting_card(request: HttpRequest, member: Member, today: dt.date) -> dict | None:
    """One query; nothing outside the week after an anniversary."""
    greeting = recent_greeting(member, today)
    if greeting is None:
        return None
    return {"template": "notifications/greetings/_home_card.html", "greeting": greeting}
