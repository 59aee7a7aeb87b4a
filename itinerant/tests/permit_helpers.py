"""What the permit and warning tests share: a committee with two branches, their secretaries and members.

Each test module makes ``build_world()`` its ``world`` fixture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from branches.dates import add_months
from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from itinerant.models import Permit
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory


@dataclass
class World:
    committee: Organization
    branch: Organization
    other_branch: Organization
    group: Organization
    secretary: object
    organizer: object
    group_leader: object
    committee_secretary: object
    other_secretary: object
    bob: Member
    carol: Member
    outsider: Member


def build_world() -> World:
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="东山煤矿党委", code="dongshan")
    branch = OrganizationFactory(name="东山网络党支部", code="dongshan-online", parent=committee, is_online=True)
    other = OrganizationFactory(name="机电队党支部", code="dongshan-jidian", parent=committee)
    group = GroupFactory(parent=branch, name="一组", code="dongshan-online-1")

    def holder(name: str, organization: Organization, kind: str):
        user = UserFactory(name=name)
        RoleFactory(user=user, organization=organization, kind=kind)
        return user

    bob_user = UserFactory(name="bob")
    bob = MemberFactory(name="王建军", organization=branch, group=group, user=bob_user, phone=bob_user.phone)
    return World(
        committee=committee,
        branch=branch,
        other_branch=other,
        group=group,
        secretary=holder("孙书记", branch, Role.Kind.SECRETARY),
        organizer=holder("周委员", branch, Role.Kind.ORGANIZER),
        group_leader=holder("马组长", group, Role.Kind.GROUP_ADMIN),
        committee_secretary=holder("赵书记", committee, Role.Kind.SECRETARY),
        other_secretary=holder("钱书记", other, Role.Kind.SECRETARY),
        bob=bob,
        carol=MemberFactory(name="李秀英", organization=branch, group=group),
        outsider=MemberFactory(name="刘海涛", organization=other),
    )


def months_later(months: int, days: int = 0) -> dt.date:
    """A day ``months`` (and ``days``) after today: members made today have been silent that long then."""
    return add_months(timezone.localdate(), months) + dt.timedelta(days=days)


def make_permit(member: Member, **fields) -> Permit:
    defaults = {
        "number": f"流证{member.pk:05d}",
        "issued_by": "东山煤矿党委",
        "issued_on": timezone.localdate(),
        "reason": "外出务工",
        "province": "44",
        "city": "东莞",
        "host_name": "东莞市某街道流动党员党支部",
        "entered_at": timezone.now(),
    }
    return Permit.objects.create(member=member, **{**defaults, **fields})
