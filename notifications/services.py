"""Sending notices. Today every notice lands in the recipient's inbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation

from members.models import Member

from .models import Notification


@dataclass(frozen=True)
class Notice:
    """What to say; rendered in the site's language when it is sent."""

    kind: str
    title: str
    body: str = ""
    url: str = ""


def notify_members(member_ids: Iterable[int], notice: Notice, key: str) -> int:
    """Write ``notice`` to each member's inbox once; ``key`` is formatted with ``{member}``.

    One INSERT for the whole batch; keys already present are skipped, so a
    re-run or a redelivered task sends nothing twice. Returns the batch size.
    """
    rows = [_row(notice, key.format(member=member_id), member_id=member_id) for member_id in member_ids]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notify_users(user_ids: Iterable[int], notice: Notice, key: str) -> int:
    """Like notify_members, for logins without a roster entry (secretaries); key uses ``{user}``."""
    rows = [_row(notice, key.format(user=user_id), user_id=user_id) for user_id in user_ids]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _row(notice: Notice, key: str, **recipient) -> Notification:
    with translation.override(settings.LANGUAGE_CODE):
        title, body = str(notice.title), str(notice.body)
    return Notification(kind=notice.kind, key=key, title=title, body=body, url=notice.url, **recipient)


def inbox_for(user) -> QuerySet[Notification]:
    """Notices addressed to the user's roster entry or to the login itself, newest first."""
    # A subquery rather than a join keeps each side on its own inbox index.
    member_ids = Member.objects.filter(user_id=user.pk).values("pk")
    return Notification.objects.filter(Q(user_id=user.pk) | Q(member_id__in=member_ids)).order_by("-created_at", "-pk")


def mark_read(notification: Notification) -> bool:
    """Record the first time a notice is opened; later openings keep that moment.

    A conditional UPDATE, so two tabs opening it at once still leave one receipt.
    Returns True if this call recorded it.
    """
    now = timezone.now()
    recorded = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    if recorded:
        notification.read_at = now
    return bool(recorded)


def read_receipts(key_prefix: str) -> tuple[int, int]:
    """How many of the notices whose key starts with ``key_prefix`` were opened, out of how many.

    Keys are built as ``kind:object:recipient``, so the prefix ``"material:12:"``
    covers one material's notice to every member.
    """
    totals = Notification.objects.filter(key__startswith=key_prefix).aggregate(
        read=Count("pk", filter=Q(read_at__isnull=False)), total=Count("pk")
    )
    return totals["read"], totals["total"]
