"""The member home page's greeting card, on the political birthday and the week after."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from members.home import register_home_section
from members.models import Member, anniversary

from .greetings import CATCH_UP_DAYS, recent_greeting


def in_birthday_week(member: Member, today: dt.date) -> bool:
    """Is ``today`` the anniversary or one of the CATCH_UP_DAYS after it? Decided without a query."""
    for year in (today.year - 1, today.year):
        on = anniversary(member.joined_party_on, year)
        if member.joined_party_on < on <= today <= on + dt.timedelta(days=CATCH_UP_DAYS):
            return True
    return False


@register_home_section
def greeting_card(request: HttpRequest, member: Member, today: dt.date) -> dict | None:
    """No query on the other 51 weeks of the year; one in the week of the card."""
    if not in_birthday_week(member, today):
        return None
    greeting = recent_greeting(member, today)
    if greeting is None:
        return None
    return {"template": "notifications/greetings/_home_card.html", "greeting": greeting}
