"""Date and time inputs that render the browser's own value format.

``<input type="date">`` (and ``time``, ``datetime-local``) only accept ISO
values. Django renders a widget's value in the active language's first input
format unless the widget names one, and zh-hans puts ``%Y/%m/%d`` first: the
browser then shows an empty field and refuses to submit a required one. Every
form uses these widgets so the value is ISO in every language; the posted ISO
value parses in every language too (``%Y-%m-%d`` is in each locale's input
formats, and form datetime fields accept ISO 8601).
"""

from __future__ import annotations

from django import forms

DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=DATE_FORMAT)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=TIME_FORMAT)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)
