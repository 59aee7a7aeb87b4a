"""People and dues for the secretary's page tests: two branches, their secretaries, a group leader, members.

The clock is 15 June 2026 in Shanghai; every amount is worked out by hand
in the tests that use it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import time_machine
from django.core.files.base import ContentFile
from PIL import Image

from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from dues import services
from dues.models import Category, Payment
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
JAN, FEB, MAR, APR, MAY, JUN = (dt.date(2026, month, 1) for month in range(1, 7))


def frozen():
    """The tests' clock: 15 June 2026, 10:00 in Shanghai, standing still."""
    return time_machine.travel(NOW, tick=False)


def jpeg_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class World:
    branch_a: Organization
    branch_b: Organization
    group: Organization
    secretary_a: object
    secretary_b: object
    group_leader: object
    bob: Member  # branch A, in the group, with a login: 4,000 yuan → 40.00 a month from January


def build_world() -> World:
    branch_a = OrganizationFactory(name="A网络党支部", code="sec-a", is_online=True)
    branch_b = OrganizationFactory(name="B党支部", code="sec-b")
    group = GroupFactory(name="第一党小组", parent=branch_a)

    def holder(name: str, organization: Organization, kind: str):
        user = UserFactory(name=name)
        RoleFactory(user=user, organization=organization, kind=kind)
        return user

    user = UserFactory(name="bob")
    bob = MemberFactory(name="鲍勃", organization=branch_a, group=group, user=user, phone=user.phone)
    return World(
        branch_a=branch_a,
        branch_b=branch_b,
        group=group,
        secretary_a=holder("书记甲", branch_a, Role.Kind.SECRETARY),
        secretary_b=holder("书记乙", branch_b, Role.Kind.SECRETARY),
        group_leader=holder("组长", group, Role.Kind.GROUP_ADMIN),
        bob=bob,
    )


def salary(member: Member, income_yuan: int, month: dt.date = JAN, by=None):
    return services.set_basis(
        member, category=Category.SALARY, income_fen=income_yuan * 100, applies_from=month, by=by, today=TODAY
    )


def paid(member: Member, first: dt.date, last: dt.date, amount_fen: int, **extra) -> Payment:
    return services.record_payment(
        member, first_month=first, last_month=last, amount_fen=amount_fen, paid_on=TODAY, today=TODAY, **extra
    )


def reported(member: Member, first: dt.date, last: dt.date, amount_fen: int, *, receipt: bool = True) -> Payment:
    payment = services.report_payment(
        member, first_month=first, last_month=last, amount_fen=amount_fen, paid_on=TODAY, by=member.user
    )
    if receipt:
        payment.receipt = ContentFile(jpeg_bytes(), name="receipt.jpg")
        payment.save(update_fields=["receipt"])
    return payment
