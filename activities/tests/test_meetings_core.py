"""Meetings of every kind on the activity day's engine: the fixed list, quorum, check-in, close, the record's review."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from activities import services
from activities.access import may_review
from activities.meetings import lists
from activities.meetings import services as meetings
from activities.models import Activity, Attendance, Attendee, CheckIn
from activities.tests.factories import ActivityFactory
from branches.models import Organization, Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from committees.models import Post
from committees.tests.factories import PostFactory
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

ZONE = timezone.get_default_timezone()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


@pytest.fixture
def party_committee(db):
    return OrganizationFactory(name="矿党委", code="mine", kind=Organization.Kind.COMMITTEE)


@pytest.fixture
def branch(party_committee):
    return OrganizationFactory(name="综采一队党支部", code="team-1", parent=party_committee)


@pytest.fixture
def group(branch):
    return OrganizationFactory(name="第一党小组", code="team-1-g1", parent=branch, kind=Organization.Kind.GROUP)


@pytest.fixture
def people(branch, group):
    """Five full members (two in the group, three on the committee), a probationary member, one transferred out."""
    full = [MemberFactory(name=f"正式{i}", organization=branch) for i in range(5)]
    for member in full[:2]:
        member.group = group
        member.save()
    probationary = MemberFactory(name="预备", organization=branch, status=Member.Status.PROBATIONARY)
    MemberFactory(name="转出", organization=branch, state=Member.State.TRANSFERRED_OUT)
    for member, kind in zip(full[2:], (Post.Kind.SECRETARY, Post.Kind.ORGANIZATION, Post.Kind.MEMBER), strict=True):
        PostFactory(organization=branch, member=member, kind=kind, started_on=dt.date(2025, 1, 1))
    return {"full": full, "probationary": probationary}


@pytest.fixture
def secretary_user(branch):
    user = UserFactory(name="书记")
    RoleFactory(user=user, organization=branch, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def reviewer(party_committee):
    user = UserFactory(name="组织部")
    RoleFactory(user=user, organization=party_committee, kind=Role.Kind.SECRETARY)
    return user


def plan(branch, kind, by, **kwargs):
    kwargs.setdefault("date", timezone.localdate() + dt.timedelta(days=3))
    return meetings.plan_meeting(branch, kind=kind, by=by, **kwargs)


def listed(activity):
    return dict(Attendee.objects.filter(activity=activity).values_list("member__name", "votes"))


def test_each_kind_expects_its_own_list(branch, group, people, secretary_user):
    general = plan(branch, Activity.Kind.GENERAL, secretary_user)
    committee = plan(branch, Activity.Kind.COMMITTEE, secretary_user)
    group_meeting = plan(branch, Activity.Kind.GROUP, secretary_user, group=group)
    lecture = plan(branch, Activity.Kind.LECTURE, secretary_user, lecturer="矿党委书记")
    # The whole active roster, the probationary member without a vote; nobody who has left.
    assert listed(general) == {"正式0": True, "正式1": True, "正式2": True, "正式3": True, "正式4": True, "预备": False}
    assert listed(committee) == {"正式2": True, "正式3": True, "正式4": True}
    assert listed(group_meeting) == {"正式0": True, "正式1": True}
    assert set(listed(lecture)) == set(listed(general))


def test_the_list_stays_as_planned_when_people_move(branch, group, people, secretary_user):
    meeting = plan(branch, Activity.Kind.GROUP, secretary_user, group=group)
    mover = people["full"][0]
    mover.group = None
    mover.save()
    newcomer = MemberFactory(name="新来", organization=branch, group=group)
    assert set(lists.expected_members(meeting).values_list("name", flat=True)) == {"正式0", "正式1"}
    assert lists.is_expected(mover, meeting) and not lists.is_expected(newcomer, meeting)


def test_a_committee_meeting_expects_those_holding_a_post_that_day(branch, people, secretary_user):
    day = timezone.localdate() + dt.timedelta(days=10)
    Post.objects.filter(member=people["full"][4]).update(ended_on=day - dt.timedelta(days=1))
    meeting = plan(branch, Activity.Kind.COMMITTEE, secretary_user, date=day)
    assert set(listed(meeting)) == {"正式2", "正式3"}


def test_everyone_on_the_list_is_told_once(branch, people, secretary_user):
    meeting = plan(branch, Activity.Kind.GENERAL, secretary_user, starts_at=dt.time(19, 30), place="二楼会议室")
    notices = Notification.objects.filter(kind="meeting_planned")
    assert notices.count() == 6
    # Adding someone tells only the newcomer; those told already are not told again.
    guest = MemberFactory(name="列席", organization=branch)
    meetings.add_to_list(meeting, [guest], guest=True)
    assert notices.count() == 7
    assert Attendee.objects.get(activity=meeting, member=guest).votes is False


def test_quorum_of_a_general_meeting_counts_only_members_with_a_vote(branch, people, secretary_user):
    meeting = plan(branch, Activity.Kind.GENERAL, secretary_user)
    full, probationary = people["full"], people["probationary"]
    # Five with a vote: more than half is three.
    quorum = lists.quorum(meeting, present_ids={full[0].pk, full[1].pk, probationary.pk})
    assert (quorum.voting, quorum.present, quorum.needed, quorum.met) == (5, 2, 3, False)
    assert lists.quorum(meeting, present_ids={m.pk for m in full[:3]}).met
    meeting.is_election = True
    # An election needs more than four fifths: all five.
    assert lists.quorum(meeting, present_ids={m.pk for m in full[:4]}).needed == 5
    assert not lists.quorum(meeting, present_ids={m.pk for m in full[:4]}).met


def test_quorum_of_the_committee_is_more_than_half_of_it(branch, people, secretary_user):
    meeting = plan(branch, Activity.Kind.COMMITTEE, secretary_user)
    committee = people["full"][2:]
    assert lists.quorum(meeting, present_ids={committee[0].pk}).met is False
    assert lists.quorum(meeting, present_ids={committee[0].pk, committee[1].pk}).met is True
    assert lists.quorum(plan(branch, Activity.Kind.LECTURE, secretary_user)) is None


def test_only_those_on_the_list_check_in_and_the_close_counts_only_them(branch, people, secretary_user):
    day = timezone.localdate() - dt.timedelta(days=1)
    meeting = plan(branch, Activity.Kind.COMMITTEE, secretary_user, date=day)
    on_list, off_list = people["full"][2], people["full"][0]
    services.perform_checkin(on_list, meeting, now=at(day), nonce="n1")
    with pytest.raises(services.CheckInError):
        services.perform_checkin(off_list, meeting, now=at(day))
    # The secretary enters a member who was there without a phone.
    services.perform_checkin(people["full"][3], meeting, now=at(day, 20), kind=CheckIn.Kind.MANUAL)
    written, closed = services.close_activity(meeting, meeting.closes_at)
    assert closed and sum(written.values()) == 3
    outcomes = dict(Attendance.objects.filter(activity=meeting).values_list("member__name", "outcome"))
    assert outcomes == {"正式2": "attended", "正式3": "attended", "正式4": "absent"}
    # A rerun writes nothing and tells nobody again.
    absent_notices = Notification.objects.filter(kind="absent").count()
    assert services.close_activity(meeting, meeting.closes_at) == (Counter(), False)
    assert Notification.objects.filter(kind="absent").count() == absent_notices == 1


def test_reminders_name_the_meeting_and_go_only_to_the_list(branch, people, secretary_user):
    meeting = plan(branch, Activity.Kind.COMMITTEE, secretary_user)
    sent = services.send_reminder(meeting, 1)
    assert sent == 3
    assert services.send_reminder(meeting, 1) == 0
    notice = Notification.objects.filter(kind="reminder").first()
    assert "支委会" in notice.title or "committee meeting" in notice.title.lower()


def test_the_activity_day_still_expects_the_whole_active_branch(branch, people):
    day = ActivityFactory(organization=branch, date=dt.date(2026, 12, 6))
    assert lists.expected_members(day).count() == 6
    assert not Attendee.objects.exists()


def test_a_second_activity_day_in_a_month_is_refused_but_meetings_are_not(branch, secretary_user):
    ActivityFactory(organization=branch, date=dt.date(2026, 12, 6))
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(organization=branch, date=dt.date(2026, 12, 8))
    for _ in range(2):
        ActivityFactory(organization=branch, kind=Activity.Kind.COMMITTEE, date=dt.date(2026, 12, 8))
    assert Activity.objects.filter(organization=branch, year=2026, month=12).count() == 3


def test_a_meeting_belongs_to_the_month_it_is_held_in(branch, secretary_user):
    meeting = plan(branch, Activity.Kind.LECTURE, secretary_user, date=timezone.localdate() + dt.timedelta(days=40))
    meeting.date = dt.date(meeting.date.year, meeting.date.month, 1) - dt.timedelta(days=1)
    meeting.save(update_fields=["date"])
    meeting.refresh_from_db()
    assert (meeting.year, meeting.month) == (meeting.date.year, meeting.date.month)


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        (Activity.Kind.THEME_DAY, {}, "kind"),
        (Activity.Kind.OTHER, {"name": "  "}, "name"),
        (Activity.Kind.GROUP, {}, "group"),
    ],
)
def test_a_meeting_that_cannot_be_planned_is_refused_and_nothing_is_written(branch, secretary_user, kind, extra, field):
    from django.core.exceptions import ValidationError

    with pytest.raises((meetings.MeetingError, ValidationError)) as refused:
        plan(branch, kind, secretary_user, **extra)
    error = refused.value
    fields = [error.field] if isinstance(error, meetings.MeetingError) else list(error.message_dict)
    assert field in fields
    assert not Activity.objects.exists() and not Attendee.objects.exists()


def test_another_branchs_group_is_refused(branch, secretary_user):
    other = OrganizationFactory(name="别的支部", code="other")
    foreign = OrganizationFactory(name="别的小组", code="other-g", parent=other, kind=Organization.Kind.GROUP)
    with pytest.raises(meetings.MeetingError):
        plan(branch, Activity.Kind.GROUP, secretary_user, group=foreign)


def test_the_list_of_a_closed_meeting_cannot_change(branch, people, secretary_user):
    day = timezone.localdate() - dt.timedelta(days=1)
    meeting = plan(branch, Activity.Kind.COMMITTEE, secretary_user, date=day)
    services.perform_checkin(people["full"][2], meeting, now=at(day))
    with pytest.raises(meetings.MeetingError):
        meetings.remove_from_list(meeting, people["full"][2].pk)
    services.close_activity(meeting, meeting.closes_at)
    meeting.refresh_from_db()
    with pytest.raises(meetings.MeetingError):
        meetings.add_to_list(meeting, [people["full"][0]])
    with pytest.raises(meetings.MeetingError):
        meetings.remove_from_list(meeting, people["full"][3].pk)


def test_members_of_another_branch_are_guests_or_nothing(branch, people, secretary_user):
    meeting = plan(branch, Activity.Kind.GENERAL, secretary_user)
    outsider = MemberFactory(organization=OrganizationFactory(name="外支部", code="out"))
    with pytest.raises(meetings.MeetingError):
        meetings.add_to_list(meeting, [outsider])
    assert not Attendee.objects.filter(member=outsider).exists()


def test_the_record_goes_up_for_review_and_comes_back(branch, people, secretary_user, reviewer):
    day = timezone.localdate() - dt.timedelta(days=1)
    meeting = plan(branch, Activity.Kind.COMMITTEE, secretary_user, date=day)
    with pytest.raises(meetings.MeetingError) as no_minutes:
        meetings.submit_record(meeting, by=secretary_user)
    assert no_minutes.value.code == "no_minutes"
    meeting.minutes = "研究发展预备党员事宜。"
    meeting.save()
    meetings.submit_record(meeting, by=secretary_user)
    assert Notification.objects.filter(kind="record_submitted", user=reviewer).count() == 1
    with pytest.raises(meetings.MeetingError):
        meetings.check_editable(meeting)
    with pytest.raises(meetings.MeetingError):
        meetings.review_record(meeting, approve=False, by=reviewer, comment=" ")
    meetings.review_record(meeting, approve=False, by=reviewer, comment="缺少表决情况")
    meeting.refresh_from_db()
    assert meeting.record_status == Activity.RecordStatus.RETURNED
    returned = Notification.objects.get(kind="record_reviewed", user=secretary_user)
    assert "缺少表决情况" in returned.body
    meetings.check_editable(meeting)
    meetings.submit_record(meeting, by=secretary_user)
    meetings.review_record(meeting, approve=True, by=reviewer)
    meeting.refresh_from_db()
    assert meeting.record_status == Activity.RecordStatus.APPROVED
    # Approved is final: neither a second review nor a resubmission goes through.
    with pytest.raises(meetings.MeetingError):
        meetings.review_record(meeting, approve=False, by=reviewer, comment="再改")
    with pytest.raises(meetings.MeetingError):
        meetings.submit_record(meeting, by=secretary_user)


def test_a_meeting_not_yet_held_cannot_be_submitted(branch, secretary_user):
    meeting = plan(branch, Activity.Kind.LECTURE, secretary_user, minutes="提前写好")
    with pytest.raises(meetings.MeetingError) as refused:
        meetings.submit_record(meeting, by=secretary_user)
    assert refused.value.code == "not_held"


def test_the_review_belongs_above_the_branch(branch, party_committee, secretary_user, reviewer):
    meeting = plan(branch, Activity.Kind.LECTURE, secretary_user)
    assert may_review(reviewer, meeting)
    # The branch's own secretary does not approve their own records.
    assert not may_review(secretary_user, meeting)
    assert meetings.reviewers_of(meeting) == {reviewer.pk}
