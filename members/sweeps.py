"""Members' sweeps: work whose message was lost or whose first try failed is picked up from the database."""

import datetime as dt

from branches.sweeps import register

from . import activation
from .imports import dispatch


@register("roster_imports")
def roster_imports(today: dt.date) -> dict:
    return dispatch.requeue_stale()


@register("activation_texts")
def activation_texts(today: dt.date) -> dict:
    return activation.send_due()
