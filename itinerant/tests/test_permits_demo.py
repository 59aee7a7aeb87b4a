"""The demo's permit, silent member and settled member, as ``make run`` shows them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from branches.dates import add_months
from branches.models import Role
from itinerant import permit_demo, warnings_
from itinerant.models import LifeWarning, Permit, TransferProposal
from members import demo as member_demo
from members.models import Member
from notifications.models import Notification

TODAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), tick=False):
            call_command("seed_demo", "--force", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def counts() -> tuple[int, ...]:
    return (
        Member.objects.count(),
        Permit.objects.count(),
        LifeWarning.objects.count(),
        TransferProposal.objects.count(),
        Notification.objects.filter(kind=warnings_.NOTICE_KIND).count(),
    )


@pytest.mark.django_db
def test_the_silent_member_has_the_three_month_warning_and_the_secretaries_were_told(seeded):
    silent = Member.objects.get(phone=permit_demo.SILENT_PHONE)
    assert silent.organization.code == member_demo.ONLINE_BRANCH_CODE
    warning = LifeWarning.objects.get(member=silent)
    assert warning.level == LifeWarning.Level.TALK
    assert warning.since == add_months(TODAY, -4)
    assert warning.signs["contact"] == add_months(TODAY, -4).isoformat()
    told = set(Notification.objects.filter(kind=warnings_.NOTICE_KIND).values_list("user_id", flat=True))
    keepers = set(Role.objects.filter(organization=silent.organization).values_list("user_id", flat=True))
    assert told and told <= keepers
    # The rest of the demo keeps in touch: nobody else is four months silent.
    assert not LifeWarning.objects.filter(member__organization=silent.organization).exclude(member=silent).exists()


@pytest.mark.django_db
def test_a_member_holds_a_checked_permit_and_another_is_proposed_a_transfer(seeded):
    permit = Permit.objects.get()
    assert permit.returned_on is None and permit.host_name and permit.checked_on == add_months(TODAY, -1)
    assert permit.member.phone == member_demo.demo_phone(member_demo.ITINERANT_PHONES_FROM + permit_demo.PERMIT_SLOT)
    proposal = TransferProposal.objects.get()
    assert proposal.member.phone == member_demo.demo_phone(member_demo.ITINERANT_PHONES_FROM + permit_demo.SETTLED_SLOT)
    assert proposal.away_since == add_months(TODAY, -7)


@pytest.mark.django_db
def test_the_secretary_sees_them_in_the_workspace(client, seeded):
    secretary = (
        Role.objects.filter(organization__code=member_demo.ONLINE_BRANCH_CODE, kind=Role.Kind.SECRETARY).first().user
    )
    client.force_login(secretary)
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), tick=False):
        assert "邓保平" in client.get(reverse("itinerant:warnings")).content.decode()
        assert "示矿流证" in client.get(reverse("itinerant:permits")).content.decode()
        todos = {item.key: item.count for item in client.get(reverse("workspace:home")).context["todos"]}
    assert (todos["life_warnings_talk"], todos["transfer_proposals"]) == (1, 1)


@pytest.mark.django_db
def test_seeding_again_changes_nothing(seeded):
    before = counts()
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC), tick=False):
        assert permit_demo.seed() == {}
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False):
        permit_demo.seed()
    assert counts() == before
