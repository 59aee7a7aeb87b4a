"""Small schemes built by hand, so tests read their numbers off the page they are on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from branches.models import Organization, Role
from branches.tests.factories import OrganizationFactory, RoleFactory

# Real-worker fixtures and the CI rule that integration tests fail rather than skip.
from branches.tests.workers import broker, pytest_runtest_makereport, worker_factory  # noqa: F401
from evaluations.models import Item, Scheme, Section, Subject
from members.tests.factories import UserFactory

YEAR = 2026
MEMBER_RATINGS = [["excellent", "90"], ["qualified", "70"], ["basically_qualified", "60"], ["unqualified", "0"]]
BRANCH_RATINGS = [["advanced", "90"], ["qualified", "60"], ["lagging", "0"]]


def build_member_scheme(organization: Organization, year: int = YEAR) -> Scheme:
    """Basic 80 (attendance 10, study 10, reports 5, contact 5 automatic; role 50 by hand), bonus 10,
    deduction 10, and one clear-to-zero item: a perfect member has 100."""
    scheme = Scheme.objects.create(
        organization=organization, year=year, subject=Subject.MEMBER, name="先锋指数", ratings=MEMBER_RATINGS
    )
    basic = Section.objects.create(scheme=scheme, position=0, title="基础指数", kind="basic", cap=D("80"))
    for position, (title, points, method) in enumerate(
        [
            ("参加统一活动日", "10", "attendance"),
            ("完成学习", "10", "study"),
            ("按期汇报", "5", "reports"),
            ("保持联系", "5", "contact"),
            ("发挥作用", "50", "manual"),
        ]
    ):
        Item.objects.create(section=basic, position=position, title=title, points=D(points), method=method)
    bonus = Section.objects.create(scheme=scheme, position=1, title="正向激励", kind="bonus", cap=D("10"))
    Item.objects.create(section=bonus, title="受到表彰", points=D("10"))
    deduction = Section.objects.create(scheme=scheme, position=2, title="负向扣减", kind="deduction", cap=D("10"))
    Item.objects.create(section=deduction, title="违反纪律", points=D("10"))
    veto = Section.objects.create(scheme=scheme, position=3, title="清零事项", kind="veto")
    Item.objects.create(section=veto, title="违法犯罪", rule="受到刑事处罚的清零。")
    return scheme


def build_branch_scheme(organization: Organization, year: int = YEAR) -> Scheme:
    """Common 60 (activities 10 automatic, work 50 by hand), individual 40 for state enterprises
    and for villages, and one reverse situation."""
    scheme = Scheme.objects.create(
        organization=organization, year=year, subject=Subject.BRANCH, name="堡垒指数", ratings=BRANCH_RATINGS
    )
    common = Section.objects.create(scheme=scheme, position=0, title="共性指数", kind="basic", cap=D("60"))
    Item.objects.create(section=common, position=0, title="按月开展活动", points=D("10"), method="branch_activities")
    Item.objects.create(section=common, position=1, title="班子建设", points=D("50"))
    for position, branch_type in enumerate(["state_enterprise", "village"], start=1):
        typed = Section.objects.create(
            scheme=scheme,
            position=position,
            title=f"个性指数 {branch_type}",
            kind="basic",
            cap=D("40"),
            branch_type=branch_type,
        )
        Item.objects.create(section=typed, title=f"特色工作 {branch_type}", points=D("40"))
    reverse = Section.objects.create(scheme=scheme, position=5, title="反向指标", kind="reverse")
    Item.objects.create(section=reverse, title="发生重大安全事故")
    return scheme


@pytest.fixture
def member_scheme(branch_a):
    return build_member_scheme(branch_a)


@pytest.fixture
def committee(db):
    """A committee over two branches, with a committee secretary."""
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="矿党委", code="mine")
    OrganizationFactory(name="综采队党支部", code="team", parent=committee, branch_type="state_enterprise")
    OrganizationFactory(name="村党支部", code="village", parent=committee, branch_type="village")
    return committee


@pytest.fixture
def committee_secretary(committee):
    user = UserFactory(name="dora")
    RoleFactory(user=user, organization=committee, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def branch_scheme(committee):
    return build_branch_scheme(committee)


@pytest.fixture
def today():
    return dt.date(YEAR + 1, 1, 10)
