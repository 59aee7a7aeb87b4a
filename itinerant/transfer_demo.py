"""Demo transfers of the Party relationship for the demo mine, so each step can be tried in ``make run``.

Builds on the roster demo (``members.demo``) and the dues demo, whose months
the letters carry. In the online branch:

- one member asks to move to the 综采一队 branch (requested): the online
  branch's secretary approves and issues the letter, and the committee's
  secretary, who answers for that branch, accepts the member there;
- one member's letter to a company's Party committee in Dongguan ran out
  yesterday without a receipt, and another's runs out in ten days: the
  ``transfers`` sweep, run at the end, expires the first and warns about the
  second, once each.

Idempotent: a member who has any transfer already is left alone, and the
sweep tells nobody twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from branches.dates import add_months
from branches.models import Organization, Role
from branches.sweeps import run_sweep
from members.demo import ITINERANT_PHONES_FROM, ONLINE_BRANCH_CODE, ORDINARY_BRANCHES, demo_phone
from members.models import Member

from . import transfers
from .models import Transfer

# Positions in the roster demo's itinerant list, clear of the parts the other demos give them.
REQUEST_SLOT = 30
EXPIRED_SLOT = 44
EXPIRING_SLOT = 46
RECEIVING_BRANCH = ORDINARY_BRANCHES[0][0]
OUTSIDE = "中共东莞市某电子有限公司委员会"


def _member(slot: int) -> Member | None:
    return Member.objects.filter(phone=demo_phone(ITINERANT_PHONES_FROM + slot), state=Member.State.ACTIVE).first()


def _secretary(branch: Organization):
    role = Role.objects.filter(organization=branch, kind=Role.Kind.SECRETARY).select_related("user").order_by("pk")
    first = role.first()
    return first.user if first else None


def _fresh(member: Member | None) -> bool:
    return member is not None and not Transfer.objects.filter(member=member).exists()


def _issued_letter(member: Member, secretary, last_day: dt.date, number: str) -> None:
    issued_on = add_months(last_day, -transfers.LETTER_MONTHS)
    with transaction.atomic():
        transfer = transfers.request(
            member, to_name=OUTSIDE, reason="在东莞长期务工，已在当地稳定就业", by=member.user or secretary
        )
        transfers.approve(transfer, secretary)
        transfers.issue_letter(
            transfer, letter_number=number, issued_on=issued_on, across_provinces=False, by=secretary, today=issued_on
        )


def seed(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    online = Organization.objects.filter(code=ONLINE_BRANCH_CODE).first()
    receiving = Organization.objects.filter(code=RECEIVING_BRANCH).first()
    if online is None or receiving is None:
        return {}
    secretary = _secretary(online)
    created = 0
    asking = _member(REQUEST_SLOT)
    if _fresh(asking):
        transfers.request(asking, to_organization=receiving, reason="回矿工作，调入综采一队", by=asking.user)
        created += 1
    for slot, last_day, number in (
        (EXPIRED_SLOT, today - dt.timedelta(days=1), f"{online.code}-{today.year}-901"),
        (EXPIRING_SLOT, today + dt.timedelta(days=10), f"{online.code}-{today.year}-902"),
    ):
        member = _member(slot)
        if _fresh(member):
            _issued_letter(member, secretary, last_day, number)
            created += 1
    result = run_sweep("transfers", today)
    return {"transfers": created, **{f"transfers_{key}": n for key, n in result.items() if n}}
