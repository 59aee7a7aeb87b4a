"""The ``life_warnings`` sweep: three months silent raise a talk, six a case, once per silent spell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from activities.models import Activity, Attendance, CheckIn, Leave, Report
from activities.tests.factories import ActivityFactory
from branches.sweeps import REGISTRY, run_sweep
from dues.models import Payment
from itinerant import warnings_
from itinerant.models import LifeWarning, MoveReport
from itinerant.tests.permit_helpers import World, build_world, make_permit, months_later
from members.models import Contact, Member
from members.tests.factories import MemberFactory
from notifications import wordings
from notifications.models import Notification

pytestmark = pytest.mark.django_db
Level = LifeWarning.Level


@pytest.fixture
def world(db) -> World:
    return build_world()


def sweep(today: dt.date) -> dict:
    return run_sweep("life_warnings", today)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())


def warnings_of(member: Member) -> list[tuple[str, dt.date]]:
    return list(LifeWarning.objects.filter(member=member).order_by("since", "level").values_list("level", "since"))


def keep_alive(*members: Member, on: dt.date) -> None:
    for member in members:
        Contact.objects.create(member=member, at=at(on), note="电话联系")


def test_the_sweep_is_registered_and_beat_runs_it_each_morning():
    assert "life_warnings" in REGISTRY
    entry = settings.CELERY_BEAT_SCHEDULE["life_warnings"]
    assert entry["args"] == ["life_warnings"]
    # Before the managers' digest, which counts the new warnings.
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {50}


def test_nobody_is_warned_before_three_months(world):
    assert sweep(months_later(3, days=-1)) == {"talk": 0, "case": 0, "notices": 0}
    assert not LifeWarning.objects.exists()


def test_three_months_without_a_sign_raise_a_talk_once(world):
    today = months_later(3)
    result = sweep(today)
    # bob, carol and the other branch's member were put on the roster today and never heard of since.
    assert result["talk"] == 3 and result["case"] == 0
    joined = timezone.localdate()
    assert warnings_of(world.bob) == [(Level.TALK, joined)]
    warning = LifeWarning.objects.get(member=world.bob)
    assert warning.raised_on == today
    assert warning.signs == {"start": joined.isoformat()}
    assert sweep(today) == {"talk": 0, "case": 0, "notices": 0}
    assert sweep(today + dt.timedelta(days=10)) == {"talk": 0, "case": 0, "notices": 0}
    assert LifeWarning.objects.count() == 3


def test_six_months_raise_the_case_of_the_same_spell(world):
    sweep(months_later(3))
    result = sweep(months_later(6))
    assert result["case"] == 3 and result["talk"] == 0
    joined = timezone.localdate()
    assert warnings_of(world.bob) == [(Level.CASE, joined), (Level.TALK, joined)]
    assert sweep(months_later(7))["case"] == 0


def test_a_member_first_seen_at_six_months_gets_the_case_only(world):
    sweep(months_later(7))
    assert warnings_of(world.bob) == [(Level.CASE, timezone.localdate())]
    # Nothing is owed at three months any more: the case is what is due.
    assert sweep(months_later(8)) == {"talk": 0, "case": 0, "notices": 0}


def test_a_sign_of_life_ends_the_spell_and_a_new_silence_is_a_new_spell(world):
    sweep(months_later(3))
    comeback = months_later(4)
    keep_alive(world.bob, on=comeback)
    assert sweep(months_later(6))["case"] == 2  # carol and the other branch's member; bob spoke up
    assert warnings_of(world.bob) == [(Level.TALK, timezone.localdate())]
    sweep(months_later(7))
    assert warnings_of(world.bob) == [(Level.TALK, timezone.localdate()), (Level.TALK, comeback)]
    assert LifeWarning.objects.get(member=world.bob, since=comeback).signs["contact"] == comeback.isoformat()


def _activity(member, day):
    # One activity per branch and month.
    found = Activity.objects.filter(organization=member.organization, year=day.year, month=day.month).first()
    return found or ActivityFactory(organization=member.organization, date=day)


def _meeting(member, day, outcome):
    activity = _activity(member, day)
    Attendance.objects.create(member=member, activity=activity, outcome=outcome, recorded_at=at(day))


def _checkin(member, day, kind=CheckIn.Kind.ON_TIME):
    activity = _activity(member, day)
    CheckIn.objects.create(member=member, activity=activity, checked_in_at=at(day, 23), kind=kind)


def _leave(member, day, status=Leave.Status.APPROVED):
    activity = _activity(member, day)
    Leave.objects.create(member=member, activity=activity, reason="井下倒班", status=status)


def _payment(member, day, status=Payment.Status.CONFIRMED):
    month = day.replace(day=1)
    Payment.objects.create(
        member=member,
        organization=member.organization,
        first_month=month,
        last_month=month,
        amount_fen=2000,
        paid_on=day,
        status=status,
        entered_at=at(day),
    )


def _report(member, day):
    report = Report.objects.create(member=member, title="思想汇报", body="本季度思想、工作和学习情况")
    Report.objects.filter(pk=report.pk).update(submitted_at=at(day))


def _move(member, day, status=MoveReport.Status.CONFIRMED):
    MoveReport.objects.create(
        member=member,
        kind=MoveReport.Kind.LOCATION,
        city="义乌",
        submitted_at=at(day),
        status=status,
        decided_at=at(day),
    )


SIGNS = {
    "meeting": lambda m, d: _meeting(m, d, Attendance.Outcome.ATTENDED),
    "made_up": lambda m, d: _meeting(m, d, Attendance.Outcome.MADE_UP),
    "checkin": _checkin,
    "make_up_checkin": lambda m, d: _checkin(m, d, CheckIn.Kind.MAKE_UP),
    "leave": _leave,
    "dues": _payment,
    "report": _report,
    "contact": lambda m, d: keep_alive(m, on=d),
    "move": _move,
}
KIND_OF = {"made_up": "meeting", "make_up_checkin": "checkin"}


@pytest.mark.parametrize("sign", list(SIGNS))
def test_each_sign_of_life_counts_from_its_date(world, sign):
    day = months_later(2)
    SIGNS[sign](world.bob, day)
    today = months_later(4)
    sweep(today)
    assert warnings_of(world.bob) == []
    assert warnings_of(world.carol) == [(Level.TALK, timezone.localdate())]
    # Three months after the sign, the talk is due, dated from it.
    later = months_later(5)
    sweep(later)
    assert warnings_of(world.bob) == [(Level.TALK, day)]
    assert LifeWarning.objects.get(member=world.bob).signs[KIND_OF.get(sign, sign)] == day.isoformat()


NOT_SIGNS = {
    "absent": lambda m, d: _meeting(m, d, Attendance.Outcome.ABSENT),
    "leave_declined": lambda m, d: _leave(m, d, Leave.Status.DECLINED),
    "leave_pending": lambda m, d: _leave(m, d, Leave.Status.PENDING),
    "dues_reported": lambda m, d: _payment(m, d, Payment.Status.REPORTED),
    "dues_rejected": lambda m, d: _payment(m, d, Payment.Status.REJECTED),
    "move_pending": lambda m, d: _move(m, d, MoveReport.Status.PENDING),
    "move_asked_again": lambda m, d: _move(m, d, MoveReport.Status.ASKED_AGAIN),
}


@pytest.mark.parametrize("record", list(NOT_SIGNS))
def test_records_that_are_no_sign_of_life_do_not_count(world, record):
    NOT_SIGNS[record](world.bob, months_later(2))
    sweep(months_later(4))
    assert warnings_of(world.bob) == [(Level.TALK, timezone.localdate())]


def test_approved_leave_excuses_the_month_of_its_activity(world):
    activity_day = months_later(2)
    _leave(world.bob, activity_day)
    sweep(months_later(5, days=-1))
    assert warnings_of(world.bob) == []
    sweep(months_later(5))
    assert warnings_of(world.bob) == [(Level.TALK, activity_day)]


def test_a_permit_held_with_a_host_and_checked_within_six_months_holds_off_the_warning(world):
    make_permit(world.bob, checked_on=None)  # issued today: counts from its issue
    make_permit(world.carol, host_name="")  # nowhere to take part: no cover
    sweep(months_later(5))
    assert warnings_of(world.bob) == []
    assert warnings_of(world.carol) == [(Level.TALK, timezone.localdate())]
    # Six months after its last check the permit covers nothing any more; the silence dates from joining.
    sweep(months_later(6, days=1))
    assert warnings_of(world.bob) == [(Level.CASE, timezone.localdate())]
    assert LifeWarning.objects.get(member=world.bob).signs["permit"] == timezone.localdate().isoformat()


def test_a_permit_checked_again_keeps_covering_and_a_returned_one_does_not(world):
    permit = make_permit(world.bob, host_organization=world.other_branch, host_name="")
    sweep(months_later(5))
    permit.checked_on = months_later(5)
    permit.save()
    sweep(months_later(9))
    assert warnings_of(world.bob) == []
    permit.returned_on = months_later(9)
    permit.save()
    sweep(months_later(9))
    assert warnings_of(world.bob) == [(Level.CASE, timezone.localdate())]


def test_former_members_are_not_warned(world):
    Member.objects.filter(pk=world.bob.pk).update(state=Member.State.TRANSFERRED_OUT)
    sweep(months_later(7))
    assert warnings_of(world.bob) == []


# --- Who is told -----------------------------------------------------------------------------


def notices_to(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=warnings_.NOTICE_KIND).order_by("key"))


def test_a_talk_goes_to_the_branchs_roster_keepers_once(world):
    keep_alive(world.carol, world.outsider, on=months_later(2))
    result = sweep(months_later(3))
    assert result == {"talk": 1, "case": 0, "notices": 2}
    warning = LifeWarning.objects.get(member=world.bob)
    for user in (world.secretary, world.organizer):
        (notice,) = notices_to(user)
        assert notice.key == f"life_warning:{warning.pk}:{user.pk}"
        assert notice.url.endswith("/itinerant/warnings/?level=talk")
        assert notice.message == {
            "wording": "life_warning",
            "params": {"name": "王建军", "level": "talk", "since": timezone.localdate().isoformat()},
        }
    for user in (world.group_leader, world.committee_secretary, world.other_secretary):
        assert notices_to(user) == []
    # The member is never told, nor anyone else on the roster.
    assert not Notification.objects.filter(member__isnull=False).exists()
    sweep(months_later(3))
    assert Notification.objects.filter(kind=warnings_.NOTICE_KIND).count() == 2


def test_a_case_also_goes_to_the_committee_above(world):
    keep_alive(world.carol, world.outsider, on=months_later(4))
    sweep(months_later(6))
    assert [len(notices_to(u)) for u in (world.secretary, world.organizer, world.committee_secretary)] == [1, 1, 1]
    assert notices_to(world.other_secretary) == []
    assert notices_to(world.committee_secretary)[0].url.endswith("?level=case")


def test_the_notice_is_stored_in_the_site_language_and_read_in_the_readers(world):
    keep_alive(world.carol, world.outsider, on=months_later(2))
    sweep(months_later(3))
    notice = notices_to(world.secretary)[0]
    since = timezone.localdate().isoformat()
    with translation.override(settings.LANGUAGE_CODE):
        expected = warnings_.wording({"name": "王建军", "level": "talk", "since": since})
    assert (notice.title, notice.body) == expected
    assert "王建军" in notice.title and since in notice.body
    with translation.override("en"):
        assert wordings.render(notice.message) == (
            "A talk is due: 王建军",
            f"王建军 has shown no sign of organizational life, dues, reports or contact since {since}: three "
            "months. A talk with the member is due.",
        )


# --- Set-based ------------------------------------------------------------------------------


def _queries(today: dt.date) -> int:
    with CaptureQueriesContext(connection) as captured:
        warnings_.raise_warnings(today)
    return len(captured)


@pytest.mark.parametrize("replay", [False, True])
def test_the_sweep_costs_the_same_queries_for_5_and_50_members(world, replay):
    counts = []
    # The first run on a connection may ask the database what it supports (SQLite's JSON): not counted.
    for size in (5, 5, 50):
        LifeWarning.objects.all().delete()
        Member.objects.exclude(pk__in=[world.bob.pk, world.carol.pk, world.outsider.pk]).delete()
        for n in range(size):
            member = MemberFactory(organization=world.branch)
            SIGNS[["dues", "checkin", "report", "contact", "leave"][n % 5]](member, months_later(1))
        today = months_later(5)
        if replay:
            warnings_.raise_warnings(today)
        counts.append(_queries(today))
    assert counts[1] == counts[2]
    # Cold: the select, the warnings, a notice per level and audience (and the savepoint around them).
    assert counts[2] == (1 if replay else 7)
