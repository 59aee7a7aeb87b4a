"""The wordings of the activity day's notices, registered with ``notifications.wordings``.

Each notice stores the values below, not its text, so a member reads it in
their own language; dates come as ISO strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.wordings import wording


@wording("activity_day")
def activity_day(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: theme, date, past (sent after the day), count (materials), closes (check-in deadline)."""
    if params["past"]:
        title = _("The activity day was %(date)s: %(theme)s") % {"date": params["date"], "theme": params["theme"]}
    else:
        title = _("Today is the activity day: %(theme)s") % {"theme": params["theme"]}
    body = ngettext(
        "%(count)d study material is waiting for you. Check in before %(closes)s.",
        "%(count)d study materials are waiting for you. Check in before %(closes)s.",
        params["count"],
    ) % {"count": params["count"], "closes": params["closes"]}
    return title, body


@wording("material")
def material(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: title."""
    return _("New study material: %(title)s") % {"title": params["title"]}, ""


@wording("reminder")
def reminder(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: days (before the activity day), branch, date, theme."""
    days = params["days"]
    if days == 0:
        title = _("Today is the activity day")
    else:
        title = ngettext("The activity day is in %(days)d day", "The activity day is in %(days)d days", days) % {
            "days": days
        }
    body = _("%(branch)s meets on %(date)s: %(theme)s") % {
        "branch": params["branch"],
        "date": params["date"],
        "theme": params["theme"] or "—",
    }
    return title, body


@wording("absent")
def absent(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: date."""
    return (
        _("You missed the activity day"),
        _("You can still do the make-up study for %(date)s with a short note.") % {"date": params["date"]},
    )


@wording("attendance")
def attendance(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: branch, date, attended, made_up, excused, absent, names (the first absentees), more (others left out)."""
    title = _("Attendance for %(branch)s, %(date)s") % {"branch": params["branch"], "date": params["date"]}
    body = _("Attended %(attended)d, made up %(made_up)d, excused %(excused)d, absent %(absent)d.") % {
        "attended": params["attended"],
        "made_up": params["made_up"],
        "excused": params["excused"],
        "absent": params["absent"],
    }
    if params["absent"]:
        names = "、".join(params["names"]) + ("…" if params["more"] else "")
        body += " " + _("Absent: %(names)s") % {"names": names}
    return title, body


@wording("leave")
def leave(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: date, approved, note (the reason for a decline, shown as written; absent in older notices)."""
    if params["approved"]:
        return _("Your leave for %(date)s is approved") % {"date": params["date"]}, ""
    note = params.get("note") or ""
    body = _("Reason: %(note)s") % {"note": note} if note else ""
    return _("Your leave for %(date)s is declined") % {"date": params["date"]}, body


@wording("report_reply")
def report_reply(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: title (the report's), reply (the secretary's words, shown as written)."""
    return _("Your report was answered: %(title)s") % {"title": params["title"]}, params["reply"]


@wording("away_report")
def away_report(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: year, due (ISO date)."""
    return (
        _("Your report on life away for %(year)s is due") % {"year": params["year"]},
        _(
            "Please tell your branch about your thinking, your work and the organizational life you took part in "
            "while away, by %(due)s."
        )
        % {"due": params["due"]},
    )
