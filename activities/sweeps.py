"""The activity-day sweeps, registered with the shared runner."""

import datetime as dt

from branches.sweeps import register

from . import photos, reports, services
from .meetings import compliance


@register("plan")
def plan(today: dt.date) -> dict:
    return services.plan_activities(today)


@register("dispatch")
def dispatch(today: dt.date) -> dict:
    return services.dispatch_due(today)


@register("remind")
def remind(today: dt.date) -> dict:
    return services.remind_due(today)


@register("close")
def close(today: dt.date) -> dict:
    return services.close_due(today)


@register("checkin_photos")
def checkin_photos(today: dt.date) -> dict:
    return photos.sweep()


@register("away_reports")
def away_reports(today: dt.date) -> dict:
    return reports.remind_away_reports(today)


@register("meeting_due")
def meeting_due(today: dt.date) -> dict:
    return compliance.remind_short_meetings(today)
