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


def _meeting(params: Mapping[str, Any]) -> str | None:
    """The meeting a notice is about, in the reader's language; None for the activity day.

    Notices about a meeting carry its kind (and an "other" meeting's name), not
    its label, so each reader sees it in their own language.
    """
    kind = params.get("kind")
    if not kind:
        return None
    from .models import Activity

    if kind == Activity.Kind.OTHER and params.get("name"):
        return str(params["name"])
    try:
        return str(Activity.Kind(kind).label)
    except ValueError:
        return str(params.get("name") or kind)


@wording("activity_day")
def activity_day(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: theme, date, past (sent after the day), count (materials), closes (check-in deadline); kind, name."""
    meeting = _meeting(params)
    if meeting is not None:
        title = _("%(meeting)s on %(date)s: %(theme)s") % {
            "meeting": meeting,
            "date": params["date"],
            "theme": params["theme"],
        }
    elif params["past"]:
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
    """params: days (before the activity day), branch, date, theme; kind and name for a meeting."""
    days = params["days"]
    meeting = _meeting(params)
    if meeting is not None:
        if days == 0:
            title = _("%(meeting)s today") % {"meeting": meeting}
        else:
            title = ngettext("%(meeting)s in %(days)d day", "%(meeting)s in %(days)d days", days) % {
                "meeting": meeting,
                "days": days,
            }
    elif days == 0:
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
    """params: date; kind and name for a meeting."""
    meeting = _meeting(params)
    if meeting is not None:
        return (
            _("You missed the %(meeting)s of %(date)s") % {"meeting": meeting, "date": params["date"]},
            _("You can still catch up on it with a short note on what you studied."),
        )
    return (
        _("You missed the activity day"),
        _("You can still do the make-up study for %(date)s with a short note.") % {"date": params["date"]},
    )


@wording("attendance")
def attendance(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: branch, date, attended, made_up, excused, absent, names (the first absentees), more (others left out)."""
    title = _("Attendance for %(branch)s, %(date)s") % {"branch": params["branch"], "date": params["date"]}
    meeting = _meeting(params)
    if meeting is not None:
        title = f"{title} · {meeting}"
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


@wording("meeting_planned")
def meeting_planned(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: kind, name, branch, date, time, place, theme."""
    title = _("%(meeting)s on %(date)s") % {"meeting": _meeting(params), "date": params["date"]}
    if params.get("time"):
        title += f" {params['time']}"
    parts = [params.get("theme") or "", params.get("place") or ""]
    body = _("%(branch)s expects you.") % {"branch": params["branch"]}
    details = " · ".join(part for part in parts if part)
    return title, f"{body} {details}".strip()


@wording("record_submitted")
def record_submitted(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: kind, name, branch, date."""
    return (
        _("A meeting record to review: %(branch)s") % {"branch": params["branch"]},
        _("%(meeting)s of %(date)s") % {"meeting": _meeting(params), "date": params["date"]},
    )


@wording("record_reviewed")
def record_reviewed(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: kind, name, date, approved, comment (the reviewer's words, shown as written)."""
    meeting = {"meeting": _meeting(params), "date": params["date"]}
    if params["approved"]:
        return _("The record of the %(meeting)s of %(date)s is approved") % meeting, ""
    return (
        _("The record of the %(meeting)s of %(date)s was returned") % meeting,
        _("Comment: %(comment)s") % {"comment": params.get("comment") or ""},
    )
