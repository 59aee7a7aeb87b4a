"""A meeting in the member's phone calendar: the .ics of one meeting, and the private subscription feed.

The .ics and the feed's page are the member's own (an active roster entry,
``get_own_member``); the feed itself is read by calendar apps without a
login, so its token is its only key (``calendar.member_for_token``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from members.access import get_own_member

from ..access import get_own_activity
from . import calendar

ICS_TYPE = "text/calendar; charset=utf-8"


def _page_url(request):
    return lambda activity: request.build_absolute_uri(reverse("activities:member_detail", args=[activity.pk]))


def _ics_response(body: bytes, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The member's own schedule: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_safe
def meeting_ics(request, pk: int):
    """One meeting the member takes part in, as a file their calendar app imports; 404 for any other."""
    member = get_own_member(request.user)
    activity = get_own_activity(member, pk)
    body = calendar.calendar_bytes(
        [activity], _page_url(request), name=calendar.summary_of(activity), uid=f"meeting-file-{activity.pk}@netbranch"
    )
    return _ics_response(body, filename=f"meeting-{activity.date:%Y%m%d}-{activity.pk}.ics")


def _feed_context(request, member, token: str | None = None) -> dict:
    context = {"member": member, "has_feed": token is not None or calendar.has_feed(member)}
    if token is not None:
        url = request.build_absolute_uri(reverse("calendar:feed", args=[token]))
        context.update(feed_url=url, webcal_url="webcal://" + url.split("://", 1)[1])
    return context


@login_required
@require_safe
def feed_page(request):
    """Where the member makes (or resets) the address their phone calendar subscribes to."""
    member = get_own_member(request.user)
    return render(request, "activities/meetings/calendar_feed.html", _feed_context(request, member))


@login_required
@require_POST
def feed_reset(request):
    """Make a new address: shown once on this answer; the old one, if any, stops working at once."""
    member = get_own_member(request.user)
    had_feed = calendar.has_feed(member)
    token = calendar.issue_feed(member)
    context = _feed_context(request, member, token)
    context["message"] = (
        _("A new address was made. The old one no longer works: subscribe again with the new one.")
        if had_feed
        else _("Your calendar address was made.")
    )
    response = render(request, "activities/meetings/calendar_feed.html", context)
    # The secret address is on this page: no cache, no back-button copy.
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def feed(request, token: str):
    """The subscription: no login; a token that opens nothing is a 404 like any missing page."""
    member = calendar.member_for_token(token)
    if member is None:
        raise Http404("No such calendar")
    activities = calendar.feed_activities(member, timezone.localdate())
    body = calendar.calendar_bytes(
        activities,
        _page_url(request),
        name=_("My meetings"),
        uid=f"meeting-feed-{member.pk}@netbranch",
        subscribed=True,
    )
    return _ics_response(body)
