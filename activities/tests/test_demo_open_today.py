"""``manage.py demo_open_today``: whoever tries the demo can check in, whatever the day of the month."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from activities import demo as activity_demo
from activities.models import Activity, Attendance, CheckIn
from activities.services import close_due
from branches.models import Organization
from members import demo as member_demo
from members.models import Member

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def seed(day: dt.date) -> Organization:
    with at(day):
        call_command("seed_demo", "--force", stdout=StringIO())
    return Organization.objects.get(code=member_demo.ONLINE_BRANCH_CODE)


def open_today(day: dt.date, hour: int = 10) -> str:
    out = StringIO()
    with at(day, hour):
        call_command("demo_open_today", "--force", stdout=out)
    return out.getvalue()


def demo_member() -> Member:
    """The demo login of a plain member of the online branch."""
    return Member.objects.get(organization__code=member_demo.ONLINE_BRANCH_CODE, user__isnull=False, user__roles=None)


def test_on_the_20th_the_demo_activity_is_open_and_the_member_checks_in(client):
    day = dt.date(2026, 11, 20)  # the 6th's window closed long ago
    branch = seed(day)
    assert not Activity.objects.filter(organization=branch, kind="theme_day", year=2026, month=11).exists()

    output = open_today(day)

    activity = Activity.objects.get(organization=branch, kind="theme_day", year=2026, month=11)
    assert activity.date == day and activity.theme
    assert activity.materials.exists()
    with at(day, 10):
        assert activity.is_open(timezone.now())
    with at(day, 23):
        assert activity.is_open(timezone.now())
    assert activity.theme in output
    member = demo_member()
    client.force_login(member.user)
    with at(day, 11):
        page = client.get(reverse("activities:mine"))
        response = client.post(reverse("activities:checkin", args=[activity.pk]), {"nonce": "demo-tap"}, follow=True)
    assert reverse("activities:checkin", args=[activity.pk]) in page.content.decode()
    assert response.status_code == 200
    assert CheckIn.objects.filter(member=member, activity=activity, kind=CheckIn.Kind.ON_TIME).exists()


def test_an_activity_already_closed_this_month_is_opened_again():
    branch = seed(dt.date(2026, 12, 2))
    december = Activity.objects.get(organization=branch, kind="theme_day", year=2026, month=12)
    with at(dt.date(2026, 12, 15), 1):
        close_due(dt.date(2026, 12, 15))
    december.refresh_from_db()
    assert december.closed_at and Attendance.objects.filter(activity=december).exists()

    open_today(dt.date(2026, 12, 20))

    december.refresh_from_db()
    assert (december.date, december.closed_at) == (dt.date(2026, 12, 20), None)
    assert not Attendance.objects.filter(activity=december).exists()
    with at(dt.date(2026, 12, 20), 12):
        assert december.is_open(timezone.now())
    assert Activity.objects.filter(organization=branch, kind="theme_day", year=2026, month=12).count() == 1


def test_running_it_twice_a_day_changes_nothing_the_second_time():
    branch = seed(dt.date(2026, 11, 20))
    open_today(dt.date(2026, 11, 20), 9)
    first = Activity.objects.get(organization=branch, kind="theme_day", year=2026, month=11)
    open_today(dt.date(2026, 11, 20), 15)
    again = Activity.objects.get(organization=branch, kind="theme_day", year=2026, month=11)
    assert (again.pk, again.date, again.opens_at, again.closes_at) == (
        first.pk,
        first.date,
        first.opens_at,
        first.closes_at,
    )


def test_it_needs_the_demo_branch():
    with pytest.raises(CommandError, match="seed_demo"):
        open_today(dt.date(2026, 11, 20))


def test_it_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_open_today", stdout=StringIO())
    assert activity_demo.open_today() is None  # the service itself has no guard; nothing to move here
