"""The secretary's list pages: a query count that does not grow with the branch, and a page weight.

Each page is fetched for a branch of 5 members and again once it has 40, with everything that
grows with a branch grown with it (logins, signups, invitation codes, roles, reports, check-ins,
leaves, contacts, a closed month's attendance). The query count must be the same; the HTML of
each page at 40 members must stay under 60 KB, except the pages that list every member of the
branch on one page by design (LONG_PAGES), which get a budget per member instead.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Attendance, CheckIn, Leave, Report
from activities.tests.factories import ActivityFactory
from branches.models import Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.models import Contact, SignupRequest, Visit
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory

BYTES = 60 * 1024
# The activity page lists each member under checked in / on leave / not yet, with a button for
# marking attendance by hand: it is one page per activity on purpose, so it grows with the branch.
LONG_PAGES = {"activities:detail": 1500}

PAGES = [
    ("roster:list", None),
    ("roster:signups", None),
    ("roster:invitations", None),
    ("roster:roles", None),
    ("roster:silent", None),
    ("activities:list", None),
    ("activities:detail", "activity"),
    ("activities:leaves", None),
    ("roster:visits", None),
    ("reports:queue", None),
    ("activities:stats", "branch"),
    ("workspace:home", None),
]


@pytest.fixture
def branch(db):
    committee = OrganizationFactory(name="东山煤矿党委", code="dongshan", kind="committee")
    branch = OrganizationFactory(name="东山网络党支部", code="dongshan-online", parent=committee, is_online=True)
    GroupFactory(parent=branch, name="一组")
    GroupFactory(parent=branch, name="二组")
    return branch


@pytest.fixture
def secretary(branch):
    user = UserFactory(name="王书记")
    RoleFactory(user=user, organization=branch, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def activities(branch):
    today = timezone.localdate()
    closed, month = [], today.replace(day=1)
    # Three closed months, so "absent three times in a row" has members to list.
    for _n in range(3):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        activity = ActivityFactory(organization=branch, date=month.replace(day=6), theme="往月活动")
        activity.closed_at = timezone.now()
        activity.save()
        closed.append(activity)
    return {"current": ActivityFactory(organization=branch, date=today, theme="本月活动"), "closed": closed}


def grow(branch, activities, start: int, stop: int) -> None:
    """Members start..stop-1, each with what a branch's members bring to the secretary's pages."""
    groups = list(branch.children.order_by("name"))
    now = timezone.now()
    for n in range(start, stop):
        user = UserFactory(name=f"党员{n}") if n % 2 == 0 else None
        member = MemberFactory(
            organization=branch,
            group=groups[n % 3] if n % 3 < 2 else None,
            name=f"党员{n}",
            user=user,
            hardship_note="家中困难" if n % 4 == 3 else "",
        )
        if member.hardship_note:
            Visit.objects.create(
                member=member,
                visited_on=now.date() - dt.timedelta(days=60),
                help_given="慰问",
                next_visit_on=now.date() - dt.timedelta(days=1),
            )
        if n % 3 == 1:
            Report.objects.create(member=member, title=f"思想汇报{n}", body="正文")
        for closed in activities["closed"]:
            outcome = Attendance.Outcome.ATTENDED if n % 3 else Attendance.Outcome.ABSENT
            Attendance.objects.create(activity=closed, member=member, outcome=outcome, recorded_at=now)
        if user is not None:
            CheckIn.objects.create(member=member, activity=activities["current"], checked_in_at=now, city="深圳")
            Contact.objects.create(member=member, by=None, note="电话联系")
        elif n % 4 == 1:
            Leave.objects.create(member=member, activity=activities["current"], reason="值班")
        if n % 5 == 0:
            invitation = InvitationFactory(organization=branch)
            SignupRequest.objects.create(
                user=UserFactory(name=f"申请人{n}"), invitation=invitation, organization=branch, name=f"党员{n}"
            )
        if n % 10 == 0:
            RoleFactory(user=UserFactory(name=f"组长{n}"), organization=groups[0], kind=Role.Kind.GROUP_ADMIN)


def fetch(client, name: str, arg) -> tuple[int, int]:
    """(queries, bytes) of one page."""
    url = reverse(name, args=[arg.pk] if arg is not None else [])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{name}: {response.status_code}"
    return len(queries), len(response.content)


def test_secretary_pages_keep_their_queries_and_weight_from_5_to_40_members(client, branch, secretary, activities):
    client.force_login(secretary)
    args = {"branch": branch, "activity": activities["current"], None: None}
    grow(branch, activities, 0, 5)
    small = {name: fetch(client, name, args[arg]) for name, arg in PAGES}
    grow(branch, activities, 5, 40)
    large = {name: fetch(client, name, args[arg]) for name, arg in PAGES}

    grew = {name: (small[name][0], large[name][0]) for name, _arg in PAGES if large[name][0] > small[name][0]}
    assert grew == {}, f"queries (5 members, 40 members) that grow with the branch: {grew}"
    heavy = {
        name: large[name][1]
        for name, _arg in PAGES
        if large[name][1] >= (LONG_PAGES[name] * 40 + BYTES if name in LONG_PAGES else BYTES)
    }
    assert heavy == {}, f"pages over their byte budget at 40 members: {heavy}"
