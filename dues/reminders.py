"""The arrears reminder: one notice a month to each member with unpaid months before this one.

Every member's notice names their own months and amount, so one shared
``Notice`` cannot carry them and ``notify_members`` (one wording for a whole
batch) would cost an INSERT per member. The reminder instead writes each
chunk's inbox rows in one INSERT, each row with its own stored wording, and
hands the chunk to ``notifications.services.queue_deliveries`` for SMS and
email, which applies the member's and the branch's channel switches and the
branch's quiet hours. The key ``dues-arrears:<member>:<YYYY-MM>`` is unique,
so a replayed day, a second run or a redelivered task reminds nobody twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from branches.chunks import chunked
from members.models import Member
from notifications.models import Notification
from notifications.services import Notice, queue_deliveries, render_notice

from .models import Payment
from .services import unpaid

KIND = "dues_arrears"
CHUNK = 1000
# The months a notice keeps by name; the count says how many there are in all.
MONTHS_KEPT = 24


def key_parts(today: dt.date) -> tuple[str, str]:
    """The notice key around the member's id: ``dues-arrears:`` + id + ``:2026-06``."""
    return "dues-arrears:", f":{today:%Y-%m}"


def _arrears(today: dt.date) -> Iterator[tuple[int, list[dt.date], int]]:
    """Each member to remind this month with their unpaid months and the total, in one streamed query.

    Left out: members no longer on an active roster entry, months a reported
    payment still waiting for the secretary covers, and members reminded
    already this month.
    """
    prefix, suffix = key_parts(today)
    waiting = Payment.objects.filter(
        member_id=OuterRef("member_id"),
        status=Payment.Status.REPORTED,
        first_month__lte=OuterRef("month"),
        last_month__gte=OuterRef("month"),
    )
    reminded = Notification.objects.filter(
        key=Concat(Value(prefix), Cast(OuterRef("member_id"), CharField()), Value(suffix), output_field=CharField())
    )
    rows = (
        unpaid(today)
        .filter(member__state=Member.State.ACTIVE)
        .exclude(Exists(waiting))
        .exclude(Exists(reminded))
        .order_by("member_id", "month")
        .values_list("member_id", "month", "amount_fen")
    )
    current, months, total = None, [], 0
    for member_id, month, amount in rows.iterator(chunk_size=2000):
        if member_id != current:
            if current is not None:
                yield current, months, total
            current, months, total = member_id, [], 0
        months.append(month)
        total += amount
    if current is not None:
        yield current, months, total


def notice_for(months: list[dt.date], total_fen: int, url: str) -> Notice:
    return Notice(
        kind=KIND,
        url=url,
        params={
            "count": len(months),
            "months": [f"{month:%Y-%m}" for month in months[:MONTHS_KEPT]],
            "amount_fen": total_fen,
        },
    )


def send_arrears_reminders(today: dt.date) -> dict[str, int]:
    """The ``dues_reminders`` sweep: remind this month's members in arrears who have not been reminded yet."""
    prefix, suffix = key_parts(today)
    url = reverse("dues:mine")
    reminded = 0
    for chunk in chunked(_arrears(today), CHUNK):
        reminded += _write(chunk, prefix, suffix, url)
    return {"reminded": reminded}


def _write(chunk: list[tuple[int, list[dt.date], int]], prefix: str, suffix: str, url: str) -> int:
    """One INSERT for the chunk's inbox rows, then the outside channels; returns the rows this call wrote."""
    now = timezone.now()
    rows = []
    for member_id, months, total in chunk:
        notice = notice_for(months, total, url)
        title, body = render_notice(notice)
        rows.append(
            Notification(
                member_id=member_id,
                kind=KIND,
                key=f"{prefix}{member_id}{suffix}",
                title=title,
                body=body,
                url=url,
                created_at=now,
                message=notice.message,
            )
        )
    keys = [row.key for row in rows]
    # A concurrent run may have written some of the keys first: only this run's rows count.
    present = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    ids = [member_id for member_id, _months, _total in chunk]
    queue_deliveries(ids, Notice(kind=KIND), prefix, suffix, now)
    return len(keys) - len(present)
