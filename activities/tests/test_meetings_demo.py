"""The demo's year of meetings: every kind, someone overdue, records at every stage, the next ones planned."""

import pytest
from django.utils import timezone

from activities import demo as activity_demo
from activities.meetings import demo as meetings_demo
from activities.models import Activity, Attendance, Attendee
from branches.models import Organization
from members import demo as member_demo
from notifications.models import Notification

pytestmark = pytest.mark.django_db
K = Activity.Kind


@pytest.fixture
def seeded():
    # Today, not a fixed day: the next meetings are planned through the services, which plan within a year of now.
    member_demo.seed(timezone.localdate())
    activity_demo.seed(timezone.localdate())
    return Organization.objects.get(code=member_demo.ONLINE_BRANCH_CODE)


def kinds_held(branch):
    return set(Activity.objects.filter(organization=branch, closed_at__isnull=False).values_list("kind", flat=True))


def test_the_online_branch_holds_every_kind(seeded):
    assert kinds_held(seeded) == set(K.values) - {K.OTHER}
    committee = Activity.objects.filter(organization=seeded, kind=K.COMMITTEE, closed_at__isnull=False)
    assert committee.count() == meetings_demo.MONTHS
    # The committee meeting's list is the committee: the five posts of the online branch.
    assert Attendee.objects.filter(activity=committee.first()).count() == 5
    # Every closed meeting has an outcome for each one on its list.
    for meeting in committee:
        assert Attendance.objects.filter(activity=meeting).count() == meeting.attendees.count()


def test_a_branch_is_behind_and_a_record_was_returned(seeded):
    behind = Organization.objects.get(code=member_demo.ORDINARY_BRANCHES[0][0])
    held = Activity.objects.filter(organization=behind, kind=K.COMMITTEE, closed_at__isnull=False).count()
    assert held == meetings_demo.MONTHS - 3
    returned = Activity.objects.get(record_status=Activity.RecordStatus.RETURNED)
    assert returned.organization.code == meetings_demo.RETURNED_BRANCH
    assert returned.review_comment == meetings_demo.RETURNED_COMMENT
    assert Activity.objects.filter(record_status=Activity.RecordStatus.SUBMITTED).exists()
    assert Activity.objects.filter(record_status=Activity.RecordStatus.APPROVED).exists()


def test_the_next_meetings_are_planned_and_their_lists_told(seeded):
    upcoming = Activity.objects.filter(organization=seeded, date__gt=timezone.localdate()).exclude(kind=K.THEME_DAY)
    assert set(upcoming.values_list("kind", flat=True)) == {K.COMMITTEE, K.LECTURE}
    assert Notification.objects.filter(kind="meeting_planned").exists()
    # History is quiet: no absentee notice for last spring's meetings.
    assert not Notification.objects.filter(kind="absent").exists()


def test_the_meetings_demo_is_idempotent(seeded):
    counts = (Activity.objects.count(), Attendance.objects.count(), Notification.objects.count())
    activity_demo.seed(timezone.localdate())
    assert (Activity.objects.count(), Attendance.objects.count(), Notification.objects.count()) == counts
    assert Activity.objects.filter(record_status=Activity.RecordStatus.RETURNED).count() == 1
