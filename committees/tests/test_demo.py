"""The demo's committees, as ``make run`` shows them: posts, a term ending soon, one overdue, a vacancy."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from branches.models import Organization, Role
from committees import demo
from committees.models import Post, Term
from members import demo as member_demo

TODAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), tick=False):
            call_command("seed_demo", "--force", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_online_branch_has_a_full_committee_and_a_term_ending_within_six_months(seeded):
    online = Organization.objects.get(code=member_demo.ONLINE_BRANCH_CODE)
    kinds = set(Post.objects.filter(organization=online, ended_on__isnull=True).values_list("kind", flat=True))
    assert kinds == set(demo.ONLINE_POSTS)
    term = Term.objects.get(organization=online)
    assert TODAY < term.ends_on <= TODAY + dt.timedelta(days=183)


@pytest.mark.django_db
def test_one_ordinary_branch_is_overdue_and_one_has_no_secretary(seeded, client):
    codes = [code for code, *_rest in member_demo.ORDINARY_BRANCHES]
    overdue = Term.objects.get(organization__code=codes[0])
    assert overdue.ends_on < TODAY
    assert not Post.objects.filter(organization__code=codes[-1], kind=Post.Kind.SECRETARY).exists()
    committee = Organization.objects.get(code=member_demo.COMMITTEE_CODE)
    manager = Role.objects.filter(organization=committee, kind=Role.Kind.SECRETARY).first().user
    client.force_login(manager)
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("committees:overview"))
    flags = {branch.code: f for branch, f in response.context["rows"]}
    assert flags[codes[0]]["overdue"]
    assert flags[codes[-1]]["vacant"]
    assert flags[member_demo.ONLINE_BRANCH_CODE]["soon"] and flags[member_demo.ONLINE_BRANCH_CODE]["large"]


@pytest.mark.django_db
def test_a_second_seed_changes_nothing(seeded):
    before = (Post.objects.count(), Term.objects.count())
    assert demo.seed(TODAY) == {}
    assert (Post.objects.count(), Term.objects.count()) == before
