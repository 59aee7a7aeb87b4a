import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from activities import services
from activities.models import Attendance, CheckIn, Leave, MaterialDelivery, StudyMaterial
from activities.tests.factories import ActivityFactory, MaterialFactory
from branches.models import Role
from branches.tests.factories import RoleFactory
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


# The activity of 6 December 2026: check-in is open from the 6th 00:00 to the 10th 00:00.
BEFORE = at(2026, 12, 3, 10)
DURING = at(2026, 12, 6, 9, 30)
AFTER = at(2026, 12, 11, 10)


@pytest.fixture
def activity_a(branch_a):
    return ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6), tracks=["study", "exchange"])


@pytest.fixture
def activity_b(branch_b):
    return ActivityFactory(organization=branch_b, date=dt.date(2026, 12, 6))


def deliver(member, material, activity=None, when=DURING):
    return MaterialDelivery.objects.create(member=member, material=material, activity=activity, delivered_at=when)


@pytest.fixture
def delivery(member, activity_a):
    material = MaterialFactory(title="全会公报", body="第一段\n第二段")
    activity_a.materials.add(material)
    return deliver(member, material, activity_a)


@pytest.fixture
def pdf_delivery(member):
    material = MaterialFactory(kind="pdf", body="", file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="rules.pdf"))
    return deliver(member, material)


def jpeg_upload(size=(60, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def member_get_urls(activity, delivery):
    return [
        reverse("activities:mine"),
        reverse("activities:member_detail", args=[activity.pk]),
        reverse("activities:study"),
        reverse("activities:material", args=[delivery.pk]),
    ]


def member_post_urls(activity, delivery):
    return [
        reverse("activities:checkin", args=[activity.pk]),
        reverse("activities:leave", args=[activity.pk]),
        reverse("activities:makeup", args=[activity.pk]),
        reverse("activities:studied", args=[delivery.pk]),
    ]


# --- access ---------------------------------------------------------------------------------


@time_machine.travel(DURING, tick=False)
def test_every_member_page_works_for_the_owner(client, member, activity_a, delivery, pdf_delivery):
    client.force_login(member.user)
    for url in member_get_urls(activity_a, delivery):
        assert client.get(url).status_code == 200, url
    response = client.get(reverse("activities:material_file", args=[pdf_delivery.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "inline" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@time_machine.travel(DURING, tick=False)
def test_the_activity_page_shows_the_day(client, member, activity_a, delivery):
    activity_a.place = "矿区党员活动室"
    activity_a.online_link = "https://meeting.example.com/6"
    activity_a.agenda = "一、集中学习\n二、交流"
    activity_a.save()
    client.force_login(member.user)
    body = client.get(reverse("activities:member_detail", args=[activity_a.pk])).content.decode()
    assert activity_a.theme in body
    assert "矿区党员活动室" in body and "https://meeting.example.com/6" in body
    assert "一、集中学习<br>二、交流" in body
    assert reverse("activities:material", args=[delivery.pk]) in body
    assert reverse("activities:checkin", args=[activity_a.pk]) in body
    assert 'name="nonce"' in body


@time_machine.travel(DURING, tick=False)
def test_branch_b_activities_are_404_for_an_outsider(client, outsider, activity_a, delivery):
    client.force_login(outsider.user)
    assert client.get(reverse("activities:member_detail", args=[activity_a.pk])).status_code == 404
    for url in member_post_urls(activity_a, delivery)[:3]:
        assert client.post(url, {"reason": "x", "note": "x", "nonce": "n"}).status_code == 404, url
    assert not CheckIn.objects.exists() and not Leave.objects.exists()


@time_machine.travel(DURING, tick=False)
def test_another_members_delivery_is_404(client, outsider, delivery, pdf_delivery):
    client.force_login(outsider.user)
    assert client.get(reverse("activities:material", args=[delivery.pk])).status_code == 404
    assert client.post(reverse("activities:studied", args=[delivery.pk])).status_code == 404
    assert client.get(reverse("activities:material_file", args=[pdf_delivery.pk])).status_code == 404
    delivery.refresh_from_db()
    assert delivery.read_at is None and delivery.studied_at is None


def test_a_login_without_a_roster_entry_has_no_member_pages(client, secretary, activity_a):
    client.force_login(secretary)
    assert client.get(reverse("activities:mine")).status_code == 404
    assert client.get(reverse("activities:study")).status_code == 404
    assert client.post(reverse("activities:checkin", args=[activity_a.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, activity_a, delivery):
    for url in member_get_urls(activity_a, delivery):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"], url
    for url in member_post_urls(activity_a, delivery):
        response = client.post(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"], url
    assert not CheckIn.objects.exists()


def test_wrong_methods_are_refused(client, member, secretary, activity_a, delivery):
    client.force_login(member.user)
    for url in member_get_urls(activity_a, delivery):
        assert client.post(url).status_code == 405, url
    for url in member_post_urls(activity_a, delivery):
        assert client.get(url).status_code == 405, url
    assert client.post(reverse("activities:material_file", args=[delivery.pk])).status_code == 405
    client.force_login(secretary)
    assert client.get(reverse("activities:manual_checkin", args=[activity_a.pk])).status_code == 405
    leave = Leave.objects.create(member=member, activity=activity_a, reason="出差")
    assert client.get(reverse("activities:leave_decide", args=[leave.pk])).status_code == 405


# --- check-in -------------------------------------------------------------------------------


@time_machine.travel(DURING, tick=False)
def test_a_member_checks_in_and_sees_the_time(client, member, activity_a):
    client.force_login(member.user)
    url = reverse("activities:checkin", args=[activity_a.pk])
    response = client.post(url, {"nonce": "n1", "city": " 鄂尔多斯 "}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("activities:member_detail", args=[activity_a.pk])
    checkin = CheckIn.objects.get()
    assert (checkin.member, checkin.kind, checkin.city, checkin.nonce) == (member, "on_time", "鄂尔多斯", "n1")
    assert len(messages_of(response)) == 1 and "09:30" in messages_of(response)[0]
    assert "09:30" in response.content.decode()
    assert reverse("activities:checkin", args=[activity_a.pk]) not in response.content.decode()


@time_machine.travel(DURING, tick=False)
def test_a_double_tap_with_the_same_nonce_checks_in_once(client, member, activity_a):
    client.force_login(member.user)
    url = reverse("activities:checkin", args=[activity_a.pk])
    first = client.post(url, {"nonce": "same"}, follow=True)
    second = client.post(url, {"nonce": "same"}, follow=True)
    assert CheckIn.objects.count() == 1
    # the resent tap gets the same answer as the first
    assert messages_of(second) == messages_of(first)


@time_machine.travel(DURING, tick=False)
def test_two_phones_of_one_member_check_in_once(member, activity_a):
    phones = [Client(), Client()]
    for phone in phones:
        phone.force_login(member.user)
    url = reverse("activities:checkin", args=[activity_a.pk])
    nonces = [phones[0].get(reverse("activities:mine")).context["checkin_form"]["nonce"].value() for _ in "ab"]
    assert nonces[0] != nonces[1]
    answers = [phone.post(url, {"nonce": nonce}, follow=True) for phone, nonce in zip(phones, nonces, strict=True)]
    assert CheckIn.objects.get().nonce == nonces[0]
    assert messages_of(answers[0]) != messages_of(answers[1])


@time_machine.travel(DURING, tick=False)
def test_back_to_the_page_the_form_was_on(client, member, activity_a):
    client.force_login(member.user)
    url = reverse("activities:checkin", args=[activity_a.pk])
    response = client.post(url, {"nonce": "x", "next": reverse("activities:mine")})
    assert response["Location"] == reverse("activities:mine")
    response = client.post(url, {"nonce": "x", "next": "https://evil.example.com/"})
    assert response["Location"] == reverse("activities:member_detail", args=[activity_a.pk])


@pytest.mark.parametrize(
    ("moment", "message"),
    [(BEFORE, "Check-in opens on 2026-12-06."), (AFTER, "Check-in has closed; you can do the make-up study instead.")],
)
def test_check_in_outside_the_window_is_refused_with_the_message(client, member, activity_a, moment, message):
    with time_machine.travel(moment, tick=False):
        # logged in at the moment itself: a session from today would have expired by then
        client.force_login(member.user)
        response = client.post(
            reverse("activities:checkin", args=[activity_a.pk]),
            {"nonce": "n", "photo": jpeg_upload()},
            follow=True,
            headers={"accept-language": "en"},
        )
    assert messages_of(response) == [message]
    assert not CheckIn.objects.exists()


@time_machine.travel(DURING, tick=False)
def test_the_refusal_is_in_chinese_by_default(client, member, activity_a):
    client.force_login(member.user)
    with time_machine.travel(BEFORE, tick=False):
        response = client.post(reverse("activities:checkin", args=[activity_a.pk]), {"nonce": "n"}, follow=True)
    assert messages_of(response)[0] != "Check-in opens on 2026-12-06."


@time_machine.travel(DURING, tick=False)
def test_a_check_in_photo_is_stored_clean(client, member, activity_a, django_capture_on_commit_callbacks):
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):  # the queued re-encoding runs inline
        client.post(
            reverse("activities:checkin", args=[activity_a.pk]), {"nonce": "n", "photo": jpeg_upload((3000, 2000))}
        )
    checkin = CheckIn.objects.get()
    with checkin.photo.open("rb") as stored:
        image = Image.open(stored)
        assert image.format == "JPEG" and image.size == (1600, 1067)


@time_machine.travel(DURING, tick=False)
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_recorded(client, member, activity_a):
    client.force_login(member.user)
    fake = SimpleUploadedFile("p.jpg", b"hello, not a picture", content_type="image/jpeg")
    response = client.post(
        reverse("activities:checkin", args=[activity_a.pk]),
        {"nonce": "n", "photo": fake},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert messages_of(response) == ["This file is not a JPEG, PNG or WebP photo."]
    assert not CheckIn.objects.exists()


# --- leave and make-up ----------------------------------------------------------------------


@time_machine.travel(BEFORE, tick=False)
def test_a_member_asks_for_leave_before_the_day(client, member, activity_a):
    client.force_login(member.user)
    page = client.get(reverse("activities:member_detail", args=[activity_a.pk])).content.decode()
    assert reverse("activities:leave", args=[activity_a.pk]) in page
    assert reverse("activities:checkin", args=[activity_a.pk]) not in page
    response = client.post(reverse("activities:leave", args=[activity_a.pk]), {"reason": "井下倒班"}, follow=True)
    leave = Leave.objects.get()
    assert (leave.member, leave.reason, leave.status) == (member, "井下倒班", "pending")
    assert len(messages_of(response)) == 1
    assert "井下倒班" in response.content.decode()
    client.post(reverse("activities:leave", args=[activity_a.pk]), {"reason": "again"})
    assert Leave.objects.get().reason == "井下倒班"


@time_machine.travel(BEFORE, tick=False)
def test_leave_needs_a_reason(client, member, activity_a):
    client.force_login(member.user)
    response = client.post(reverse("activities:leave", args=[activity_a.pk]), {"reason": "  "}, follow=True)
    assert len(messages_of(response)) == 1
    assert not Leave.objects.exists()


@time_machine.travel(DURING, tick=False)
def test_leave_is_refused_once_the_window_has_opened(client, member, activity_a):
    client.force_login(member.user)
    response = client.post(
        reverse("activities:leave", args=[activity_a.pk]),
        {"reason": "来不及"},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert messages_of(response) == [
        "Leave is asked for before the activity day; check in or do the make-up study instead."
    ]
    assert not Leave.objects.exists()


def test_make_up_study_after_the_close(client, member, activity_a):
    services.close_activity(activity_a, activity_a.closes_at)
    activity_a.refresh_from_db()
    with time_machine.travel(AFTER, tick=False):
        client.force_login(member.user)
        page = client.get(reverse("activities:member_detail", args=[activity_a.pk])).content.decode()
        assert reverse("activities:makeup", args=[activity_a.pk]) in page
        refused = client.post(reverse("activities:makeup", args=[activity_a.pk]), {"note": ""}, follow=True)
        assert len(messages_of(refused)) == 1 and not CheckIn.objects.exists()
        client.post(reverse("activities:makeup", args=[activity_a.pk]), {"note": "学习了全会公报"})
    checkin = CheckIn.objects.get()
    assert (checkin.kind, checkin.note) == ("make_up", "学习了全会公报")
    assert Attendance.objects.get(member=member).outcome == "made_up"


@time_machine.travel(DURING, tick=False)
def test_make_up_is_not_a_way_round_the_window(client, member, activity_a):
    client.force_login(member.user)
    response = client.post(
        reverse("activities:makeup", args=[activity_a.pk]),
        {"note": "提前补学"},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert messages_of(response) == ["Make-up study opens when check-in closes."]
    assert not CheckIn.objects.exists()


# --- the secretary's side -------------------------------------------------------------------


@pytest.fixture
def pending_leave(member, activity_a):
    return Leave.objects.create(member=member, activity=activity_a, reason="出差")


@pytest.mark.parametrize(("decision", "status"), [("approve", "approved"), ("decline", "declined")])
def test_the_secretary_decides_a_leave(client, secretary, pending_leave, decision, status):
    client.force_login(secretary)
    page = client.get(reverse("activities:detail", args=[pending_leave.activity_id])).content.decode()
    assert reverse("activities:leave_decide", args=[pending_leave.pk]) in page
    response = client.post(reverse("activities:leave_decide", args=[pending_leave.pk]), {"decision": decision})
    assert response["Location"] == reverse("activities:detail", args=[pending_leave.activity_id])
    pending_leave.refresh_from_db()
    assert (pending_leave.status, pending_leave.decided_by) == (status, secretary)
    assert pending_leave.member.notifications.filter(kind="leave").count() == 1


def test_a_decided_leave_is_not_decided_again(client, secretary, pending_leave):
    client.force_login(secretary)
    url = reverse("activities:leave_decide", args=[pending_leave.pk])
    client.post(url, {"decision": "approve"}, follow=True)
    response = client.post(url, {"decision": "decline"}, follow=True, headers={"accept-language": "en"})
    assert messages_of(response) == ["This leave request has already been decided."]
    pending_leave.refresh_from_db()
    assert pending_leave.status == "approved"


def test_a_nonsense_decision_changes_nothing(client, secretary, pending_leave):
    client.force_login(secretary)
    client.post(reverse("activities:leave_decide", args=[pending_leave.pk]), {"decision": "maybe"})
    pending_leave.refresh_from_db()
    assert pending_leave.status == "pending"


def test_a_leave_approved_after_the_close_excuses_the_absence(client, secretary, pending_leave, activity_a):
    services.close_activity(activity_a, activity_a.closes_at)
    assert Attendance.objects.get().outcome == "absent"
    client.force_login(secretary)
    client.post(reverse("activities:leave_decide", args=[pending_leave.pk]), {"decision": "approve"})
    assert Attendance.objects.get().outcome == "excused"


def test_only_the_branchs_managers_decide_its_leaves(client, member, outsider, pending_leave):
    secretary_b = RoleFactory(organization=outsider.organization, kind=Role.Kind.SECRETARY).user
    for user in (secretary_b, member.user):
        client.force_login(user)
        response = client.post(reverse("activities:leave_decide", args=[pending_leave.pk]), {"decision": "approve"})
        assert response.status_code == 404
    pending_leave.refresh_from_db()
    assert pending_leave.status == "pending"


@time_machine.travel(DURING, tick=False)
def test_the_secretary_enters_attendance_for_a_member_without_a_phone(client, secretary, activity_a):
    offline = MemberFactory(organization=activity_a.organization, name="老张")
    client.force_login(secretary)
    page = client.get(reverse("activities:detail", args=[activity_a.pk])).content.decode()
    assert reverse("activities:manual_checkin", args=[activity_a.pk]) in page
    url = reverse("activities:manual_checkin", args=[activity_a.pk])
    client.post(url, {"member": offline.pk})
    client.post(url, {"member": offline.pk})
    checkin = CheckIn.objects.get()
    assert (checkin.member, checkin.kind, checkin.entered_by) == (offline, "manual", secretary)


def test_manual_entry_after_the_close_turns_absent_into_attended(client, secretary, activity_a):
    offline = MemberFactory(organization=activity_a.organization)
    services.close_activity(activity_a, activity_a.closes_at)
    with time_machine.travel(AFTER, tick=False):
        client.force_login(secretary)
        client.post(reverse("activities:manual_checkin", args=[activity_a.pk]), {"member": offline.pk})
    assert Attendance.objects.get(member=offline).outcome == "attended"


@time_machine.travel(BEFORE, tick=False)
def test_manual_entry_waits_for_the_day(client, secretary, activity_a):
    offline = MemberFactory(organization=activity_a.organization)
    client.force_login(secretary)
    client.post(reverse("activities:manual_checkin", args=[activity_a.pk]), {"member": offline.pk})
    assert not CheckIn.objects.exists()


@time_machine.travel(DURING, tick=False)
def test_manual_entry_is_404_for_other_branches_and_their_members(client, secretary, outsider, activity_a, activity_b):
    client.force_login(secretary)
    assert (
        client.post(reverse("activities:manual_checkin", args=[activity_b.pk]), {"member": outsider.pk}).status_code
        == 404
    )
    assert (
        client.post(reverse("activities:manual_checkin", args=[activity_a.pk]), {"member": outsider.pk}).status_code
        == 404
    )
    for hostile in ("x", "²", "-1", "1e9", "9" * 40, ""):
        response = client.post(reverse("activities:manual_checkin", args=[activity_a.pk]), {"member": hostile})
        assert response.status_code == 302, hostile
    client.force_login(outsider.user)
    assert (
        client.post(reverse("activities:manual_checkin", args=[activity_a.pk]), {"member": outsider.pk}).status_code
        == 404
    )
    assert not CheckIn.objects.exists()


# --- my activities --------------------------------------------------------------------------


def test_my_activity_is_the_open_one_else_the_next_else_the_latest(client, member, branch_a):
    november = ActivityFactory(organization=branch_a, date=dt.date(2026, 11, 6))
    december = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    with time_machine.travel(at(2026, 11, 7, 12), tick=False):
        client.force_login(member.user)
        assert client.get(reverse("activities:mine")).context["activity"] == november
    with time_machine.travel(at(2026, 11, 20, 12), tick=False):
        assert client.get(reverse("activities:mine")).context["activity"] == december
    with time_machine.travel(at(2027, 2, 1, 12), tick=False):
        client.force_login(member.user)
        assert client.get(reverse("activities:mine")).context["activity"] == december


@time_machine.travel(at(2026, 12, 20, 12), tick=False)
def test_my_history_shows_what_became_of_each_activity(client, member, branch_a):
    attended = ActivityFactory(organization=branch_a, date=dt.date(2026, 10, 6))
    CheckIn.objects.create(member=member, activity=attended, checked_in_at=attended.opens_at)
    services.close_activity(attended, attended.closes_at)
    missed = ActivityFactory(organization=branch_a, date=dt.date(2026, 11, 6))
    services.close_activity(missed, missed.closes_at)
    ActivityFactory(organization=branch_a, date=dt.date(2027, 1, 6))  # not yet: no history row
    client.force_login(member.user)
    response = client.get(reverse("activities:mine"), headers={"accept-language": "en"})
    history = [(activity.date.month, label) for activity, label in response.context["history"]]
    assert history == [(11, "Absent"), (10, "Attended")]


# --- study ----------------------------------------------------------------------------------


@time_machine.travel(DURING, tick=False)
def test_the_study_page_marks_unread_material_and_handbook_progress(client, member, delivery):
    chapters = [MaterialFactory(title=f"第{n}章", handbook_chapter=n) for n in (2, 1, 3)]
    deliver(member, chapters[1], when=at(2026, 11, 1))
    MaterialDelivery.objects.filter(material=chapters[1]).update(read_at=DURING, studied_at=DURING)
    deliver(member, chapters[0], when=at(2026, 11, 2))
    client.force_login(member.user)
    response = client.get(reverse("activities:study"))
    assert [c.title for c in response.context["chapters"]] == ["第1章", "第2章", "第3章"]
    assert response.context["studied"] == 1
    assert [d.material.title for d in response.context["page"]] == ["全会公报", "第2章", "第1章"]
    body = response.content.decode()
    assert body.count('class="row unread"') == 2


def test_handbook_chapters_published_only_to_another_branch_are_not_listed(client, member, branch_b):
    MaterialFactory(title="本支部章节", handbook_chapter=1)
    elsewhere = MaterialFactory(title="外支部章节", handbook_chapter=2)
    elsewhere.organizations.add(branch_b)
    client.force_login(member.user)
    chapters = client.get(reverse("activities:study")).context["chapters"]
    assert [c.title for c in chapters] == ["本支部章节"]


def test_opening_a_material_records_the_first_reading_only(client, member, delivery):
    client.force_login(member.user)
    with time_machine.travel(at(2026, 12, 6, 9), tick=False):
        body = client.get(reverse("activities:material", args=[delivery.pk])).content.decode()
    assert "第一段<br>第二段" in body
    with time_machine.travel(at(2026, 12, 6, 10), tick=False):
        client.get(reverse("activities:material", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.read_at == at(2026, 12, 6, 9)


def test_marking_studied_records_the_moment_once_and_nothing_else(client, member, delivery):
    client.force_login(member.user)
    with time_machine.travel(at(2026, 12, 6, 9), tick=False):
        client.get(reverse("activities:material", args=[delivery.pk]))
    done = at(2026, 12, 6, 9, 25)
    with time_machine.travel(done, tick=False):
        response = client.post(reverse("activities:studied", args=[delivery.pk]))
    assert response["Location"] == reverse("activities:material", args=[delivery.pk])
    with time_machine.travel(done + dt.timedelta(hours=1), tick=False):
        client.post(reverse("activities:studied", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert (delivery.read_at, delivery.studied_at) == (at(2026, 12, 6, 9), done)


def test_no_time_spent_on_a_material_is_stored():
    # The branch rules forbid measuring members by time spent in the app:
    # a delivery keeps when it was opened and studied, never for how long.
    fields = {field.name for field in MaterialDelivery._meta.get_fields()}
    assert fields >= {"delivered_at", "read_at", "studied_at"}
    assert not [name for name in fields if "seconds" in name or "duration" in name or "spent" in name]


def test_members_see_no_time_counter_or_ranking(client, member, delivery):
    MaterialDelivery.objects.filter(pk=delivery.pk).update(read_at=DURING, studied_at=DURING + dt.timedelta(minutes=72))
    client.force_login(member.user)
    for url in (reverse("activities:study"), reverse("activities:material", args=[delivery.pk])):
        body = client.get(url, headers={"accept-language": "en"}).content.decode()
        assert "72 min" not in body and "4320" not in body
        assert "rank" not in body.lower() and "leaderboard" not in body.lower()


def test_material_files_go_only_to_their_recipients(client, member, outsider, pdf_delivery, delivery):
    client.force_login(member.user)
    # a text material has no file to serve
    assert client.get(reverse("activities:material_file", args=[delivery.pk])).status_code == 404
    body = client.get(reverse("activities:material", args=[pdf_delivery.pk])).content.decode()
    assert reverse("activities:material_file", args=[pdf_delivery.pk]) in body
    assert "/media/" not in body


def test_an_image_material_is_shown_through_the_checked_view(client, member):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "PNG")
    material = StudyMaterial.objects.create(
        title="图解", kind="image", file=ContentFile(buffer.getvalue(), name="chart.png")
    )
    mine = deliver(member, material)
    client.force_login(member.user)
    body = client.get(reverse("activities:material", args=[mine.pk])).content.decode()
    assert f'src="{reverse("activities:material_file", args=[mine.pk])}"' in body
    response = client.get(reverse("activities:material_file", args=[mine.pk]))
    assert response["Content-Type"] == "image/png"


# --- query budgets --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 30])
def test_member_pages_query_counts_do_not_grow(client, member, branch_a, size, django_assert_max_num_queries):
    others = MemberFactory.create_batch(size, organization=branch_a)
    activities = [
        ActivityFactory(organization=branch_a, date=dt.date(2025 + m // 12, m % 12 + 1, 6))
        for m in range(size % 14 + 2)
    ]
    current = activities[-1]
    for n in range(size):
        material = MaterialFactory(handbook_chapter=n if n % 2 else None)
        current.materials.add(material)
        for person in [member, *others[:3]]:
            deliver(person, material, current)
    for past in activities[:-1]:
        CheckIn.objects.create(member=member, activity=past, checked_in_at=past.opens_at)
        services.close_activity(past, past.closes_at)
    one = MaterialDelivery.objects.filter(member=member).first()
    client.force_login(member.user)
    with time_machine.travel(current.opens_at + dt.timedelta(hours=10), tick=False):
        # session, user, member (with the navigation's count), then for the
        # activity pages: the activities with my outcome of each (mine only),
        # the activity (detail only), its materials with my delivery of each,
        # my check-in, my leave; study and one material read their own lists
        for url, budget in [
            (reverse("activities:mine"), 7),
            (reverse("activities:member_detail", args=[current.pk]), 7),
            (reverse("activities:study"), 7),
            (reverse("activities:material", args=[one.pk]), 5),
        ]:
            with django_assert_max_num_queries(budget):
                assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("size", [3, 40])
def test_secretary_detail_with_leaves_query_count_is_bounded(
    client, secretary, activity_a, size, django_assert_max_num_queries
):
    members = MemberFactory.create_batch(size, organization=activity_a.organization)
    for person in members[::2]:
        Leave.objects.create(member=person, activity=activity_a, reason="出差")
    client.force_login(secretary)
    with time_machine.travel(DURING, tick=False), django_assert_max_num_queries(12):
        assert client.get(reverse("activities:detail", args=[activity_a.pk])).status_code == 200
