"""Sending notices. Today every notice lands in the recipient's inbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BigIntegerField, CharField, Count, DateTimeField, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation

from branches.bulk import insert_from_select
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
    """Write ``notice`` to each member's inbox once; ``key`` holds ``{member}``, replaced by the id.

    One INSERT … SELECT for the whole batch, rendered once; keys already
    present are skipped, so a re-run or a redelivered task sends nothing
    twice. Returns the batch size.
    """
    ids = list(member_ids)
    if not ids:
        return 0
    prefix, _, suffix = key.partition("{member}")
    title, body = _render(notice)
    select = (
        Member.objects.filter(pk__in=ids)
        .order_by()
        .annotate(
            _user=Value(None, output_field=BigIntegerField()),
            _kind=Value(notice.kind, output_field=CharField()),
            _key=Concat(Value(prefix), Cast("pk", CharField()), Value(suffix), output_field=CharField()),
            _title=Value(title, output_field=CharField()),
            _body=Value(body, output_field=TextField()),
            _url=Value(notice.url, output_field=CharField()),
            _at=Value(timezone.now(), output_field=DateTimeField()),
        )
        .values_list("pk", "_user", "_kind", "_key", "_title", "_body", "_url", "_at")
    )
    insert_from_select(Notification, ["member", "user", "kind", "key", "title", "body", "url", "created_at"], select)
    return len(ids)


def notify_users(user_ids: Iterable[int], notice: Notice, key: str) -> int:
    """Like notify_members, for logins without a roster entry (secretaries); key uses ``{user}``."""
    rows = [_row(notice, key.format(user=user_id), user_id=user_id) for user_id in user_ids]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _render(notice: Notice) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        return str(notice.title), str(notice.body)


def _row(notice: Notice, key: str, **recipient) -> Notification:
    title, body = _render(notice)
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
