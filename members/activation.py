"""Sending the activation texts the roster's "text everyone not yet activated" asked for.

``roster.services.send_activation_sms`` writes one ``ActivationText`` per
member and day; this sends them. Each row is claimed with a conditional
update before the gateway is called and never claimed again, so a member is
texted at most once whatever fails: a gateway error puts only that row back
for a later try, a row whose worker died after claiming it is given up.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from branches.chunks import chunked

from .models import ActivationText, Member, MemberChange
from .roster.audit import ACTIVATION_SMS_NOTE
from .sms import SMSError, send_sms
from .validators import mask_phone

logger = logging.getLogger(__name__)

# The row keeps its text as rendered at the click (members.sms_templates "activation"), link last.
SIGNUP_LINK = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+")

# Waits after the first, second, … gateway error; after the last the row fails.
RETRY_AFTER = [dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2)]
# A row claimed this long ago whose worker never reported back: the gateway may
# have taken the text, so it is marked failed, never sent again.
CLAIM_LOST_AFTER = dt.timedelta(minutes=15)
# An invitation still unsent after this is no longer what the secretary asked
# for; they may click again.
GIVE_UP_AFTER = dt.timedelta(days=2)
# Rows per task, and per sweep run: well inside the task time limit at a
# gateway's pace; a backlog after an outage drains over a few runs.
TASK_CHUNK = 200
SWEEP_BATCH = 500


def queue_texts(text_ids: list[int]) -> bool:
    """Hand the rows to workers; False when the broker is down (the sweep sends them then)."""
    from branches.queue import enqueue

    from .tasks import send_activation_texts

    # all() stops at the first failure: one warning is enough, the sweep finds every row still queued.
    return all(enqueue(send_activation_texts, list(chunk)) for chunk in chunked(text_ids, TASK_CHUNK))


def send_texts(text_ids: Iterable[int], now: dt.datetime | None = None) -> dict[str, int]:
    """Send the queued, due rows among ``text_ids``, oldest first.

    Stops at the first gateway error that may pass: the gateway is likely
    down, and each further try would cost its timeout; the rest stay queued.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    ids = sorted(set(text_ids))
    for text in ActivationText.objects.filter(pk__in=ids).select_related("member__organization").order_by("pk"):
        result = _send_one(text, now or timezone.now())
        if result:
            counts[result] += 1
        if result == "retry":
            break
    return counts


def send_due(now: dt.datetime | None = None) -> dict[str, int]:
    """The sweep: give up lost claims and stale rows, then send every queued row that is due."""
    now = now or timezone.now()
    lost = ActivationText.objects.filter(
        status=ActivationText.Status.SENDING, claimed_at__lt=now - CLAIM_LOST_AFTER
    ).update(status=ActivationText.Status.FAILED, last_error="claimed by a worker that never reported back")
    expired = ActivationText.objects.filter(
        status=ActivationText.Status.QUEUED, requested_at__lt=now - GIVE_UP_AFTER
    ).update(status=ActivationText.Status.FAILED, last_error="not sent in time")
    due = list(
        ActivationText.objects.filter(status=ActivationText.Status.QUEUED, due_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    counts = send_texts(due, now)
    return {**counts, "lost": lost, "expired": expired}


def _send_one(text: ActivationText, now: dt.datetime) -> str | None:
    claimed = ActivationText.objects.filter(pk=text.pk, status=ActivationText.Status.QUEUED, due_at__lte=now).update(
        status=ActivationText.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    member = text.member
    if member.state != Member.State.ACTIVE or member.user_id is not None:
        # Activated or gone since the click: the invitation has no purpose any more.
        _finish(text, ActivationText.Status.FAILED, error="no longer waiting for activation")
        return "failed"
    try:
        send_sms(member.phone, "activation", activation_params(text))
    except SMSError as exc:
        attempts = text.attempts + 1
        if exc.permanent or attempts > len(RETRY_AFTER):
            logger.warning("activation SMS %s to %s failed: %s", text.pk, mask_phone(member.phone), exc)
            _finish(text, ActivationText.Status.FAILED, error=str(exc))
            return "failed"
        logger.warning("activation SMS %s to %s failed, retried later: %s", text.pk, mask_phone(member.phone), exc)
        ActivationText.objects.filter(pk=text.pk, status=ActivationText.Status.SENDING).update(
            status=ActivationText.Status.QUEUED, due_at=now + RETRY_AFTER[attempts - 1], last_error=str(exc)[:500]
        )
        return "retry"
    except Exception:
        # Whether the text went out is unknown: never try it again.
        logger.exception("activation SMS %s to %s failed", text.pk, mask_phone(member.phone))
        _finish(text, ActivationText.Status.FAILED, error="unexpected error while sending")
        return "failed"
    with transaction.atomic():
        _finish(text, ActivationText.Status.SENT, sent_at=timezone.now())
        MemberChange.objects.create(
            member=member,
            organization_id=member.organization_id,
            user_id=text.requested_by_id,
            at=timezone.now(),
            action=MemberChange.Action.UPDATED,
            note=ACTIVATION_SMS_NOTE,
        )
    return "sent"


def activation_params(text: ActivationText) -> dict[str, str]:
    """The invitation's values: the member as the roster has them now, the link the secretary's click was made on."""
    link = SIGNUP_LINK.search(text.text)
    if link is None:
        raise SMSError("the activation text holds no signup link", permanent=True)
    member = text.member
    return {"name": member.name, "branch": member.organization.name, "url": link.group(0).rstrip(".,;")}


def _finish(text: ActivationText, status: str, *, error: str = "", sent_at: dt.datetime | None = None) -> None:
    ActivationText.objects.filter(pk=text.pk, status=ActivationText.Status.SENDING).update(
        status=status, last_error=error[:500], sent_at=sent_at
    )
