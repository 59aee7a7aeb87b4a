"""The yearly report on life away: a report kind for itinerant members, due by 31 December, reminded in December."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from activities.models import Report
from activities.reports import away_report_due, remind_away_reports
from branches.sweeps import REGISTRY
from members.models import Member
from members.tests.factories import MemberFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 2)


def away_report(member, on: dt.datetime) -> Report:
    report = Report.objects.create(member=member, kind=Report.Kind.AWAY, title="外出期间情况", body="坚持学习。")
    Report.objects.filter(pk=report.pk).update(submitted_at=on)
    return report


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_default_timezone())


def test_an_itinerant_member_owes_this_years_report_by_31_december(member):
    assert away_report_due(member, dt.date(2026, 5, 3)) == dt.date(2026, 12, 31)


def test_once_this_years_is_in_next_years_is_due(member):
    away_report(member, at(dt.date(2026, 3, 1)))
    assert away_report_due(member, dt.date(2026, 5, 3)) == dt.date(2027, 12, 31)


def test_last_years_report_does_not_count_for_this_year(member):
    away_report(member, at(dt.date(2025, 12, 30)))
    assert away_report_due(member, dt.date(2026, 1, 5)) == dt.date(2026, 12, 31)


def test_a_thought_report_is_not_the_report_on_life_away(member):
    Report.objects.create(member=member, kind=Report.Kind.THOUGHT, title="思想汇报", body="……")
    assert away_report_due(member, timezone.localdate()) == dt.date(timezone.localdate().year, 12, 31)


def test_a_member_at_home_owes_no_report_on_life_away(member):
    member.is_itinerant = False
    assert away_report_due(member, DECEMBER) is None


# --- The reminder sweep ---------------------------------------------------------------------


def test_the_sweep_is_registered():
    assert "away_reports" in REGISTRY


def test_in_december_itinerant_members_without_this_years_report_are_reminded(branch_a):
    owing = MemberFactory(organization=branch_a, is_itinerant=True)
    sent = MemberFactory(organization=branch_a, is_itinerant=True)
    away_report(sent, at(dt.date(2026, 7, 1)))
    home = MemberFactory(organization=branch_a, is_itinerant=False)
    gone = MemberFactory(
        organization=branch_a, is_itinerant=True, state=Member.State.TRANSFERRED_OUT, transferred_out_on=DECEMBER
    )
    just_left = MemberFactory(organization=branch_a, is_itinerant=True, left_home_on=dt.date(2026, 12, 1))
    assert remind_away_reports(DECEMBER) == {"reminded": 1}
    reminded = set(Notification.objects.filter(kind="away_report").values_list("member_id", flat=True))
    assert reminded == {owing.pk}
    assert not {sent.pk, home.pk, gone.pk, just_left.pk} & reminded
    notice = Notification.objects.get(member=owing)
    assert notice.key == f"away-report:2026:{owing.pk}"
    assert notice.url == reverse("reports:mine") + "?kind=away"
    # The inbox words a notice in the reader's language: read it as a reader of the default language.
    with translation.override("zh-hans"):
        assert notice.shown_title == "请提交2026年外出期间情况报告"
        assert "2026-12-31" in notice.shown_body


def test_the_reminder_is_sent_once_a_year_however_often_the_sweep_runs(branch_a):
    MemberFactory(organization=branch_a, is_itinerant=True)
    assert remind_away_reports(DECEMBER) == {"reminded": 1}
    assert remind_away_reports(DECEMBER) == {"reminded": 0}
    assert remind_away_reports(dt.date(2026, 12, 20)) == {"reminded": 0}
    assert Notification.objects.filter(kind="away_report").count() == 1
    # Next year's December reminds again.
    assert remind_away_reports(dt.date(2027, 12, 1)) == {"reminded": 1}


def test_before_december_nobody_is_reminded(branch_a):
    MemberFactory(organization=branch_a, is_itinerant=True)
    assert remind_away_reports(dt.date(2026, 11, 30)) == {"reminded": 0}
    assert not Notification.objects.exists()


def test_a_beat_that_was_down_on_1_december_is_caught_up_later_in_the_month(branch_a):
    MemberFactory(organization=branch_a, is_itinerant=True)
    call_command("sweep", "away_reports", "--today", "2026-12-15")
    assert Notification.objects.filter(kind="away_report").count() == 1


def test_the_fan_out_is_set_based(branch_a, django_assert_max_num_queries):
    MemberFactory.create_batch(40, organization=branch_a, is_itinerant=True)
    with django_assert_max_num_queries(8):
        assert remind_away_reports(DECEMBER) == {"reminded": 40}


# --- The report page ------------------------------------------------------------------------


def test_an_itinerant_member_sees_the_due_date_and_may_choose_the_kind(client, member):
    client.force_login(member.user)
    response = client.get(reverse("reports:mine") + "?kind=away")
    body = response.content.decode()
    year = timezone.localdate().year
    assert f"请于{year}-12-31前提交" in body
    assert Report.Kind.AWAY in dict(response.context["form"].fields["kind"].choices)
    assert response.context["form"].initial["kind"] == "away"


def test_a_member_at_home_is_not_offered_the_report_on_life_away(client, member):
    member.is_itinerant = False
    member.save()
    client.force_login(member.user)
    response = client.get(reverse("reports:mine"))
    assert Report.Kind.AWAY not in dict(response.context["form"].fields["kind"].choices)
    assert "外出期间情况报告" not in response.content.decode()
    response = client.post(reverse("reports:mine"), {"kind": "away", "title": "x", "body": "y"})
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not Report.objects.exists()


def test_an_itinerant_member_hands_in_the_report_on_life_away(client, member):
    client.force_login(member.user)
    response = client.post(reverse("reports:mine"), {"kind": "away", "title": "2026年外出情况", "body": "在东莞务工。"})
    assert response.status_code == 302
    assert Report.objects.get(member=member).kind == Report.Kind.AWAY
    assert away_report_due(member, timezone.localdate()) == dt.date(timezone.localdate().year + 1, 12, 31)
