import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from activities import services
from activities.models import Activity, Attendance, CheckIn, Leave, MaterialDelivery, StudyMaterial
from activities.tests.factories import ActivityFactory, MaterialFactory
from branches.models import Organization, Role
from branches.sweeps import run_sweep
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.models import Member
from members.tests.factories import MemberFactory
from notifications.models import Notification
from notifications.services import forget_channel_settings

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def branch():
    return OrganizationFactory(is_online=True, activity_day=6)


@pytest.fixture
def activity(branch):
    return ActivityFactory(organization=branch, date=dt.date(2026, 12, 6))


# --- planning -----------------------------------------------------------------------------


def test_plan_creates_this_and_next_months_activity_once(branch):
    other = OrganizationFactory(activity_day=28)
    GroupFactory(parent=branch)  # groups get no activity of their own
    result = services.plan_activities(dt.date(2026, 11, 24))
    assert result["planned"] == 3
    assert set(Activity.objects.values_list("organization_id", "date")) == {
        (branch.pk, dt.date(2026, 12, 6)),
        (other.pk, dt.date(2026, 11, 28)),
        (other.pk, dt.date(2026, 12, 28)),
    }
    assert services.plan_activities(dt.date(2026, 11, 24))["planned"] == 0
    assert Activity.objects.count() == 3


def test_planned_window_runs_from_midnight_to_the_end_of_day_plus_three(branch):
    services.plan_activities(dt.date(2026, 11, 24))
    activity = Activity.objects.get(organization=branch)
    assert activity.opens_at == at(2026, 12, 6)
    assert activity.closes_at == at(2026, 12, 10)
    assert activity.is_open(at(2026, 12, 9, 23, 59, 59))
    assert not activity.is_open(at(2026, 12, 10, 0, 0))
    assert not activity.is_open(at(2026, 12, 5, 23, 59, 59))


def test_plan_still_creates_an_activity_whose_window_is_open(branch):
    # Created on the 8th: the 6th has passed, but check-in runs until the 9th.
    services.plan_activities(dt.date(2026, 12, 8))
    assert set(Activity.objects.values_list("year", "month")) == {(2026, 12), (2027, 1)}


def test_plan_reaches_back_into_last_month_while_its_window_is_open(branch):
    branch.activity_day = 28
    branch.checkin_days = 5
    branch.save()
    services.plan_activities(dt.date(2027, 1, 2))
    assert set(Activity.objects.values_list("year", "month")) == {(2026, 12), (2027, 1), (2027, 2)}


def test_plan_crosses_the_year_end(branch):
    services.plan_activities(dt.date(2026, 12, 20))
    assert list(Activity.objects.values_list("year", "month")) == [(2027, 1)]


def test_activity_day_28_exists_in_february(branch):
    branch.activity_day = 28
    branch.save()
    services.plan_activities(dt.date(2027, 1, 30))
    assert Activity.objects.get(month=2).date == dt.date(2027, 2, 28)


def test_moving_one_months_date_moves_its_window_not_the_rule(activity, branch):
    activity.date = dt.date(2027, 1, 2)
    activity.full_clean()
    activity.save(update_fields=["date"])
    activity.refresh_from_db()
    assert activity.opens_at == at(2027, 1, 2)
    assert activity.closes_at == at(2027, 1, 6)
    branch.refresh_from_db()
    assert branch.activity_day == 6


def test_changing_the_branchs_check_in_days_moves_open_windows_not_closed_ones(activity, branch):
    closed = ActivityFactory(organization=branch, date=dt.date(2026, 11, 6))
    Activity.objects.filter(pk=closed.pk).update(closed_at=closed.closes_at)
    branch.checkin_days = 5
    branch.save()
    activity.refresh_from_db()
    closed.refresh_from_db()
    assert activity.closes_at == at(2026, 12, 12)
    assert closed.closes_at == at(2026, 11, 10)


def test_a_month_cannot_be_moved_far_into_another(activity):
    from django.core.exceptions import ValidationError

    activity.date = dt.date(2027, 1, 20)
    with pytest.raises(ValidationError):
        activity.full_clean()


def test_one_activity_per_branch_per_month_is_a_database_rule(activity):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(organization=activity.organization, date=dt.date(2026, 12, 20))


# --- dispatch -------------------------------------------------------------------------------


def test_dispatch_waits_for_the_morning_then_delivers_once(activity, branch):
    members = MemberFactory.create_batch(3, organization=branch)
    MemberFactory(organization=branch, state=Member.State.TRANSFERRED_OUT)
    MemberFactory()  # another branch
    materials = MaterialFactory.create_batch(2)
    activity.materials.set(materials)
    with time_machine.travel(at(2026, 12, 6, 7, 59)):
        assert services.dispatch_due(dt.date(2026, 12, 6)) == {}
    with time_machine.travel(at(2026, 12, 6, 8, 0)):
        assert services.dispatch_due(dt.date(2026, 12, 6)) == {"deliveries": 6, "activities": 1}
        assert services.dispatch_due(dt.date(2026, 12, 6)) == {}
    assert MaterialDelivery.objects.count() == 6
    assert set(MaterialDelivery.objects.values_list("member_id", flat=True)) == {m.pk for m in members}
    assert Notification.objects.filter(kind="activity_day").count() == 3
    activity.refresh_from_db()
    assert activity.dispatched_at == at(2026, 12, 6, 8, 0)


def test_dispatch_after_a_killed_worker_fills_in_without_duplicates(activity, branch):
    members = MemberFactory.create_batch(4, organization=branch)
    material = MaterialFactory()
    activity.materials.add(material)
    # A worker died after writing part of the fan-out: dispatched_at is unset.
    MaterialDelivery.objects.create(
        member=members[0], material=material, activity=activity, delivered_at=at(2026, 12, 6, 8)
    )
    with time_machine.travel(at(2026, 12, 6, 9)):
        services.dispatch_due(dt.date(2026, 12, 6))
    assert MaterialDelivery.objects.count() == 4
    assert MaterialDelivery.objects.filter(member=members[0]).count() == 1


def test_dispatch_catches_up_after_beat_was_down_for_days(activity, branch):
    MemberFactory.create_batch(2, organization=branch)
    activity.materials.add(MaterialFactory())
    with time_machine.travel(at(2026, 12, 9, 10)):
        assert services.dispatch_due(dt.date(2026, 12, 9))["deliveries"] == 2


def test_dispatch_fan_out_queries_grow_with_chunks_not_members(activity, branch, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_SIZE", 10)
    activity.materials.add(MaterialFactory())

    def queries_for(n_members: int) -> int:
        forget_channel_settings()  # each run starts with the settings cache empty
        Member.objects.all().delete()
        MaterialDelivery.objects.all().delete()
        Activity.objects.filter(pk=activity.pk).update(dispatched_at=None)
        MemberFactory.create_batch(n_members, organization=branch)
        with time_machine.travel(at(2026, 12, 6, 9)), CaptureQueriesContext(connection) as ctx:
            services.dispatch_due(dt.date(2026, 12, 6))
        return len(ctx.captured_queries)

    one, two, four = queries_for(10), queries_for(20), queries_for(40)
    per_chunk = two - one
    # Linear in chunks (not members), and a fixed handful each: read the ids,
    # write the deliveries, the inbox rows, and look up templates and robots.
    assert four - two == 2 * per_chunk
    assert per_chunk <= 6


def test_published_material_reaches_the_subtree_at_its_time(branch):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE)
    branch.parent = committee
    branch.save()
    inside = MemberFactory(organization=branch)
    outside = MemberFactory()
    material = MaterialFactory(publish_at=at(2026, 12, 1, 9))
    material.organizations.add(committee)
    with time_machine.travel(at(2026, 12, 1, 8)):
        services.dispatch_due(dt.date(2026, 12, 1))
    assert not MaterialDelivery.objects.exists()
    with time_machine.travel(at(2026, 12, 1, 9, 30)):
        assert services.dispatch_due(dt.date(2026, 12, 1))["materials"] == 1
        services.dispatch_due(dt.date(2026, 12, 1))
    assert list(MaterialDelivery.objects.values_list("member_id", flat=True)) == [inside.pk]
    assert not MaterialDelivery.objects.filter(member=outside).exists()


def test_a_failing_branch_does_not_stop_the_others(branch, monkeypatch):
    good = ActivityFactory(organization=OrganizationFactory(), date=dt.date(2026, 12, 6))
    bad = ActivityFactory(organization=branch, date=dt.date(2026, 12, 6))
    real = services.dispatch_activity

    def flaky(activity, now):
        if activity.pk == bad.pk:
            raise RuntimeError("boom")
        return real(activity, now)

    monkeypatch.setattr(services, "dispatch_activity", flaky)
    with time_machine.travel(at(2026, 12, 6, 9)):
        result = services.dispatch_due(dt.date(2026, 12, 6))
    assert result["failed"] == 1
    assert result["activities"] == 1
    good.refresh_from_db()
    assert good.dispatched_at is not None


# --- remind ---------------------------------------------------------------------------------


def test_reminders_go_three_days_before_and_on_the_morning_to_those_not_checked_in(activity, branch):
    done, on_leave, waiting = MemberFactory.create_batch(3, organization=branch)
    CheckIn.objects.create(member=done, activity=activity, checked_in_at=at(2026, 12, 6, 1))
    Leave.objects.create(member=on_leave, activity=activity, reason="出差")
    with time_machine.travel(at(2026, 12, 3, 8, 5)):
        assert services.remind_due(dt.date(2026, 12, 3)) == {"reminded": 1, "reminders": 1}
        services.remind_due(dt.date(2026, 12, 3))
    with time_machine.travel(at(2026, 12, 6, 8, 5)):
        services.remind_due(dt.date(2026, 12, 6))
    assert list(Notification.objects.filter(kind="reminder").values_list("member_id", flat=True)) == [
        waiting.pk,
        waiting.pk,
    ]


def test_a_reminder_whose_moment_has_passed_is_not_sent_late(activity, branch):
    MemberFactory(organization=branch)
    with time_machine.travel(at(2026, 12, 4, 9)):
        assert services.remind_due(dt.date(2026, 12, 4)) == {}
    assert not Notification.objects.exists()


# --- close ----------------------------------------------------------------------------------


def test_close_records_each_outcome_and_tells_secretary_and_absentees_once(activity, branch):
    secretary_role = RoleFactory(organization=branch, kind=Role.Kind.SECRETARY)
    attended, made_up, excused, declined, absent = MemberFactory.create_batch(5, organization=branch)
    CheckIn.objects.create(member=attended, activity=activity, checked_in_at=at(2026, 12, 6, 9))
    CheckIn.objects.create(member=made_up, activity=activity, checked_in_at=at(2026, 12, 8), kind=CheckIn.Kind.MAKE_UP)
    Leave.objects.create(member=excused, activity=activity, reason="井下值班", status=Leave.Status.APPROVED)
    Leave.objects.create(member=declined, activity=activity, reason="无", status=Leave.Status.DECLINED)
    with time_machine.travel(at(2026, 12, 9, 23, 59, 59)):
        assert services.close_due(dt.date(2026, 12, 9)) == {}
    with time_machine.travel(at(2026, 12, 10, 0, 15)):
        result = services.close_due(dt.date(2026, 12, 10))
        services.close_due(dt.date(2026, 12, 10))
    assert result == {"activities": 1, "attended": 1, "made_up": 1, "excused": 1, "absent": 2}
    outcomes = dict(Attendance.objects.values_list("member_id", "outcome"))
    assert outcomes == {
        attended.pk: "attended",
        made_up.pk: "made_up",
        excused.pk: "excused",
        declined.pk: "absent",
        absent.pk: "absent",
    }
    assert set(Notification.objects.filter(kind="absent").values_list("member_id", flat=True)) == {
        declined.pk,
        absent.pk,
    }
    notice = Notification.objects.get(kind="attendance")
    assert notice.user_id == secretary_role.user_id
    assert absent.name in notice.body and declined.name in notice.body


def test_the_sweep_runner_replays_a_day_through_the_registry(activity, branch):
    MemberFactory(organization=branch)
    with time_machine.travel(at(2026, 11, 24, 10)):
        result = run_sweep("close", dt.date(2026, 12, 10))
    assert result["absent"] == 1


# --- check-in -------------------------------------------------------------------------------


def test_checkin_is_once_whatever_the_taps(activity, branch):
    member = MemberFactory(organization=branch)
    first, created = services.perform_checkin(member, activity, now=at(2026, 12, 6, 9), nonce="a")
    again, created_again = services.perform_checkin(member, activity, now=at(2026, 12, 6, 9, 0, 1), nonce="a")
    assert created and not created_again
    assert again.pk == first.pk
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    ("moment", "code"),
    [((2026, 12, 5, 23, 59, 59), "not_open"), ((2026, 12, 10, 0, 0, 0), "closed")],
)
def test_checkin_outside_the_window_is_refused(activity, branch, moment, code):
    member = MemberFactory(organization=branch)
    with pytest.raises(services.CheckInError) as exc:
        services.perform_checkin(member, activity, now=at(*moment))
    assert exc.value.code == code
    assert not CheckIn.objects.exists()


def test_checkin_at_the_last_second_of_the_window_counts(activity, branch):
    member = MemberFactory(organization=branch)
    _, created = services.perform_checkin(member, activity, now=at(2026, 12, 9, 23, 59, 59))
    assert created


def test_a_member_of_another_branch_cannot_check_in(activity):
    with pytest.raises(services.CheckInError) as exc:
        services.perform_checkin(MemberFactory(), activity, now=at(2026, 12, 6, 9))
    assert exc.value.code == "not_member"


def test_make_up_after_the_close_turns_absent_into_made_up(activity, branch):
    member = MemberFactory(organization=branch)
    with time_machine.travel(at(2026, 12, 10, 1)):
        services.close_due(dt.date(2026, 12, 10))
    activity.refresh_from_db()
    with pytest.raises(services.CheckInError):
        services.perform_checkin(member, activity, now=at(2026, 12, 12), kind=CheckIn.Kind.MAKE_UP)
    services.perform_checkin(member, activity, now=at(2026, 12, 12), kind=CheckIn.Kind.MAKE_UP, note="学习了全会公报")
    assert Attendance.objects.get(member=member).outcome == "made_up"


def test_shanghai_midnight_not_utc_decides_the_day(branch):
    # 16:30 UTC on 5 December is 00:30 on 6 December in Asia/Shanghai.
    with time_machine.travel(dt.datetime(2026, 12, 5, 16, 30, tzinfo=dt.UTC)):
        from django.utils import timezone

        services.plan_activities(timezone.localdate())
        activity = Activity.objects.get(organization=branch, month=12)
        member = MemberFactory(organization=branch)
        _, created = services.perform_checkin(member, activity)
    assert created


# --- counts are rows written ------------------------------------------------------------------


def test_a_dispatch_rerun_reports_no_deliveries_and_writes_none(activity, branch):
    MemberFactory.create_batch(3, organization=branch)
    activity.materials.set(MaterialFactory.create_batch(2))
    with time_machine.travel(at(2026, 12, 6, 9)):
        assert services.dispatch_due(dt.date(2026, 12, 6)) == {"deliveries": 6, "activities": 1}
        # As if the first run died before marking the activity dispatched.
        Activity.objects.filter(pk=activity.pk).update(dispatched_at=None)
        notices = Notification.objects.count()
        assert services.dispatch_due(dt.date(2026, 12, 6)) == {"deliveries": 0, "activities": 1}
    assert MaterialDelivery.objects.count() == 6
    assert Notification.objects.count() == notices


def test_a_dispatch_with_part_of_the_deliveries_present_reports_only_the_new_ones(activity, branch):
    members = MemberFactory.create_batch(4, organization=branch)
    material = MaterialFactory()
    activity.materials.add(material)
    for member in members[:3]:
        MaterialDelivery.objects.create(
            member=member, material=material, activity=activity, delivered_at=at(2026, 12, 6, 8)
        )
    with time_machine.travel(at(2026, 12, 6, 9)):
        assert services.dispatch_due(dt.date(2026, 12, 6))["deliveries"] == 1
    assert MaterialDelivery.objects.count() == 4


def test_a_published_material_dispatched_again_reports_no_deliveries(branch):
    MemberFactory.create_batch(2, organization=branch)
    material = MaterialFactory(publish_at=at(2026, 12, 1, 9))
    material.organizations.add(branch)
    with time_machine.travel(at(2026, 12, 1, 9, 30)):
        assert services.dispatch_due(dt.date(2026, 12, 1)) == {"deliveries": 2, "materials": 1}
        StudyMaterial.objects.filter(pk=material.pk).update(dispatched_at=None)
        assert services.dispatch_due(dt.date(2026, 12, 1)) == {"deliveries": 0, "materials": 1}
    assert MaterialDelivery.objects.count() == 2


def test_a_remind_rerun_reports_zero_and_writes_nothing(activity, branch):
    MemberFactory.create_batch(3, organization=branch)
    with time_machine.travel(at(2026, 12, 3, 8, 5)):
        assert services.remind_due(dt.date(2026, 12, 3)) == {"reminded": 3, "reminders": 1}
        assert services.remind_due(dt.date(2026, 12, 3)) == {"reminded": 0, "reminders": 0}
    assert Notification.objects.filter(kind="reminder").count() == 3


def test_a_remind_with_some_members_already_reminded_reports_only_the_new_ones(activity, branch):
    first, *others = MemberFactory.create_batch(3, organization=branch)
    with time_machine.travel(at(2026, 12, 3, 8, 5)):
        services.notify_members(
            [first.pk], services.Notice(kind="reminder", title="t"), key=f"remind:{activity.pk}:3:{{member}}"
        )
        assert services.remind_due(dt.date(2026, 12, 3)) == {"reminded": 2, "reminders": 1}
    assert Notification.objects.filter(kind="reminder").count() == 3


def test_a_close_rerun_reports_no_outcomes_and_writes_none(activity, branch):
    attended, absent = MemberFactory.create_batch(2, organization=branch)
    CheckIn.objects.create(member=attended, activity=activity, checked_in_at=at(2026, 12, 6, 9))
    with time_machine.travel(at(2026, 12, 10, 0, 15)):
        assert services.close_due(dt.date(2026, 12, 10)) == {"activities": 1, "attended": 1, "absent": 1}
        # As if the first run died before marking the activity closed.
        Activity.objects.filter(pk=activity.pk).update(closed_at=None)
        assert services.close_due(dt.date(2026, 12, 10)) == {"activities": 1}
    assert Attendance.objects.count() == 2


def test_a_close_with_part_of_the_attendance_present_reports_only_the_new_rows(activity, branch):
    RoleFactory(organization=branch, kind=Role.Kind.SECRETARY)
    members = MemberFactory.create_batch(3, organization=branch)
    Attendance.objects.create(member=members[0], activity=activity, outcome="absent", recorded_at=at(2026, 12, 10))
    with time_machine.travel(at(2026, 12, 10, 0, 15)):
        assert services.close_due(dt.date(2026, 12, 10)) == {"activities": 1, "absent": 2}
    assert Attendance.objects.count() == 3
    # The secretaries still hear of the whole branch, not only of this run's rows.
    assert "缺席 3 人" in Notification.objects.get(kind="attendance").body


def test_a_plan_racing_another_reports_only_the_activities_it_wrote(branch, monkeypatch):
    other = OrganizationFactory(activity_day=28)
    real_window = Activity.window
    raced = []

    def window_after_the_other_sweep_wrote(self):
        if not raced:
            # Another plan sweep commits this branch's December activity
            # after ours read what exists and before ours writes.
            raced.append(True)
            ActivityFactory(organization=branch, date=dt.date(2026, 12, 6))
        return real_window(self)

    monkeypatch.setattr(Activity, "window", window_after_the_other_sweep_wrote)
    result = services.plan_activities(dt.date(2026, 11, 24))
    assert result == {"branches": 2, "planned": 2}
    assert Activity.objects.filter(organization=other).count() == 2
    assert Activity.objects.count() == 3


# --- a late dispatch tells the truth on the day it is sent -------------------------------------


def _dispatch_late_at(activity, branch, moment):
    MemberFactory.create_batch(2, organization=branch)
    activity.materials.add(MaterialFactory())
    with time_machine.travel(moment, tick=False):
        result = services.dispatch_due(dt.date(moment.year, moment.month, moment.day))
    assert result["deliveries"] == 2
    assert MaterialDelivery.objects.count() == 2
    return list(Notification.objects.filter(kind="activity_day"))


def test_dispatch_on_the_activity_day_says_today(activity, branch):
    notices = _dispatch_late_at(activity, branch, at(2026, 12, 6, 8, 0))
    assert len(notices) == 2
    assert all(n.title.startswith("今天是统一活动日") for n in notices)
    assert all("请在 2026-12-10 00:00 前签到" in n.body for n in notices)


def test_a_late_dispatch_within_the_window_names_the_day_and_not_today(activity, branch):
    # Beat was down on the 6th; the window runs until the end of the 9th.
    notices = _dispatch_late_at(activity, branch, at(2026, 12, 8, 10, 0))
    assert len(notices) == 2
    for notice in notices:
        assert "今天" not in notice.title
        assert "2026-12-06" in notice.title
        assert "请在 2026-12-10 00:00 前签到" in notice.body


def test_a_late_dispatch_within_the_window_names_the_day_in_english_too(activity, branch, settings):
    settings.LANGUAGE_CODE = "en"
    MemberFactory(organization=branch)
    with translation.override("en"), time_machine.travel(at(2026, 12, 7, 9, 0), tick=False):
        services.dispatch_due(dt.date(2026, 12, 7))
    notice = Notification.objects.get(kind="activity_day")
    assert "Today" not in notice.title and "today" not in notice.title
    assert "2026-12-06" in notice.title
    assert "Check in before 2026-12-10 00:00" in notice.body


def test_a_dispatch_after_the_window_closed_delivers_the_material_without_a_check_in_notice(activity, branch):
    # Beat came back on the 11th: the window closed at 00:00 on the 10th.
    notices = _dispatch_late_at(activity, branch, at(2026, 12, 11, 10, 0))
    assert notices == []
    assert not Notification.objects.filter(body__contains="前签到").exists()
    # The close sweep, run right after, is what tells the absentees.
    with time_machine.travel(at(2026, 12, 11, 10, 0, 1), tick=False):
        services.close_due(dt.date(2026, 12, 11))
    assert Notification.objects.filter(kind="absent").count() == 2


def test_a_replayed_past_day_is_worded_for_the_day_it_is_sent(activity, branch):
    # An operator replays the 6th on the 8th: the members read it on the 8th.
    MemberFactory(organization=branch)
    activity.materials.add(MaterialFactory())
    with time_machine.travel(at(2026, 12, 8, 10, 0), tick=False):
        services.dispatch_due(dt.date(2026, 12, 6))
    notice = Notification.objects.get(kind="activity_day")
    assert "今天" not in notice.title and "2026-12-06" in notice.title
