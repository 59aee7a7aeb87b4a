"""Month arithmetic, once: activity days, reporting periods, evaluation years and card dates all use it.

Leap years are ``calendar.isleap``; nothing here re-derives them.
"""

from __future__ import annotations

import calendar
import datetime as dt


def shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    """(year, month) moved by ``months``, forwards or backwards."""
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day if it is shorter (31 Jan + 1 → 28/29 Feb)."""
    year, month = shift_month(day.year, day.month, months)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_months(today: dt.date, count: int = 12) -> list[tuple[int, int]]:
    """The ``count`` months up to and including today's, oldest first."""
    return [shift_month(today.year, today.month, offset) for offset in range(1 - count, 1)]
