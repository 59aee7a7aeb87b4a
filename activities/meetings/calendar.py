"""Meetings as iCalendar: one meeting's .ics, and a member's private feed that a phone calendar subscribes to.

A calendar app cannot log in, so the feed's address carries a secret token
and is the only key to it. The token is random (256 bits), shown to the
member once when it is made and kept only as its SHA-256: a copy of the
database opens no feed, and the lookup is by the hash, so no secret is
compared byte by byte. Resetting replaces the hash, so the old address stops working at once.
A feed answers only while its member is on the roster with a working login.

What goes into an event is what the member's own page shows of the meeting,
without the names of other members: a calendar app syncs it to places the
branch does not control.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member

from ..models import Activity, CalendarFeed
from .lists import own_activities_filter

# A meeting planned without its end lasts this long in a calendar.
DEFAULT_DURATION = dt.timedelta(hours=2)
# The feed lists this much of the past (months), and everything ahead.
FEED_PAST_MONTHS = 3
# How often a calendar app should read the feed again.
FEED_REFRESH = dt.timedelta(hours=6)
PRODID = "-//netbranch//meetings//ZH"

PageUrl = Callable[[Activity], str]


def summary_of(activity: Activity) -> str:
    """The kind (or an "other" meeting's name) and the theme: what the calendar shows as the title."""
    if activity.theme:
        return f"{activity.title} · {activity.theme}"
    return activity.title


def event_uid(activity: Activity) -> str:
    # Stable across downloads and the feed, so a calendar updates the event instead of adding it twice.
    return f"meeting-{activity.pk}@netbranch"


def meeting_event(activity: Activity, page_url: str, stamp: dt.datetime) -> icalendar.Event:
    """One VEVENT: a timed event in Asia/Shanghai when the start time is known, else an all-day event."""
    if activity.starts_at is not None:
        start: dt.date = dt.datetime.combine(activity.date, activity.starts_at, tzinfo=timezone.get_default_timezone())
        end: dt.date = start + DEFAULT_DURATION
    else:
        start, end = activity.date, activity.date + dt.timedelta(days=1)
    description = [page_url]
    if activity.online_link:
        description.insert(0, _("Online: %(link)s") % {"link": activity.online_link})
    return icalendar.Event.new(
        uid=event_uid(activity),
        stamp=stamp,
        summary=summary_of(activity),
        start=start,
        end=end,
        location=activity.place or None,
        url=activity.online_link or page_url,
        description="\n".join(description),
    )


def calendar_bytes(
    activities: Iterable[Activity],
    page_url: PageUrl,
    *,
    name: str,
    uid: str,
    subscribed: bool = False,
    now: dt.datetime | None = None,
) -> bytes:
    """A VCALENDAR with one event per activity and the time zone the timed ones need.

    A ``subscribed`` calendar (the feed) also tells the app how often to read it again.
    """
    stamp = (now or timezone.now()).astimezone(dt.UTC)
    cal = icalendar.Calendar.new(
        prodid=PRODID, name=name, uid=uid, refresh_interval=FEED_REFRESH if subscribed else None
    )
    if subscribed:
        # The same hint in the older spelling that Outlook and Google Calendar read.
        cal.add("X-PUBLISHED-TTL", icalendar.vDuration(FEED_REFRESH))
    dates = []
    for activity in activities:
        cal.add_component(meeting_event(activity, page_url(activity), stamp))
        dates.append(activity.date)
    if dates:
        zone = timezone.get_default_timezone()
        cal.add_missing_timezones(
            first_date=dt.datetime.combine(min(dates), dt.time.min, tzinfo=zone),
            last_date=dt.datetime.combine(max(dates) + dt.timedelta(days=2), dt.time.min, tzinfo=zone),
        )
    return cal.to_ical()


def feed_activities(member: Member, today: dt.date) -> list[Activity]:
    """The member's meetings of every kind from three months back on: one query."""
    since = today - dt.timedelta(days=FEED_PAST_MONTHS * 31)
    return list(
        Activity.objects.filter(own_activities_filter(member), date__gte=since)
        .only("pk", "kind", "name", "theme", "date", "starts_at", "place", "online_link")
        .order_by("date", "starts_at", "pk")
    )


# --- the token --------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed(member: Member) -> str:
    """Make the member's feed address, or replace it: returns the new token, the old one no longer opens anything.

    The token is returned once; only its hash is stored.
    """
    token = secrets.token_urlsafe(32)
    # One row per member (a unique key): two taps at once leave the later token.
    CalendarFeed.objects.update_or_create(
        member=member, defaults={"token_hash": hash_token(token), "created_at": timezone.now()}
    )
    return token


def has_feed(member: Member) -> bool:
    return CalendarFeed.objects.filter(member=member).exists()


def member_for_token(token: str) -> Member | None:
    """The member whose feed this token opens: on the roster and able to log in; else None."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("member__user")
        .filter(token_hash=hash_token(token), member__state=Member.State.ACTIVE)
        .first()
    )
    if feed is None:
        return None
    user = feed.member.user
    if user is None or not user.is_active:
        return None
    return feed.member
