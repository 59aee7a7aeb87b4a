"""The arrears reminder: one notice a month per member in arrears, worded for the reader, never twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from branches import sweeps
from dues import reminders, services
from dues.models import Payment
from dues.tests.member_helpers import SHANGHAI, TODAY, month, salary_from
from members.models import Member
from members.tests.factories import MemberFactory
from notifications.models import BranchChannels, Channel, Delivery, MemberChannels, Notification

pytestmark = pytest.mark.django_db
MORNING = dt.datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _morning(time_machine):
    time_machine.move_to(MORNING, tick=False)


def arrears_notices():
    return Notification.objects.filter(kind=reminders.KIND)


def test_a_member_in_arrears_is_told_the_months_and_amount_once_a_month(member):
    salary_from(member, month(3))
    assert sweeps.run_sweep("dues_reminders", TODAY) == {"reminded": 1}
    (notice,) = arrears_notices()
    assert notice.member_id == member.pk
    assert notice.key == f"dues-arrears:{member.pk}:2026-06"
    assert notice.url == "/dues/mine/"
    assert notice.message["params"] == {"count": 3, "months": ["2026-03", "2026-04", "2026-05"], "amount_fen": 12000}
    # The stored copy is in the site's language (what SMS carries); the inbox words it for the reader.
    assert "2026-03, 2026-04, 2026-05" in notice.body and "120.00" in notice.body
    with translation.override("en"):
        assert notice.shown_title == "Party dues outstanding for 3 months"
        assert "120.00 yuan in all" in notice.shown_body
        assert "report the payment on the site" in notice.shown_body and "through your branch" in notice.shown_body
    with translation.override("zh-hans"):
        assert "欠交" in Notification.objects.get(pk=notice.pk).shown_title


def test_a_replayed_day_and_later_days_of_the_month_send_nothing_twice(member, time_machine):
    salary_from(member, month(5))
    assert sweeps.run_sweep("dues_reminders", TODAY)["reminded"] == 1
    assert sweeps.run_sweep("dues_reminders", TODAY)["reminded"] == 0
    time_machine.move_to(dt.datetime(2026, 6, 20, 9, 0, tzinfo=SHANGHAI), tick=False)
    assert sweeps.run_sweep("dues_reminders", dt.date(2026, 6, 20))["reminded"] == 0
    assert arrears_notices().count() == 1
    assert Delivery.objects.filter(notification__kind=reminders.KIND, channel=Channel.SMS).count() == 1
    # Next month, still unpaid: one more.
    time_machine.move_to(dt.datetime(2026, 7, 2, 9, 0, tzinfo=SHANGHAI), tick=False)
    services.write_due_months(dt.date(2026, 7, 2))
    assert sweeps.run_sweep("dues_reminders", dt.date(2026, 7, 2))["reminded"] == 1
    assert arrears_notices().get(key__endswith=":2026-07").message["params"]["count"] == 2


def test_nobody_without_arrears_is_reminded(member, branch_a):
    salary_from(member, month(6))  # this month only: not arrears yet
    paid = MemberFactory(organization=branch_a)
    salary_from(paid, month(4))
    services.record_payment(
        paid, first_month=month(4), last_month=month(5), amount_fen=8000, paid_on=TODAY, today=TODAY
    )
    former = MemberFactory(organization=branch_a)
    salary_from(former, month(4))
    Member.objects.filter(pk=former.pk).update(state=Member.State.TRANSFERRED_OUT)
    assert reminders.send_arrears_reminders(TODAY) == {"reminded": 0}
    assert not arrears_notices().exists()


def test_a_member_whose_reported_payment_covers_the_months_is_not_reminded(member, branch_a):
    salary_from(member, month(4))
    services.report_payment(member, first_month=month(4), last_month=month(6), amount_fen=12000, paid_on=TODAY)
    partly = MemberFactory(organization=branch_a)
    salary_from(partly, month(3))
    services.report_payment(partly, first_month=month(3), last_month=month(4), amount_fen=8000, paid_on=TODAY)
    assert reminders.send_arrears_reminders(TODAY) == {"reminded": 1}
    # Only the month no report covers is owed.
    (notice,) = arrears_notices()
    assert notice.member_id == partly.pk
    assert notice.message["params"]["months"] == ["2026-05"]


def test_a_refused_report_does_not_hold_the_reminder_back(member, secretary):
    salary_from(member, month(5))
    payment = services.report_payment(member, first_month=month(5), last_month=month(5), amount_fen=4000, paid_on=TODAY)
    services.decide_payment(payment, accept=False, by=secretary, note="金额不符", today=TODAY)
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REJECTED
    assert reminders.send_arrears_reminders(TODAY) == {"reminded": 1}


def test_texts_follow_the_member_and_branch_switches_and_wait_for_quiet_hours(member, branch_a, time_machine):
    others = MemberFactory.create_batch(2, organization=branch_a)
    for someone in (member, *others):
        salary_from(someone, month(5))
    MemberChannels.objects.create(member=others[0], sms=False)
    BranchChannels.objects.create(organization=branch_a, quiet_from=dt.time(8, 0), quiet_until=dt.time(10, 0))
    reminders.send_arrears_reminders(TODAY)
    texts = Delivery.objects.filter(notification__kind=reminders.KIND, channel=Channel.SMS)
    assert sorted(texts.values_list("notification__member_id", flat=True)) == sorted([member.pk, others[1].pk])
    assert {delivery.due_at for delivery in texts} == {dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)}


def test_the_fan_out_is_set_based(branch_a, django_assert_max_num_queries):
    members = MemberFactory.create_batch(30, organization=branch_a)
    for n, someone in enumerate(members):
        # Different incomes and months: every notice says something of its own.
        salary_from(someone, month(1 + n % 5), income_fen=300000 + 1000 * n)
    # the members' arrears, the keys present, the inbox rows, the branches' switches, the texts, the emails
    with django_assert_max_num_queries(6):
        assert reminders.send_arrears_reminders(TODAY) == {"reminded": 30}
    assert arrears_notices().count() == 30
    amounts = set(arrears_notices().values_list("body", flat=True))
    assert len(amounts) == 30


def test_beat_runs_the_reminder_sweep_in_the_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dues_reminders"]
    assert entry["task"] == "branches.tasks.run_sweep"
    assert entry["args"] == ["dues_reminders"]
    assert entry["schedule"].hour == {9}
    assert "dues_reminders" in sweeps.REGISTRY
