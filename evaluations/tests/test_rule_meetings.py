"""堡垒指数 "meetings held as due", and the member attendance rules over meetings of every kind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from activities.models import Activity, Attendance, Leave, MeetingFrequency
from activities.tests.factories import ActivityFactory
from branches.models import Organization
from branches.tests.factories import OrganizationFactory
from evaluations.models import Item, Section
from members.tests.factories import MemberFactory

from .conftest import YEAR
from .test_rules import AFTER_THE_YEAR, at, open_round, points_and_facts

pytestmark = pytest.mark.django_db

K = Activity.Kind


def held(branch, kind, day: dt.date, *, group=None, closed: bool = True):
    return ActivityFactory(
        organization=branch,
        kind=kind,
        date=day,
        group=group,
        closed_at=at(day + dt.timedelta(days=4), 0) if closed else None,
    )


@pytest.fixture
def meetings_scheme(branch_scheme):
    section = Section.objects.create(scheme=branch_scheme, position=6, title="组织生活", kind="basic", cap=D("20"))
    Item.objects.create(section=section, title="三会一课按期开展", points=D("20"), method="branch_meetings")
    return branch_scheme


def test_meetings_held_as_due_over_the_whole_year(meetings_scheme, committee, committee_secretary):
    team = Organization.objects.get(code="team")
    village = Organization.objects.get(code="village")
    group = OrganizationFactory(kind=Organization.Kind.GROUP, name="一组", code="team-g1", parent=team)
    # The committee asks for one lecture a year instead of one a quarter.
    MeetingFrequency.objects.create(organization=committee, kind=K.LECTURE, period="year", times=1)
    for month in range(1, 13):
        held(team, K.THEME_DAY, dt.date(YEAR, month, 6))
    for month in range(1, 7):
        held(team, K.COMMITTEE, dt.date(YEAR, month, 12))
    held(team, K.COMMITTEE, dt.date(YEAR, 1, 20))  # a second in January does not make up for July
    held(team, K.COMMITTEE, dt.date(YEAR, 8, 12), closed=False)  # no attendance recorded: not held
    for month in (3, 6, 9, 12):
        held(team, K.GENERAL, dt.date(YEAR, month, 15))
    for month in range(1, 4):
        held(team, K.GROUP, dt.date(YEAR, month, 18), group=group)
    held(team, K.LECTURE, dt.date(YEAR, 7, 1))
    held(team, K.LIFE_MEETING, dt.date(YEAR, 12, 20))
    held(team, K.OTHER, dt.date(YEAR, 5, 5))  # not due, not counted
    evaluation = open_round(meetings_scheme, committee, committee_secretary, AFTER_THE_YEAR)
    got = {key: value for key, value in points_and_facts(evaluation).items() if key[1] == "branch_meetings"}
    # team, due: theme day 12 + committee 12 + general 4 + group 12 (one group) + lecture 1 + life 1 + review 1 = 43
    # held: 12 + 6 + 4 + 3 + 1 + 1 + 0 = 27; 20 * 27/43 = 12.56
    # village: no group, nothing held; due 12 + 12 + 4 + 0 + 1 + 1 + 1 = 31
    assert got == {
        ("综采队党支部", "branch_meetings"): (D("12.6"), {"done": 27, "due": 43}),
        ("村党支部", "branch_meetings"): (D("0.0"), {"done": 0, "due": 31}),
    }
    assert village.pk != team.pk


def test_only_ended_periods_are_due(meetings_scheme, committee, committee_secretary):
    team = Organization.objects.get(code="team")
    held(team, K.COMMITTEE, dt.date(YEAR, 1, 12))
    # As of 15 February: January has ended (theme day, committee: 2 due, 1 held), no quarter or year yet.
    evaluation = open_round(meetings_scheme, committee, committee_secretary, dt.date(YEAR, 2, 15))
    got = points_and_facts(evaluation)[("综采队党支部", "branch_meetings")]
    assert got == (D("10.0"), {"done": 1, "due": 2})


def test_nothing_due_gives_full_points(meetings_scheme, committee, committee_secretary):
    for kind in MeetingFrequency._meta.get_field("kind").choices:
        MeetingFrequency.objects.create(organization=committee, kind=kind[0], period="year", times=0)
    evaluation = open_round(meetings_scheme, committee, committee_secretary, AFTER_THE_YEAR)
    got = points_and_facts(evaluation)[("综采队党支部", "branch_meetings")]
    assert got == (D("20"), {"done": 0, "due": 0})


def test_member_attendance_counts_every_kind_of_meeting(member_scheme, secretary, branch_a):
    """Absent from a 支委会 one was expected at counts as absent; approved leave from one is neutral."""
    m1 = MemberFactory(name="m1", organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    theme_day = held(branch_a, K.THEME_DAY, dt.date(YEAR, 3, 6))
    committee_meeting = held(branch_a, K.COMMITTEE, dt.date(YEAR, 3, 12))
    lecture = held(branch_a, K.LECTURE, dt.date(YEAR, 4, 9))
    general = held(branch_a, K.GENERAL, dt.date(YEAR, 5, 9))
    for activity, outcome in [
        (theme_day, Attendance.Outcome.ATTENDED),
        (committee_meeting, Attendance.Outcome.ABSENT),
        (lecture, Attendance.Outcome.EXCUSED),
        (general, Attendance.Outcome.ATTENDED),
    ]:
        Attendance.objects.create(member=m1, activity=activity, outcome=outcome, recorded_at=activity.closes_at)
    Leave.objects.create(member=m1, activity=lecture, reason="出差", status=Leave.Status.APPROVED)
    evaluation = open_round(member_scheme, branch_a, secretary, AFTER_THE_YEAR)
    got = points_and_facts(evaluation)[("m1", "attendance")]
    # attended the theme day and the general meeting, absent from the committee meeting, on leave from the lecture:
    # 10 * 2 / 3
    assert got == (D("6.7"), {"attended": 2, "made_up": 0, "excused": 1, "absent": 1, "done": 2, "due": 3})
