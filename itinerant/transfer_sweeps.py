"""The ``transfers`` sweep: letters about to run out without a receipt, and letters that ran out.

Asked of the database each morning, "what is due up to today and not done":
a letter whose warning day passed while beat was down is still warned about
(if it has not expired meanwhile), and every letter past its last day lapses.
Each notice has a key per transfer, event and person, and the notices and
the rows they are about are written in one transaction, so a replay, or a
run cut short, tells nobody twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from branches.sweeps import register

from . import transfers
from .models import Transfer

State = Transfer.State


def _issued():
    return Transfer.objects.filter(state=State.ISSUED).select_related("member", "from_organization", "to_organization")


def remind_expiring(today: dt.date) -> int:
    """The sending secretaries hear once that a letter runs out within the warning days with no receipt."""
    last_day = today + dt.timedelta(days=transfers.EXPIRY_WARNING_DAYS)
    due = list(
        _issued()
        .filter(direction=Transfer.Direction.OUT, valid_until__gte=today, valid_until__lte=last_day)
        .filter(expiry_reminded_at__isnull=True)
        .order_by("valid_until", "pk")
    )
    sent = 0
    secretaries = transfers.secretaries_of({t.from_organization for t in due})
    # One commit for the morning's notices and marks rather than one per row.
    with transaction.atomic():
        for transfer in due:
            users = secretaries[transfer.from_organization_id]
            sent += transfers.tell_secretaries(transfer, transfer.from_organization, "expiring", users)
        if due:
            Transfer.objects.filter(pk__in=[t.pk for t in due], expiry_reminded_at__isnull=True).update(
                expiry_reminded_at=timezone.now()
            )
    return sent


def expire_letters(today: dt.date) -> tuple[int, int]:
    """Letters past their last valid day without a receipt lapse; whoever answers for them hears once.

    Returns (letters expired, notices written).
    """
    due = list(_issued().filter(valid_until__lt=today).order_by("valid_until", "pk"))
    if not due:
        return 0, 0
    answering = {t.from_organization if t.direction == Transfer.Direction.OUT else t.to_organization for t in due}
    secretaries = transfers.secretaries_of(answering)
    told = 0
    with transaction.atomic():
        for transfer in due:
            if transfer.direction == Transfer.Direction.OUT:
                users = secretaries[transfer.from_organization_id]
                told += transfers.tell_secretaries(transfer, transfer.from_organization, "expired", users)
                told += transfers.tell_member(transfer, "expired")
            else:
                users = secretaries[transfer.to_organization_id]
                told += transfers.tell_secretaries(transfer, transfer.to_organization, "expired_incoming", users)
        # One UPDATE for every letter that ran out, and only those still issued: a receipt or a cancel that came
        # in meanwhile stands.
        expired = Transfer.objects.filter(pk__in=[t.pk for t in due], state=State.ISSUED, valid_until__lt=today).update(
            state=State.EXPIRED
        )
    return expired, told


@register("transfers")
def transfers_sweep(today: dt.date) -> dict:
    reminded = remind_expiring(today)
    expired, told = expire_letters(today)
    return {"reminded": reminded, "expired": expired, "expiry_notices": told}
