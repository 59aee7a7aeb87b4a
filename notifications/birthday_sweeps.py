"""The political-birthday sweep, registered with the shared runner from NotificationsConfig.ready()."""

import datetime as dt

from branches.sweeps import register

from . import greetings


@register("birthdays")
def birthdays(today: dt.date) -> dict:
    return greetings.greet_due(today)
