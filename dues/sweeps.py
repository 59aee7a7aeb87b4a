"""The dues sweeps: the month's dues, and one reminder a month to members in arrears."""

from __future__ import annotations

import datetime as dt

from branches.sweeps import register

from . import reminders, services


@register("dues")
def dues(today: dt.date) -> dict:
    return services.write_due_months(today)


@register("dues_reminders")
def dues_reminders(today: dt.date) -> dict:
    return reminders.send_arrears_reminders(today)
