"""Demo permits and warnings for the demo mine's online branch, so each can be seen in ``make run``.

Builds on the roster, activity and dues demos:

- one itinerant member holds a 流动党员活动证 issued by the mine's committee two
  months ago, taking part in a branch where they work, checked last month;
- one member, back home since the spring, was last heard from on a call four
  months ago and has taken part in nothing since: the ``life_warnings`` sweep
  raises a three-month warning (a talk is due) for the secretaries;
- one itinerant member's place has been on the roster, unchanged, for seven
  months: the ``itinerant_proposals`` sweep proposes transferring their
  relationship.

Both sweeps run at the end, for today, as beat runs them each morning.
Idempotent like the other demos: the silent member is looked up by phone,
the permit by its holder, the settled member by their proposal; the sweeps
write nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.utils import timezone

from branches.dates import add_months
from branches.models import Organization, Role
from branches.sweeps import run_sweep
from dues import services as dues_services
from dues.models import Category
from members.demo import GROUP_CODES, ITINERANT_PHONES_FROM, ONLINE_BRANCH_CODE, demo_id_number, demo_phone
from members.models import Contact, Member

from .models import Permit, TransferProposal

# Positions in the roster demo's itinerant list, clear of the parts the other demos give them.
PERMIT_SLOT = 14
SETTLED_SLOT = 23
# The silent member is the demo's own, outside the roster demo's numbers.
SILENT_PHONE = demo_phone(341)
SILENT_MONTHS = 4
SETTLED_MONTHS = 7
COMMITTEE_NAME = "示范煤矿党委"


def _zone():
    return timezone.get_default_timezone()


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=_zone())


def _member(slot: int) -> Member | None:
    return Member.objects.filter(phone=demo_phone(ITINERANT_PHONES_FROM + slot), state=Member.State.ACTIVE).first()


def _secretary(branch: Organization):
    role = Role.objects.filter(organization=branch, kind=Role.Kind.SECRETARY).select_related("user").order_by("pk")
    first = role.first()
    return first.user if first else None


@transaction.atomic
def seed(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    online = Organization.objects.filter(code=ONLINE_BRANCH_CODE).first()
    if online is None:
        return {}
    secretary = _secretary(online)
    created: Counter[str] = Counter()
    _silent_member(online, secretary, today, created)
    _permit(_member(PERMIT_SLOT), secretary, today, created)
    _settled(_member(SETTLED_SLOT), today)
    proposed = run_sweep("itinerant_proposals", today)
    warned = run_sweep("life_warnings", today)
    created["transfer proposals"] += proposed["proposed"]
    created["talk warnings"] += warned["talk"]
    created["case warnings"] += warned["case"]
    return {key: n for key, n in created.items() if n}


def _silent_member(online: Organization, secretary, today: dt.date, created: Counter) -> None:
    """邓保平: came home in the spring, one call four months ago, nothing since."""
    if Member.objects.filter(phone=SILENT_PHONE).exists():
        return
    group = Organization.objects.filter(code=GROUP_CODES[1]).first()
    birth = dt.date(1983, 4, 17)
    member = Member(
        name="邓保平",
        gender=Member.Gender.MALE,
        phone=SILENT_PHONE,
        # Odd sequence for a man, as on real cards; a province-level address code no card carries.
        id_number=demo_id_number("140000", birth, 341),
        birth_date=birth,
        joined_party_on=dt.date(2009, 7, 1),
        full_member_on=dt.date(2010, 7, 1),
        status=Member.Status.FULL,
        organization=online,
        group=group,
        is_itinerant=False,
        emergency_contact="妻子 吴桂兰",
        emergency_phone=demo_phone(5341),
    )
    member.full_clean()
    member.save()
    # On this roster for five months: the call a month later is the last sign of him.
    Member.objects.filter(pk=member.pk).update(created_at=_at(add_months(today, -SILENT_MONTHS - 1), 9))
    Contact.objects.create(
        member=member,
        by=secretary,
        at=_at(add_months(today, -SILENT_MONTHS), 19),
        channel=Contact.Channel.CALL,
        note="电话联系：说近期要去外地找活，之后电话一直打不通。",
    )
    # A dues basis keeps the dues demo from paying his months on a later run: he has paid nothing since.
    dues_services.set_basis(
        member,
        category=Category.SALARY,
        income_fen=300000,
        applies_from=add_months(today, -SILENT_MONTHS - 1),
        by=secretary,
        today=today,
    )
    created["members"] += 1


def _permit(member: Member | None, secretary, today: dt.date, created: Counter) -> None:
    if member is None or Permit.objects.filter(member=member).exists():
        return
    issued = add_months(today, -2)
    Permit.objects.create(
        member=member,
        number=f"示矿流证〔{issued.year}〕{PERMIT_SLOT:03d}号",
        issued_by=COMMITTEE_NAME,
        issued_on=issued,
        reason="外出务工",
        province=member.province,
        city=member.city,
        host_name=f"{member.city}市某街道流动党员党支部",
        valid_until=add_months(issued, 12),
        checked_on=add_months(today, -1),
        entered_by=secretary,
        entered_at=_at(issued, 10),
    )
    created["permits"] += 1


def _settled(member: Member | None, today: dt.date) -> None:
    """The roster has known this member's place, unchanged, for seven months."""
    if member is None or TransferProposal.objects.filter(member=member).exists():
        return
    since = add_months(today, -SETTLED_MONTHS)
    if timezone.localdate(member.created_at) > since:
        Member.objects.filter(pk=member.pk).update(created_at=_at(since, 9))
