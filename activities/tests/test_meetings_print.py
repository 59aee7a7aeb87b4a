"""Pages for paper: a meeting's record, the year's ledger of meetings (台账), and the sign-in sheet of any kind."""

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from activities.meetings.printing import ledger, meeting_record
from activities.models import Activity, Attendance, Attendee, CheckIn, Leave, MeetingFile
from activities.tests.factories import ActivityFactory
from branches.models import Role
from branches.tests.factories import RoleFactory
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

ZONE = timezone.get_default_timezone()
NOW = dt.datetime(2026, 12, 20, 9, 0, tzinfo=ZONE)
ZH = {"accept-language": "zh-hans"}


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


@pytest.fixture
def secretary_b(branch_b):
    user = UserFactory(name="bea")
    RoleFactory(user=user, organization=branch_b, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def general_meeting(branch_a):
    """A 支部党员大会 on 10 December: four full members and a probationary one, a guest; closed with its outcomes."""
    people = {
        name: MemberFactory(name=name, organization=branch_a) for name in ("张一", "李二", "王三", "赵四", "钱五")
    }
    guest = MemberFactory(name="孙列席", organization=branch_a)
    activity = ActivityFactory(
        organization=branch_a,
        kind=Activity.Kind.GENERAL,
        date=dt.date(2026, 12, 10),
        starts_at=dt.time(14, 30),
        theme="讨论发展党员",
        place="三楼会议室",
        host=people["张一"],
        recorder=people["李二"],
        lecturer="党委书记",
        agenda="一、学习文件\n二、讨论",
        minutes="会议由张一主持。",
        decisions="同意接收为预备党员。",
        record_status=Activity.RecordStatus.RETURNED,
        review_comment="请补充表决情况",
    )
    for name, member in people.items():
        Attendee.objects.create(activity=activity, member=member, votes=name != "钱五")
    Attendee.objects.create(activity=activity, member=guest, role=Attendee.Role.GUEST, votes=False)
    Leave.objects.create(member=people["王三"], activity=activity, reason="在外地出差", status=Leave.Status.APPROVED)
    Leave.objects.create(member=people["赵四"], activity=activity, reason="家里有事", status=Leave.Status.DECLINED)
    outcomes = {
        "张一": Attendance.Outcome.ATTENDED,
        "李二": Attendance.Outcome.ATTENDED,
        "钱五": Attendance.Outcome.ATTENDED,
        "王三": Attendance.Outcome.EXCUSED,
        "赵四": Attendance.Outcome.ABSENT,
    }
    for name, outcome in outcomes.items():
        Attendance.objects.create(activity=activity, member=people[name], outcome=outcome, recorded_at=NOW)
    Attendance.objects.create(activity=activity, member=guest, outcome=Attendance.Outcome.ATTENDED, recorded_at=NOW)
    activity.closed_at = NOW
    activity.save(update_fields=["closed_at"])
    MeetingFile.objects.create(activity=activity, file=ContentFile(b"x", name="a.pdf"), name="会议签到表.pdf")
    MeetingFile.objects.create(
        activity=activity, file=ContentFile(b"x", name="b.jpg"), name="会场照片.jpg", is_photo=True
    )
    return activity


# --- the record -----------------------------------------------------------------------------


def test_the_record_counts_expected_present_on_leave_absent_with_names_and_reasons(general_meeting):
    record = meeting_record(general_meeting)
    assert record.expected == 5
    assert [line.member.name for line in record.present] == sorted(["张一", "李二", "钱五"])
    assert [(line.member.name, line.reason) for line in record.excused] == [("王三", "在外地出差")]
    assert [(line.member.name, line.reason) for line in record.absent] == [("赵四", "家里有事")]
    assert [line.member.name for line in record.guests] == ["孙列席"]
    # Three of the four with a vote: more than half.
    assert (record.quorum.voting, record.quorum.present, record.quorum.needed, record.quorum.met) == (4, 2, 3, False)
    assert [f.name for f in record.files] == ["会议签到表.pdf", "会场照片.jpg"]


def test_the_quorum_counts_only_members_with_a_vote(general_meeting):
    # 钱五 (probationary) attended but has no vote: 2 of 4 voters present, 3 needed.
    record = meeting_record(general_meeting)
    assert record.quorum.present == 2


@time_machine.travel(NOW)
def test_the_record_page_for_paper_shows_the_whole_record(client, secretary, general_meeting):
    client.force_login(secretary)
    response = client.get(reverse("meetings:print_record", args=[general_meeting.pk]), headers=ZH)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "支部党员大会记录" in body
    for text in (
        "2026-12-10 14:30",
        "三楼会议室",
        "讨论发展党员",
        "张一",
        "李二",
        "党委书记",
        "王三（在外地出差）",
        "赵四",
        "家里有事",
        "孙列席",
        "一、学习文件\n二、讨论",
        "会议由张一主持。",
        "同意接收为预备党员。",
        "会议签到表.pdf",
        "会场照片.jpg",
        "请补充表决情况",
        "css/print.css",
    ):
        assert text in body, text
    assert "应到：5" in body and "实到：3" in body and "请假：1" in body and "缺席：1" in body
    assert "未达到" in body


@time_machine.travel(dt.datetime(2026, 12, 10, 15, 0, tzinfo=ZONE))
def test_before_the_close_the_record_counts_check_ins_and_approved_leave(client, secretary, branch_a):
    one, two, three = (MemberFactory(organization=branch_a, name=n) for n in ("甲", "乙", "丙"))
    activity = ActivityFactory(organization=branch_a, kind=Activity.Kind.LECTURE, date=dt.date(2026, 12, 10))
    for member in (one, two, three):
        Attendee.objects.create(activity=activity, member=member)
    CheckIn.objects.create(member=one, activity=activity, checked_in_at=timezone.now())
    Leave.objects.create(member=two, activity=activity, reason="值班", status=Leave.Status.APPROVED)
    record = meeting_record(activity)
    assert not record.is_final
    assert [line.member.name for line in record.present] == ["甲"]
    assert [line.member.name for line in record.excused] == ["乙"]
    assert [(line.member.name, line.outcome) for line in record.absent] == [("丙", "not_in")]
    assert record.quorum is None
    client.force_login(secretary)
    body = client.get(reverse("meetings:print_record", args=[activity.pk]), headers=ZH).content.decode()
    assert "党课记录" in body
    assert "未签到" in body


def test_the_record_of_an_activity_day_expects_the_active_roster(branch_a):
    MemberFactory.create_batch(3, organization=branch_a)
    MemberFactory(organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    assert meeting_record(activity).expected == 3


@pytest.mark.parametrize("size", [3, 30])
def test_the_record_costs_the_same_queries_whatever_the_list(
    client, secretary, branch_a, size, django_assert_num_queries
):
    activity = ActivityFactory(organization=branch_a, kind=Activity.Kind.GENERAL, date=dt.date(2026, 12, 10))
    for member in MemberFactory.create_batch(size, organization=branch_a):
        Attendee.objects.create(activity=activity, member=member)
        Leave.objects.create(member=member, activity=activity, reason="出差")
    client.force_login(secretary)
    url = reverse("meetings:print_record", args=[activity.pk])
    client.get(url)
    # session, user, role paths, the meeting, members, guests, check-ins, leave, files, the quorum's voters
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200


def test_attack_the_record_of_another_branch_is_not_found(client, secretary_b, member, general_meeting):
    url = reverse("meetings:print_record", args=[general_meeting.pk])
    for user in (secretary_b, member.user):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 404
        assert "在外地出差" not in response.content.decode()
    client.logout()
    assert client.get(url).status_code == 302


def test_the_secretarys_meeting_page_links_to_the_record(client, secretary, general_meeting):
    client.force_login(secretary)
    body = client.get(reverse("activities:detail", args=[general_meeting.pk])).content.decode()
    assert reverse("meetings:print_record", args=[general_meeting.pk]) in body


# --- the ledger -----------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_the_ledger_lists_every_meeting_of_the_year_with_counts_and_totals_by_kind(
    client, secretary, branch_a, general_meeting
):
    day = ActivityFactory(organization=branch_a, date=dt.date(2026, 11, 6))
    MemberFactory(organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    CheckIn.objects.create(member=general_meeting.host, activity=day, checked_in_at=at(day.date))
    committee = ActivityFactory(
        organization=branch_a,
        kind=Activity.Kind.COMMITTEE,
        date=dt.date(2026, 12, 28),
        record_status=Activity.RecordStatus.APPROVED,
    )
    Attendee.objects.create(activity=committee, member=general_meeting.host)
    ActivityFactory(organization=branch_a, kind=Activity.Kind.GENERAL, date=dt.date(2025, 12, 10), theme="去年")
    result = ledger(branch_a, 2026, NOW.date())
    rows = {row.activity.pk: row for row in result.rows}
    assert [row.activity.pk for row in result.rows] == [day.pk, general_meeting.pk, committee.pk]
    general = rows[general_meeting.pk]
    assert (general.expected, general.present, general.excused, general.absent, general.is_final) == (
        5,
        3,
        1,
        1,
        True,
    )
    # The activity day still open on its day: the six active members, one checked in.
    theme = rows[day.pk]
    assert (theme.expected, theme.present, theme.excused, theme.absent) == (6, 1, 0, 5)
    ahead = rows[committee.pk]
    assert (ahead.expected, ahead.present, ahead.absent) == (1, 0, None)
    totals = {total.kind: total for total in result.totals}
    assert [total.kind for total in result.totals] == ["theme_day", "general", "committee"]
    assert (totals["general"].meetings, totals["general"].present, totals["general"].absent) == (1, 3, 1)
    assert totals["committee"].approved == 1
    client.force_login(secretary)
    response = client.get(reverse("meetings:ledger", args=[branch_a.pk]), headers=ZH)
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026年会议台账" in body
    assert "去年" not in body
    assert "支委会" in body
    last_year = client.get(reverse("meetings:ledger", args=[branch_a.pk]) + "?year=2025", headers=ZH)
    assert "去年" in last_year.content.decode()


@time_machine.travel(NOW)
def test_the_ledger_reads_a_bad_year_as_this_year(client, secretary, branch_a):
    client.force_login(secretary)
    url = reverse("meetings:ledger", args=[branch_a.pk])
    for bad in ("abc", "1", "99999", "２０２６", "-5"):
        response = client.get(url, {"year": bad})
        assert response.status_code == 200
        assert response.context["year"] == 2026


@time_machine.travel(NOW)
@pytest.mark.parametrize("size", [3, 30])
def test_the_ledger_costs_the_same_queries_for_3_and_30_meetings(
    client, secretary, branch_a, size, django_assert_num_queries
):
    people = MemberFactory.create_batch(4, organization=branch_a)
    for n in range(size):
        activity = ActivityFactory(
            organization=branch_a,
            kind=(Activity.Kind.GENERAL, Activity.Kind.GROUP, Activity.Kind.LECTURE)[n % 3],
            date=dt.date(2026, 1, 1) + dt.timedelta(days=n * 5),
            group=people[0].group,
        )
        for member in people:
            Attendee.objects.create(activity=activity, member=member)
        CheckIn.objects.create(member=people[0], activity=activity, checked_in_at=at(activity.date))
    client.force_login(secretary)
    url = reverse("meetings:ledger", args=[branch_a.pk])
    client.get(url)
    # session, user, role paths, the branch, the meetings with their counts
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["ledger"].rows) == size


def test_attack_another_branchs_ledger_is_not_found(client, secretary_b, member, branch_a, general_meeting):
    url = reverse("meetings:ledger", args=[branch_a.pk])
    for user in (secretary_b, member.user):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 404
        assert "讨论发展党员" not in response.content.decode()


def test_the_statistics_page_links_to_the_ledger(client, secretary, branch_a):
    client.force_login(secretary)
    body = client.get(reverse("activities:stats", args=[branch_a.pk])).content.decode()
    assert reverse("meetings:ledger", args=[branch_a.pk]) in body


def test_the_print_pages_answer_only_get(client, secretary, branch_a, general_meeting):
    client.force_login(secretary)
    assert client.post(reverse("meetings:ledger", args=[branch_a.pk])).status_code == 405
    assert client.post(reverse("meetings:print_record", args=[general_meeting.pk])).status_code == 405


# --- the sign-in sheet of any kind ------------------------------------------------------------


def test_the_sign_in_sheet_of_a_meeting_names_its_kind_and_lists_its_list(client, secretary, branch_a):
    on_list = MemberFactory(organization=branch_a, name="名单上")
    MemberFactory(organization=branch_a, name="不在名单")
    activity = ActivityFactory(organization=branch_a, kind=Activity.Kind.COMMITTEE, date=dt.date(2026, 12, 10))
    Attendee.objects.create(activity=activity, member=on_list)
    client.force_login(secretary)
    body = client.get(reverse("activities:signin_sheet", args=[activity.pk]), headers=ZH).content.decode()
    assert "支委会签到表" in body
    assert "名单上" in body and "不在名单" not in body
    empty = ActivityFactory(organization=branch_a, kind=Activity.Kind.LECTURE, date=dt.date(2026, 12, 11))
    body = client.get(reverse("activities:signin_sheet", args=[empty.pk]), headers=ZH).content.decode()
    assert "会议名单上没有人" in body
