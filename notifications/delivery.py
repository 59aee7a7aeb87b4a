"""The ``deliver`` sweep: send the SMS, email and WeCom deliveries whose time has come.

A delivery is claimed with a conditional UPDATE that moves its due time a
lease ahead; only the run whose UPDATE matched sends it, so two sweeps at
once never send twice. A worker killed after claiming leaves the row due
again when the lease runs out: the next sweep sends it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import F
from django.utils import timezone

from branches.sweeps import register

from .models import Delivery
from .transports import TRANSPORTS, TransportError

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
# Wait after the 1st, 2nd and 3rd failed attempt; the 4th failure is final.
BACKOFF = [dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30)]
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 100
# One run sends at most this many batches; the next minute's run takes the rest.
MAX_BATCHES = 50


def due_deliveries(now: dt.datetime, limit: int = BATCH) -> list[Delivery]:
    """Queued deliveries due by ``now``, oldest first, with what their transports read."""
    return list(
        Delivery.objects.filter(status=Delivery.Status.QUEUED, due_at__lte=now)
        .select_related("notification__member__user", "notification__organization")
        .order_by("due_at", "pk")[:limit]
    )


def claim(delivery: Delivery, now: dt.datetime) -> bool:
    """Take the delivery for this run; False if another run got there first."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.QUEUED, due_at__lte=now).update(
            due_at=now + LEASE
        )
    )


def deliver_one(delivery: Delivery, now: dt.datetime) -> str | None:
    """Claim, send and record one delivery; returns its new status, or None if it was not ours."""
    if not claim(delivery, now):
        return None
    try:
        message_id = TRANSPORTS[delivery.channel]().notify(delivery)
    except TransportError as exc:
        return _record_failure(delivery, now, str(exc), permanent=exc.permanent)
    except Exception as exc:
        # An unexpected error's text may quote a URL with its key: keep only its type.
        return _record_failure(delivery, now, f"unexpected {type(exc).__name__}", permanent=False)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
        # The SMS provider's id, which its delivery receipt names (notifications.sms_receipts).
        provider_message_id=str(message_id or "")[:64],
    )
    return Delivery.Status.SENT


def _record_failure(delivery: Delivery, now: dt.datetime, error: str, *, permanent: bool) -> str:
    attempts = delivery.attempts + 1
    final = permanent or attempts >= MAX_ATTEMPTS
    logger.warning(
        "delivery %s over %s failed (attempt %s%s): %s",
        delivery.pk,
        delivery.channel,
        attempts,
        ", final" if final else "",
        error,
    )
    if final:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, attempts=attempts, last_error=error
        )
        return Delivery.Status.FAILED
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_error=error, due_at=now + BACKOFF[attempts - 1]
    )
    return "retry"


def deliver_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send everything due by ``now``, batch after batch; one failing channel never holds up another."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    for _batch in range(MAX_BATCHES):
        batch = due_deliveries(now)
        if not batch:
            break
        for delivery in batch:
            outcome = deliver_one(delivery, now)
            counts[outcome or "skipped"] += 1
    return counts


@register("deliver")
def deliver(today: dt.date) -> dict:
    # Due times are moments, not days: the sweep looks at the clock, not at ``today``.
    return deliver_due()


def resend(deliveries) -> int:
    """Queue failed deliveries again from scratch; returns how many."""
    return deliveries.filter(status=Delivery.Status.FAILED).update(
        status=Delivery.Status.QUEUED,
        due_at=timezone.now(),
        attempts=0,
        last_error="",
        provider_message_id="",
        final_status="",
        receipt_at=None,
        receipt_error="",
    )
