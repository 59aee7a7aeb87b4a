"""Periodic sweeps: the registry, the runner, and the heartbeat.

A sweep is a function ``(today: date) -> dict[str, int]`` that handles
everything due up to ``today`` and not yet done, and returns counts of what it
did. Beat triggers them through ``branches.tasks.run_sweep``; operators and
tests run them for a chosen day with ``manage.py sweep NAME --today``.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable

from django.db.models import F
from django.utils import timezone

from .models import SweepStatus

logger = logging.getLogger(__name__)

Sweep = Callable[[dt.date], dict]
REGISTRY: dict[str, Sweep] = {}


class UnknownSweep(KeyError):
    pass


def register(name: str) -> Callable[[Sweep], Sweep]:
    def decorator(func: Sweep) -> Sweep:
        REGISTRY[name] = func
        return func

    return decorator


def run_sweep(name: str, today: dt.date | None = None) -> dict:
    """Run one sweep and record its start, end, result or error in SweepStatus."""
    try:
        func = REGISTRY[name]
    except KeyError:
        raise UnknownSweep(name) from None
    today = today or timezone.localdate()
    started = timezone.now()
    SweepStatus.objects.get_or_create(name=name)
    SweepStatus.objects.filter(name=name).update(last_started_at=started, last_for_date=today)
    try:
        result = func(today) or {}
    except Exception:
        SweepStatus.objects.filter(name=name).update(
            last_finished_at=timezone.now(), last_error=traceback.format_exc(limit=5), runs=F("runs") + 1
        )
        logger.exception("sweep %s for %s failed", name, today)
        raise
    finished = timezone.now()
    SweepStatus.objects.filter(name=name).update(
        last_finished_at=finished, last_success_at=finished, last_result=result, last_error="", runs=F("runs") + 1
    )
    logger.info("sweep %s for %s: %s", name, today, result)
    return result


@register("heartbeat")
def heartbeat(today: dt.date) -> dict:
    """Proves that beat and a worker are alive: /healthz checks its last success."""
    return {"beats": 1}
