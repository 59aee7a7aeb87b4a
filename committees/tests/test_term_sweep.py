"""The term reminders: six months and one month before the end, once each, to the branch and above."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from branches.models import Organization, Role
from branches.sweeps import run_sweep
from branches.tests.factories import OrganizationFactory, RoleFactory
from members.tests.factories import UserFactory
from notifications import wordings
from notifications.models import Notification

from .factories import TermFactory

pytestmark = pytest.mark.django_db
ENDS = dt.date(2027, 3, 31)


@pytest.fixture
def world(db):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, code="mine")
    branch = OrganizationFactory(parent=committee, code="one", name="一支部")
    secretary, deputy, above, leader = (UserFactory(name=n) for n in ("书记", "副书记", "党委书记", "组织员"))
    RoleFactory(user=secretary, organization=branch, kind=Role.Kind.SECRETARY)
    RoleFactory(user=deputy, organization=branch, kind=Role.Kind.DEPUTY_SECRETARY)
    RoleFactory(user=above, organization=committee, kind=Role.Kind.SECRETARY)
    RoleFactory(user=leader, organization=branch, kind=Role.Kind.ORGANIZER)
    term = TermFactory(organization=branch, elected_on=dt.date(2024, 3, 31), ends_on=ENDS)
    return {"branch": branch, "term": term, "told": {secretary.pk, deputy.pk, above.pk}, "organizer": leader}


def _notices():
    return Notification.objects.filter(kind="committee_term")


def test_nothing_is_sent_before_six_months(world):
    assert run_sweep("committee_terms", dt.date(2026, 9, 29)) == {"1_months": 0, "6_months": 0}
    assert not _notices().exists()


def test_six_months_before_the_secretaries_and_the_committee_above_hear_once(world):
    result = run_sweep("committee_terms", dt.date(2026, 9, 30))
    assert result == {"1_months": 0, "6_months": 3}
    assert set(_notices().values_list("user_id", flat=True)) == world["told"]
    # A replayed day, and the days after, send nothing more until the one-month mark.
    assert run_sweep("committee_terms", dt.date(2026, 9, 30)) == {"1_months": 0, "6_months": 0}
    assert run_sweep("committee_terms", dt.date(2026, 12, 1)) == {"1_months": 0, "6_months": 0}
    assert _notices().count() == 3


def test_one_month_before_they_hear_again_once(world):
    run_sweep("committee_terms", dt.date(2026, 9, 30))
    assert run_sweep("committee_terms", dt.date(2027, 2, 28))["1_months"] == 3
    assert run_sweep("committee_terms", dt.date(2027, 2, 28)) == {"1_months": 0, "6_months": 0}
    assert run_sweep("committee_terms", dt.date(2027, 3, 15)) == {"1_months": 0, "6_months": 0}
    assert _notices().count() == 6
    term = world["term"]
    term.refresh_from_db()
    assert term.reminded_six_months_at and term.reminded_one_month_at


def test_a_missed_six_month_day_is_caught_up_and_a_late_start_sends_only_the_one_month_reminder(world):
    assert run_sweep("committee_terms", dt.date(2026, 11, 20))["6_months"] == 3
    fresh = OrganizationFactory(parent=world["branch"].parent, code="two")
    RoleFactory(user=UserFactory(), organization=fresh, kind=Role.Kind.SECRETARY)
    TermFactory(organization=fresh, elected_on=dt.date(2024, 1, 1), ends_on=dt.date(2027, 1, 1))
    result = run_sweep("committee_terms", dt.date(2026, 12, 10))
    # The fresh branch: its secretary and the committee above, once, at the one-month stage only.
    assert result == {"1_months": 2, "6_months": 0}
    assert run_sweep("committee_terms", dt.date(2026, 12, 10)) == {"1_months": 0, "6_months": 0}


def test_only_the_current_term_is_reminded_and_an_ended_one_is_not(world):
    TermFactory(organization=world["branch"], elected_on=dt.date(2026, 1, 1), ends_on=dt.date(2029, 1, 1))
    assert run_sweep("committee_terms", dt.date(2027, 3, 1)) == {"1_months": 0, "6_months": 0}


def test_the_reminder_reads_in_each_language_and_is_scheduled(world):
    run_sweep("committee_terms", dt.date(2026, 9, 30))
    stored = _notices().first().message
    with translation.override("zh-hans"):
        title, body = wordings.render(stored)
    assert "一支部" in title and "2027-03-31" in body and "月" in title
    with translation.override("en"):
        title, _body = wordings.render(stored)
    assert "within 6 months" in title
    assert settings.CELERY_BEAT_SCHEDULE["committee_terms"]["args"] == ["committee_terms"]


def test_the_inbox_shows_the_reminder_in_the_readers_language(world, client):
    run_sweep("committee_terms", dt.date(2026, 9, 30))
    notification = _notices().first()
    client.force_login(notification.user)
    page = client.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "支委会任期将在6个月内届满" in page.content.decode()
