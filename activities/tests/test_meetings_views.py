"""The secretary's meeting pages: plan, list, who is expected, the record and its files, review from above."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from activities.meetings import services as meetings
from activities.models import Activity, Attendee, MeetingFile
from branches.models import Organization, Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from committees.models import Post
from committees.tests.factories import PostFactory
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def party_committee(db):
    return OrganizationFactory(name="矿党委", code="mine", kind=Organization.Kind.COMMITTEE)


@pytest.fixture
def branch(party_committee):
    return OrganizationFactory(name="综采一队党支部", code="team-1", parent=party_committee)


@pytest.fixture
def other_branch(party_committee):
    return OrganizationFactory(name="机电队党支部", code="team-2", parent=party_committee)


@pytest.fixture
def people(branch):
    members = [MemberFactory(name=f"队员{i}", organization=branch) for i in range(4)]
    for member, kind in zip(members[:3], (Post.Kind.SECRETARY, Post.Kind.ORGANIZATION, Post.Kind.MEMBER), strict=True):
        PostFactory(organization=branch, member=member, kind=kind, started_on=dt.date(2025, 1, 1))
    return members


def holder(organization, name, kind=Role.Kind.SECRETARY):
    user = UserFactory(name=name)
    RoleFactory(user=user, organization=organization, kind=kind)
    return user


@pytest.fixture
def secretary(branch):
    return holder(branch, "综采书记")


@pytest.fixture
def reviewer(party_committee):
    return holder(party_committee, "矿党委组织部")


def committee_meeting(branch, by, days=-1, **details):
    return meetings.plan_meeting(
        branch, kind=Activity.Kind.COMMITTEE, date=timezone.localdate() + dt.timedelta(days=days), by=by, **details
    )


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "red").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


# --- planning -----------------------------------------------------------------------------------


def test_a_secretary_plans_a_committee_meeting_in_chinese(client, branch, people, secretary):
    client.force_login(secretary)
    day = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(
        reverse("meetings:plan"),
        {
            "branch": branch.pk,
            "kind": "committee",
            "date": day.isoformat(),
            "starts_at": "19:30",
            "place": "三楼党员活动室",
            "theme": "研究十二月发展党员工作",
            "agenda": "一、传达上级精神；二、讨论入党积极分子",
        },
    )
    meeting = Activity.objects.get(kind=Activity.Kind.COMMITTEE)
    assert response.status_code == 302 and response["Location"] == reverse("activities:detail", args=[meeting.pk])
    assert meeting.theme == "研究十二月发展党员工作" and meeting.starts_at == dt.time(19, 30)
    assert set(meeting.attendees.values_list("member__name", flat=True)) == {"队员0", "队员1", "队员2"}
    page = client.get(response["Location"])
    assert "研究十二月发展党员工作" in page.content.decode()
    assert "队员0" in page.content.decode()


def test_an_other_meeting_needs_its_name_and_nothing_is_planned_without(client, branch, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("meetings:plan"),
        {"branch": branch.pk, "kind": "other", "date": timezone.localdate().isoformat(), "name": " "},
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_a_group_meeting_of_another_branchs_group_is_refused(client, branch, other_branch, secretary):
    foreign = OrganizationFactory(name="机电一组", code="t2-g1", parent=other_branch, kind=Organization.Kind.GROUP)
    client.force_login(secretary)
    response = client.post(
        reverse("meetings:plan"),
        {"branch": branch.pk, "kind": "group", "group": foreign.pk, "date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert not Activity.objects.exists()


def test_a_secretary_cannot_plan_in_another_branch(client, branch, other_branch, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("meetings:plan"),
        {"branch": other_branch.pk, "kind": "lecture", "date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert not Activity.objects.exists()


def test_the_activity_day_cannot_be_planned_by_hand(client, branch, secretary):
    client.force_login(secretary)
    client.post(reverse("meetings:plan"), {"branch": branch.pk, "kind": "theme_day", "date": "2026-12-06"})
    assert not Activity.objects.exists()


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_every_kind_with_bounded_queries(client, branch, people, secretary, django_assert_num_queries):
    client.force_login(secretary)
    committee_meeting(branch, secretary)
    client.get(reverse("meetings:list"))
    with django_assert_num_queries(7) as few:
        client.get(reverse("meetings:list"))
    for days in range(2, 12):
        meetings.plan_meeting(
            branch, kind=Activity.Kind.LECTURE, date=timezone.localdate() + dt.timedelta(days=days), by=secretary
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("meetings:list"))
    assert response.content.decode().count('class="row"') == 11
    only_lectures = client.get(reverse("meetings:list"), {"kind": "lecture"}).content.decode()
    assert only_lectures.count('class="row"') == 10


def test_another_branchs_meetings_are_not_listed(client, branch, other_branch, people, secretary):
    other_secretary = holder(other_branch, "机电书记")
    meetings.plan_meeting(
        other_branch, kind=Activity.Kind.LECTURE, date=timezone.localdate(), by=other_secretary, theme="机电队的党课"
    )
    client.force_login(secretary)
    assert "机电队的党课" not in client.get(reverse("meetings:list")).content.decode()


# --- who is expected ----------------------------------------------------------------------------


def test_the_list_is_edited_and_a_member_added_as_a_guest_has_no_vote(client, branch, people, secretary):
    meeting = committee_meeting(branch, secretary, days=3)
    client.force_login(secretary)
    url = reverse("meetings:attendees", args=[meeting.pk])
    client.post(url, {"members": [people[3].pk], "role": "guest"})
    guest = Attendee.objects.get(activity=meeting, member=people[3])
    assert guest.role == Attendee.Role.GUEST and guest.votes is False
    client.post(url, {"remove": people[2].pk})
    assert not Attendee.objects.filter(activity=meeting, member=people[2]).exists()


def test_a_member_of_another_branch_cannot_be_smuggled_onto_the_list(client, branch, other_branch, people, secretary):
    meeting = committee_meeting(branch, secretary, days=3)
    outsider = MemberFactory(name="外人", organization=other_branch)
    client.force_login(secretary)
    response = client.post(reverse("meetings:attendees", args=[meeting.pk]), {"members": [outsider.pk]})
    assert response.status_code == 200
    assert not Attendee.objects.filter(member=outsider).exists()


def test_the_activity_day_has_no_list_page(client, branch, secretary):
    from activities.tests.factories import ActivityFactory

    day = ActivityFactory(organization=branch)
    client.force_login(secretary)
    assert client.get(reverse("meetings:attendees", args=[day.pk])).status_code == 404


# --- the record, its files and the review -------------------------------------------------------


def test_the_record_is_written_with_a_photo_whose_location_is_gone(client, branch, people, secretary, media):
    meeting = committee_meeting(branch, secretary)
    client.force_login(secretary)
    url = reverse("meetings:record", args=[meeting.pk])
    client.post(
        url,
        {
            "record-host": people[0].pk,
            "record-recorder": people[1].pk,
            "record-minutes": "会议研究确定了两名发展对象。",
            "record-decisions": "同意张三、李四为发展对象。",
            "record-outside_guests": "矿党委组织部 王明",
        },
    )
    meeting.refresh_from_db()
    assert meeting.minutes == "会议研究确定了两名发展对象。" and meeting.host == people[0]
    photo = SimpleUploadedFile("现场照片.jpg", jpeg_with_gps(), content_type="image/jpeg")
    client.post(url, {"upload": "1", "file-file": photo, "file-is_photo": "on"})
    stored = MeetingFile.objects.get(activity=meeting)
    assert stored.name == "现场照片.jpg" and stored.is_photo
    with Image.open(stored.file.path) as image:
        exif = image.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in exif
    served = client.get(reverse("meetings:file", args=[stored.pk]))
    assert served.status_code == 200 and served["X-Content-Type-Options"] == "nosniff"


def test_a_file_that_is_not_what_it_says_is_refused(client, branch, people, secretary):
    meeting = committee_meeting(branch, secretary)
    client.force_login(secretary)
    fake = SimpleUploadedFile("议程.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client.post(reverse("meetings:record", args=[meeting.pk]), {"upload": "1", "file-file": fake})
    assert response.status_code == 200
    assert not MeetingFile.objects.exists()


def test_submit_return_resubmit_approve(client, branch, people, secretary, reviewer):
    meeting = committee_meeting(branch, secretary, minutes="研究发展党员。")
    client.force_login(secretary)
    client.post(reverse("meetings:submit", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.record_status == Activity.RecordStatus.SUBMITTED
    # Locked while waiting: the record page saves nothing.
    client.post(reverse("meetings:record", args=[meeting.pk]), {"record-minutes": "偷偷改了"})
    meeting.refresh_from_db()
    assert meeting.minutes == "研究发展党员。"

    client.force_login(reviewer)
    queue = client.get(reverse("meetings:review_queue")).content.decode()
    assert "综采一队党支部" in queue
    client.post(reverse("meetings:review", args=[meeting.pk]), {"decision": "return", "comment": "请补充表决结果"})
    meeting.refresh_from_db()
    assert meeting.record_status == Activity.RecordStatus.RETURNED and meeting.review_comment == "请补充表决结果"
    assert Notification.objects.filter(kind="record_reviewed", user=secretary).exists()

    client.force_login(secretary)
    page = client.get(reverse("activities:detail", args=[meeting.pk])).content.decode()
    assert "请补充表决结果" in page
    client.post(reverse("meetings:record", args=[meeting.pk]), {"record-minutes": "研究发展党员。表决：同意3票。"})
    client.post(reverse("meetings:submit", args=[meeting.pk]))
    client.force_login(reviewer)
    client.post(reverse("meetings:review", args=[meeting.pk]), {"decision": "approve"})
    meeting.refresh_from_db()
    assert meeting.record_status == Activity.RecordStatus.APPROVED
    assert "综采一队党支部" not in client.get(reverse("meetings:review_queue")).content.decode()


def test_a_secretary_cannot_approve_their_own_record(client, branch, people, secretary):
    """The attack: the branch's secretary posts the approval the committee above would send."""
    meeting = committee_meeting(branch, secretary, minutes="自己写的记录")
    meetings.submit_record(meeting, by=secretary)
    client.force_login(secretary)
    response = client.post(reverse("meetings:review", args=[meeting.pk]), {"decision": "approve"})
    assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.record_status == Activity.RecordStatus.SUBMITTED and meeting.reviewed_by is None
    assert "自己写的记录" not in client.get(reverse("meetings:review_queue")).content.decode()


def test_another_branchs_secretary_sees_nothing_of_a_record(client, branch, other_branch, people, secretary, media):
    meeting = committee_meeting(branch, secretary)
    stored = meetings.add_file(
        meeting, SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n"), name="a.pdf", photo=False, by=secretary
    )
    intruder = holder(other_branch, "机电书记")
    client.force_login(intruder)
    for name, pk in (
        ("activities:detail", meeting.pk),
        ("meetings:record", meeting.pk),
        ("meetings:attendees", meeting.pk),
        ("meetings:file", stored.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    for name, pk in (("meetings:submit", meeting.pk), ("meetings:file_delete", stored.pk)):
        assert client.post(reverse(name, args=[pk])).status_code == 404, name
    assert MeetingFile.objects.filter(pk=stored.pk).exists()
    meeting.refresh_from_db()
    assert meeting.record_status == Activity.RecordStatus.DRAFT


def test_a_plain_member_is_refused_the_meeting_pages(client, branch, people):
    user = UserFactory(name="普通党员")
    MemberFactory(name="普通党员", organization=branch, user=user, phone=user.phone)
    client.force_login(user)
    for name in ("meetings:list", "meetings:plan", "meetings:review_queue"):
        assert client.get(reverse(name)).status_code == 403, name


def test_the_review_queue_has_bounded_queries(client, party_committee, reviewer, django_assert_num_queries):
    def submitted(n):
        for i in range(n):
            branch = OrganizationFactory(name=f"支部{i}-{n}", code=f"b{i}-{n}", parent=party_committee)
            by = holder(branch, f"书记{i}-{n}")
            meeting = committee_meeting(branch, by, minutes="记录")
            meetings.submit_record(meeting, by=by)

    submitted(2)
    client.force_login(reviewer)
    client.get(reverse("meetings:review_queue"))
    with django_assert_num_queries(6) as few:
        client.get(reverse("meetings:review_queue"))
    submitted(8)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(reverse("meetings:review_queue")).content.decode()
    assert page.count('class="row"') == 10


def test_the_meeting_page_shows_the_quorum(client, branch, people, secretary):
    meeting = committee_meeting(branch, secretary)
    from activities import services

    services.perform_checkin(people[0], meeting, kind="manual", entered_by=secretary)
    client.force_login(secretary)
    response = client.get(reverse("activities:detail", args=[meeting.pk]))
    quorum = response.context["quorum"]
    assert (quorum.voting, quorum.present, quorum.needed, quorum.met) == (3, 1, 2, False)
    assert 'id="quorum"' in response.content.decode()


def test_the_workspace_counts_records_to_review(client, branch, people, secretary, reviewer):
    meeting = committee_meeting(branch, secretary, minutes="记录")
    meetings.submit_record(meeting, by=secretary)
    client.force_login(reviewer)
    page = client.get(reverse("workspace:home")).content.decode()
    assert reverse("meetings:review_queue") in page
    client.force_login(secretary)
    assert reverse("meetings:list") in client.get(reverse("workspace:home")).content.decode()


def test_member_status_fixes_the_vote_on_the_list(branch, secretary):
    probationary = MemberFactory(organization=branch, status=Member.Status.PROBATIONARY)
    meeting = meetings.plan_meeting(branch, kind=Activity.Kind.GENERAL, date=timezone.localdate(), by=secretary)
    assert Attendee.objects.get(activity=meeting, member=probationary).votes is False


def test_the_secretary_records_an_absence_with_its_reason(client, branch, people, secretary):
    meeting = committee_meeting(branch, secretary, days=0)
    client.force_login(secretary)
    client.post(reverse("activities:excuse", args=[meeting.pk]), {"member": people[1].pk, "reason": "在外地出差"})
    from activities.models import Leave

    leave = Leave.objects.get(activity=meeting, member=people[1])
    assert (leave.status, leave.reason, leave.decided_by) == (Leave.Status.APPROVED, "在外地出差", secretary)
    page = client.get(reverse("activities:detail", args=[meeting.pk])).content.decode()
    assert "在外地出差" in page
    # Without a reason nothing is recorded; nor for someone who took part.
    client.post(reverse("activities:excuse", args=[meeting.pk]), {"member": people[2].pk, "reason": "  "})
    from activities import services

    services.perform_checkin(people[0], meeting, kind="manual", entered_by=secretary)
    client.post(reverse("activities:excuse", args=[meeting.pk]), {"member": people[0].pk, "reason": "不算"})
    assert not Leave.objects.filter(member__in=[people[0], people[2]]).exists()


def test_an_excuse_after_the_close_turns_the_absence_into_excused(branch, people, secretary):
    from activities import services
    from activities.models import Attendance

    meeting = committee_meeting(branch, secretary, days=-3)
    services.close_activity(meeting, meeting.closes_at)
    services.excuse(people[1], meeting, "井下抢修", by=secretary)
    assert Attendance.objects.get(activity=meeting, member=people[1]).outcome == Attendance.Outcome.EXCUSED


def test_no_excuse_for_someone_not_on_the_list(client, branch, people, secretary):
    meeting = committee_meeting(branch, secretary, days=0)
    client.force_login(secretary)
    response = client.post(reverse("activities:excuse", args=[meeting.pk]), {"member": people[3].pk, "reason": "x"})
    assert response.status_code == 404


def test_a_meeting_is_edited_with_its_own_kinds_fields(client, branch, people, secretary):
    meeting = meetings.plan_meeting(
        branch, kind=Activity.Kind.LECTURE, date=timezone.localdate() + dt.timedelta(days=3), by=secretary
    )
    client.force_login(secretary)
    url = reverse("activities:edit", args=[meeting.pk])
    form = client.get(url).context["form"]
    assert "lecturer" in form.fields and "is_election" not in form.fields and "tracks" not in form.fields
    day = timezone.localdate() + dt.timedelta(days=40)
    client.post(url, {"date": day.isoformat(), "starts_at": "09:00", "lecturer": "矿党委书记", "theme": "党章学习"})
    meeting.refresh_from_db()
    assert (meeting.lecturer, meeting.date, meeting.year, meeting.month) == ("矿党委书记", day, day.year, day.month)
    assert timezone.localtime(meeting.opens_at).date() == day


def test_a_member_on_the_list_checks_in_from_their_notice(client, branch, people, secretary):
    user = UserFactory(name="队员登录")
    people[0].user = user
    people[0].save()
    meeting = committee_meeting(branch, secretary, days=0)
    notice = Notification.objects.get(kind="meeting_planned", member=people[0])
    client.force_login(user)
    page = client.get(notice.url)
    assert page.status_code == 200 and "支委会" in page.content.decode()
    client.post(reverse("activities:checkin", args=[meeting.pk]), {"nonce": "abc"})
    assert meeting.checkins.filter(member=people[0]).exists()


def test_a_member_not_on_the_list_does_not_see_the_meeting(client, branch, people, secretary):
    user = UserFactory(name="非委员")
    people[3].user = user
    people[3].save()
    meeting = committee_meeting(branch, secretary, days=0)
    client.force_login(user)
    assert client.get(reverse("activities:member_detail", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("activities:checkin", args=[meeting.pk]), {"nonce": "x"}).status_code == 404
    assert not meeting.checkins.exists()


def test_a_meetings_attendance_sheet_lists_its_list_only(client, branch, people, secretary):
    from openpyxl import load_workbook

    meeting = committee_meeting(branch, secretary, days=0)
    client.force_login(secretary)
    response = client.get(reverse("activities:export", args=[meeting.pk]))
    assert "committee" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[0].value for row in sheet.iter_rows(min_row=2)}
    assert names == {"队员0", "队员1", "队员2"}


@pytest.mark.parametrize("name", ["meetings:attendees", "meetings:record"])
def test_the_list_and_record_pages_have_bounded_queries(
    client, branch, people, secretary, name, django_assert_max_num_queries, django_assert_num_queries, media
):
    meeting = meetings.plan_meeting(branch, kind=Activity.Kind.GENERAL, date=timezone.localdate(), by=secretary)
    # Members not on the list yet, so the page offers to add some at both sizes.
    newcomers = [MemberFactory(organization=branch, name=f"新党员{i}") for i in range(15)]
    client.force_login(secretary)
    url = reverse(name, args=[meeting.pk])
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    meetings.add_to_list(meeting, newcomers[:10])
    for i in range(3):
        meetings.add_file(
            meeting, SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4\n%%EOF\n"), name=f"{i}.pdf", photo=False, by=secretary
        )
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert ("新党员9" in page) if name == "meetings:attendees" else ("2.pdf" in page)
