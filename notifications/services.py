"""Sending notices. Today every notice lands in the recipient's inbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

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
