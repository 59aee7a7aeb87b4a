"""People and branches for the transfer tests: two branches under one committee, their secretaries, members.

The clock is 15 June 2026, 10:00 in Shanghai, standing still.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import time_machine
from django.utils import timezone

from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from dues.models import Due, Payment
from itinerant import transfers
from itinerant.models import Transfer
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory, id_number

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
BOB_ID = id_number(777, dt.date(1990, 8, 1))


def frozen():
    return time_machine.travel(NOW, tick=False)


@dataclass
class World:
    committee: Organization
    branch_a: Organization
    branch_b: Organization
    group: Organization
    secretary_a: object
    secretary_b: object
    committee_secretary: object
    group_leader: object
    bob: Member  # branch A, in the group, with a login
    carol: Member  # branch A, no login
    charlie: Member  # branch B, with a login


def build_world() -> World:
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="矿党委", code="tr-committee")
    branch_a = OrganizationFactory(name="A网络党支部", code="tr-a", parent=committee, is_online=True)
    branch_b = OrganizationFactory(name="B党支部", code="tr-b", parent=committee)
    group = GroupFactory(name="第一党小组", code="tr-g", parent=branch_a)

    def holder(name: str, organization: Organization, kind: str = Role.Kind.SECRETARY):
        user = UserFactory(name=name)
        RoleFactory(user=user, organization=organization, kind=kind)
        return user

    def logged_in(name: str, branch: Organization, **extra) -> Member:
        user = UserFactory(name=name)
        return MemberFactory(name=name, organization=branch, user=user, phone=user.phone, **extra)

    return World(
        committee=committee,
        branch_a=branch_a,
        branch_b=branch_b,
        group=group,
        secretary_a=holder("书记甲", branch_a),
        secretary_b=holder("书记乙", branch_b),
        committee_secretary=holder("党委书记", committee),
        group_leader=holder("组长", group, Role.Kind.GROUP_ADMIN),
        bob=logged_in("鲍勃", branch_a, group=group, birth_date=dt.date(1990, 8, 1), id_number=BOB_ID),
        carol=MemberFactory(name="卡罗尔", organization=branch_a),
        charlie=logged_in("查理", branch_b),
    )


def outgoing(member: Member, *, to: Organization | None = None, to_name: str = "", by=None, **extra) -> Transfer:
    """A requested transfer of ``member``, to a branch in netbranch or to an outside name."""
    return transfers.request(
        member,
        to_organization=to,
        to_name=to_name if to is None else "",
        reason=extra.pop("reason", "在外地定居工作"),
        by=by,
        **extra,
    )


def issued(member: Member, by, *, to: Organization | None = None, to_name: str = "", issued_on=TODAY, **extra):
    """An approved transfer with its letter issued."""
    transfer = outgoing(member, to=to, to_name=to_name or ("外省某党支部" if to is None else ""), by=by)
    transfers.approve(transfer, by)
    return transfers.issue_letter(
        transfer,
        letter_number=extra.pop("letter_number", "A-2026-001"),
        issued_on=issued_on,
        across_provinces=extra.pop("across_provinces", False),
        by=by,
        today=extra.pop("today", TODAY),
    )


def paid_months(member: Member, months: list[dt.date], *, unpaid: list[dt.date] = ()) -> None:
    """Dues rows for ``member``: the ``months`` settled by one payment, the ``unpaid`` ones owed."""
    payment = Payment.objects.create(
        member=member,
        organization=member.organization,
        first_month=min(months),
        last_month=max(months),
        amount_fen=1000 * len(months),
        dues_fen=1000 * len(months),
        paid_on=TODAY,
        entered_at=timezone.now(),
    )
    for month in months:
        Due.objects.create(
            member=member, organization=member.organization, month=month, amount_fen=1000, payment=payment
        )
    for month in unpaid:
        Due.objects.create(member=member, organization=member.organization, month=month, amount_fen=1000)
