"""The member's meetings in their phone calendar: the home list, one meeting's .ics, the private feed."""

import datetime as dt
import re

import icalendar
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.meetings import calendar
from activities.models import Activity, Attendee, CalendarFeed
from activities.tests.factories import ActivityFactory
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

ZONE = timezone.get_default_timezone()
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=ZONE)


def meeting(branch, members=(), **fields) -> Activity:
    """A meeting other than the activity day with ``members`` on its list."""
    fields.setdefault("kind", Activity.Kind.GENERAL)
    fields.setdefault("date", dt.date(2026, 12, 10))
    activity = ActivityFactory(organization=branch, **fields)
    for member in members:
        Attendee.objects.create(activity=activity, member=member)
    return activity


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def feed_url(token: str) -> str:
    return reverse("calendar:feed", args=[token])


# --- one meeting's .ics ---------------------------------------------------------------------


@time_machine.travel(NOW)
def test_the_ics_of_a_meeting_has_its_kind_theme_times_in_shanghai_place_and_link(client, member, branch_a):
    activity = meeting(
        branch_a,
        [member],
        theme="学习四中全会精神",
        starts_at=dt.time(14, 30),
        place="三楼会议室",
        online_link="https://meeting.example.com/123",
    )
    client.force_login(member.user)
    response = client.get(reverse("meetings:ics", args=[activity.pk]), headers={"accept-language": "zh-hans"})
    assert "attachment" in response["Content-Disposition"]
    (event,) = parse(response).events
    assert str(event["SUMMARY"]) == "支部党员大会 · 学习四中全会精神"
    assert event.start == dt.datetime(2026, 12, 10, 14, 30, tzinfo=ZONE)
    assert event.start.tzinfo.key == "Asia/Shanghai"
    assert event.start.astimezone(dt.UTC) == dt.datetime(2026, 12, 10, 6, 30, tzinfo=dt.UTC)
    assert event.end - event.start == calendar.DEFAULT_DURATION
    assert str(event["LOCATION"]) == "三楼会议室"
    assert str(event["URL"]) == "https://meeting.example.com/123"
    assert str(event["UID"]) == f"meeting-{activity.pk}@netbranch"
    assert event.stamp == NOW.astimezone(dt.UTC)
    assert b"BEGIN:VTIMEZONE" in response.content


@time_machine.travel(NOW)
def test_a_meeting_without_a_start_time_is_an_all_day_event_linking_to_its_page(client, member, branch_a):
    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6), theme="冬季学习")
    client.force_login(member.user)
    (event,) = parse(client.get(reverse("meetings:ics", args=[activity.pk]))).events
    assert event.start == dt.date(2026, 12, 6)
    assert event.end == dt.date(2026, 12, 7)
    assert str(event["URL"]).endswith(reverse("activities:member_detail", args=[activity.pk]))
    assert "LOCATION" not in event


@time_machine.travel(NOW)
def test_the_uid_is_the_same_in_every_download_and_in_the_feed(client, member, branch_a):
    activity = meeting(branch_a, [member])
    client.force_login(member.user)
    first = parse(client.get(reverse("meetings:ics", args=[activity.pk]))).events[0]
    second = parse(client.get(reverse("meetings:ics", args=[activity.pk]))).events[0]
    token = calendar.issue_feed(member)
    (in_feed,) = parse(Client().get(feed_url(token))).events
    assert first["UID"] == second["UID"] == in_feed["UID"]


@time_machine.travel(NOW)
def test_a_member_gets_404_for_the_ics_of_a_meeting_they_are_not_on(client, member, branch_a, branch_b):
    other = MemberFactory(organization=branch_a)
    committee_meeting = meeting(branch_a, [other], kind=Activity.Kind.COMMITTEE, theme="秘密议题")
    elsewhere = ActivityFactory(organization=branch_b, date=dt.date(2026, 12, 6))
    client.force_login(member.user)
    for activity in (committee_meeting, elsewhere):
        response = client.get(reverse("meetings:ics", args=[activity.pk]))
        assert response.status_code == 404
        assert "秘密议题".encode() not in response.content
    assert client.get(reverse("meetings:ics", args=[999999])).status_code == 404


def test_the_ics_needs_a_login_and_answers_only_get(client, member, branch_a):
    activity = meeting(branch_a, [member])
    url = reverse("meetings:ics", args=[activity.pk])
    assert client.get(url).status_code == 302
    client.force_login(member.user)
    assert client.post(url).status_code == 405


# --- the private feed -----------------------------------------------------------------------


@time_machine.travel(NOW)
def test_the_feed_lists_the_members_meetings_from_three_months_back_without_a_login(member, branch_a, branch_b):
    others_meeting = meeting(branch_a, [MemberFactory(organization=branch_a)], kind=Activity.Kind.COMMITTEE)
    mine = meeting(branch_a, [member], kind=Activity.Kind.LECTURE, theme="党课：党章", date=dt.date(2027, 3, 1))
    theme_day = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    recent = ActivityFactory(organization=branch_a, date=dt.date(2026, 10, 6))
    too_old = ActivityFactory(organization=branch_a, date=dt.date(2026, 8, 6))
    ActivityFactory(organization=branch_b, date=dt.date(2026, 12, 6))
    token = calendar.issue_feed(member)
    response = Client().get(feed_url(token))
    uids = {str(event["UID"]) for event in parse(response).events}
    assert uids == {calendar.event_uid(a) for a in (mine, theme_day, recent)}
    assert calendar.event_uid(too_old) not in uids
    assert calendar.event_uid(others_meeting) not in uids
    assert response["Cache-Control"] == "private, no-store"
    assert b"REFRESH-INTERVAL:PT6H" in response.content
    assert b"X-PUBLISHED-TTL:PT6H" in response.content


@time_machine.travel(NOW)
def test_the_feed_never_carries_other_members_names_or_phones(member, branch_a):
    host = MemberFactory(organization=branch_a, name="王主持", phone="+8613911112222")
    recorder = MemberFactory(organization=branch_a, name="李记录", phone="+8613933334444")
    neighbour = MemberFactory(organization=branch_a, name="赵同志", phone="+8613955556666")
    meeting(
        branch_a,
        [member, host, recorder, neighbour],
        host=host,
        recorder=recorder,
        lecturer="钱教授",
        agenda="赵同志发言",
        minutes="王主持讲话，李记录记录",
        outside_guests="孙来宾",
    )
    token = calendar.issue_feed(member)
    body = Client().get(feed_url(token)).content.decode()
    assert "BEGIN:VEVENT" in body
    for secret in ("王主持", "李记录", "赵同志", "钱教授", "孙来宾", "13911112222", "13933334444", "13955556666"):
        assert secret not in body
    assert member.name not in body


def test_only_a_hash_of_the_token_is_stored(member):
    token = calendar.issue_feed(member)
    feed = CalendarFeed.objects.get(member=member)
    assert len(token) >= 43
    assert feed.token_hash == calendar.hash_token(token) != token
    assert not CalendarFeed.objects.filter(token_hash__contains=token[:20]).exists()


def test_attack_guessed_tokens_open_nothing(member):
    calendar.issue_feed(member)
    client = Client()
    for guess in ("x", "a" * 43, calendar.hash_token("a"), "../" * 5, "%00", "a" * 500):
        response = client.get(reverse("calendar:feed", args=[guess]) if "/" not in guess else f"/calendar/{guess}.ics")
        assert response.status_code == 404
        assert b"VCALENDAR" not in response.content
    # The stored hash is no key either.
    stored = CalendarFeed.objects.get(member=member).token_hash
    assert client.get(feed_url(stored)).status_code == 404


def test_attack_a_reset_makes_the_old_address_useless_at_once(client, member):
    old = calendar.issue_feed(member)
    outsider = Client()
    assert outsider.get(feed_url(old)).status_code == 200
    client.force_login(member.user)
    response = client.post(reverse("meetings:calendar_reset"))
    assert response.status_code == 200
    new = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", response.content.decode()).group(1)
    assert new != old
    assert outsider.get(feed_url(old)).status_code == 404
    assert outsider.get(feed_url(new)).status_code == 200
    assert CalendarFeed.objects.filter(member=member).count() == 1


def test_attack_the_feed_of_a_member_transferred_out_or_locked_out_is_gone(member, branch_a):
    token = calendar.issue_feed(member)
    outsider = Client()
    member.state = Member.State.TRANSFERRED_OUT
    member.save(update_fields=["state"])
    assert outsider.get(feed_url(token)).status_code == 404

    other = MemberFactory(organization=branch_a, user=UserFactory())
    other_token = calendar.issue_feed(other)
    assert outsider.get(feed_url(other_token)).status_code == 200
    other.user.is_active = False
    other.user.save(update_fields=["is_active"])
    assert outsider.get(feed_url(other_token)).status_code == 404


def test_attack_one_members_token_shows_only_their_own_meetings(member, branch_a):
    neighbour = MemberFactory(organization=branch_a, user=UserFactory(), name="邻居")
    private = meeting(branch_a, [neighbour], kind=Activity.Kind.COMMITTEE, date=timezone.localdate())
    token = calendar.issue_feed(member)
    uids = {str(e["UID"]) for e in parse(Client().get(feed_url(token))).events}
    assert calendar.event_uid(private) not in uids


def test_the_feed_answers_only_get(member):
    token = calendar.issue_feed(member)
    assert Client().post(feed_url(token)).status_code == 405


@time_machine.travel(NOW)
@pytest.mark.parametrize("size", [3, 30])
def test_the_feed_costs_the_same_queries_for_3_and_30_meetings(member, branch_a, size, django_assert_num_queries):
    for n in range(size):
        meeting(branch_a, [member], date=dt.date(2026, 12, 10) + dt.timedelta(days=n), starts_at=dt.time(9))
    token = calendar.issue_feed(member)
    client = Client()
    # the token's member with their login, the meetings
    with django_assert_num_queries(2):
        assert len(parse(client.get(feed_url(token))).events) == size


# --- the page that makes the address --------------------------------------------------------


def test_the_calendar_page_shows_the_address_only_once_after_making_it(client, member):
    client.force_login(member.user)
    page = client.get(reverse("meetings:calendar"), headers={"accept-language": "zh-hans"})
    body = page.content.decode()
    assert "订阅到手机日历" in body
    assert not re.search(r"/calendar/[A-Za-z0-9_-]{43}\.ics", body)
    made = client.post(reverse("meetings:calendar_reset"), headers={"accept-language": "zh-hans"})
    assert made["Cache-Control"] == "no-store"
    text = made.content.decode()
    assert "webcal://" in text
    assert re.search(r"/calendar/[A-Za-z0-9_-]{43}\.ics", text)
    again = client.get(reverse("meetings:calendar")).content.decode()
    assert not re.search(r"/calendar/[A-Za-z0-9_-]{43}\.ics", again)
    assert reverse("meetings:calendar_reset") in again


def test_resetting_needs_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert client.post(reverse("meetings:calendar_reset")).status_code == 403
    assert not CalendarFeed.objects.filter(member=member).exists()


def test_a_transferred_out_member_cannot_make_an_address(client, member):
    member.state = Member.State.TRANSFERRED_OUT
    member.save(update_fields=["state"])
    client.force_login(member.user)
    assert client.post(reverse("meetings:calendar_reset")).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_the_me_page_and_a_meeting_page_link_to_the_calendar(client, member, branch_a):
    activity = meeting(branch_a, [member])
    client.force_login(member.user)
    me = client.get(reverse("members:me")).content.decode()
    assert reverse("meetings:calendar") in me
    detail = client.get(reverse("activities:member_detail", args=[activity.pk])).content.decode()
    assert reverse("meetings:ics", args=[activity.pk]) in detail


def test_issuing_twice_keeps_one_feed_with_the_last_token(member):
    first = calendar.issue_feed(member)
    second = calendar.issue_feed(member)
    assert CalendarFeed.objects.filter(member=member).count() == 1
    assert calendar.member_for_token(first) is None
    assert calendar.member_for_token(second) == member


# --- the home page ------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_home_lists_the_next_meetings_of_every_kind_with_links(client, member, branch_a):
    ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    lecture = meeting(branch_a, [member], kind=Activity.Kind.LECTURE, theme="党课", starts_at=dt.time(19), place="线上")
    meetings = [
        meeting(branch_a, [member], kind=Activity.Kind.COMMITTEE, date=dt.date(2026, 12, 11) + dt.timedelta(days=n))
        for n in range(6)
    ]
    past = meeting(branch_a, [member], date=dt.date(2026, 12, 1))
    not_mine = meeting(branch_a, [MemberFactory(organization=branch_a)], date=dt.date(2026, 12, 4))
    client.force_login(member.user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    (section,) = [s for s in response.context["sections"] if "meetings" in s]
    assert section["meetings"] == [lecture, *meetings[:4]]
    body = response.content.decode()
    assert "My upcoming meetings" in body
    assert "Party lecture" in body and "2026-12-10 19:00" in body and "线上" in body
    assert reverse("activities:member_detail", args=[lecture.pk]) in body
    for hidden in (past, not_mine, meetings[4]):
        assert reverse("activities:member_detail", args=[hidden.pk]) not in body


@time_machine.travel(NOW)
def test_home_shows_no_meeting_list_when_none_is_planned(client, member, branch_a):
    ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    client.force_login(member.user)
    response = client.get(reverse("home"))
    assert not [s for s in response.context["sections"] if "meetings" in s]
    assert "upcoming-meetings" not in response.content.decode()


@time_machine.travel(NOW)
@pytest.mark.parametrize("size", [2, 20])
def test_the_meeting_list_adds_no_query_to_the_home_page(client, member, branch_a, size, django_assert_max_num_queries):
    ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    for n in range(size):
        meeting(branch_a, [member], date=dt.date(2026, 12, 8) + dt.timedelta(days=n))
    client.force_login(member.user)
    # session, user, member (with its home annotations), the gatherings ahead (the activity day's card and this list)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("home"))
    assert response.status_code == 200


@time_machine.travel(NOW)
def test_the_activity_days_card_still_finds_its_day_behind_many_meetings(client, member, branch_a):
    for n in range(15):
        meeting(branch_a, [member], date=dt.date(2026, 12, 3) + dt.timedelta(days=n % 3))
    day = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    client.force_login(member.user)
    sections = client.get(reverse("home")).context["sections"]
    card = next(s for s in sections if "checkin_state" in s)
    assert card["activity"] == day
