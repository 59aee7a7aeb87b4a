"""The ``transfers`` sweep: a warning before a letter runs out with no receipt, then its expiry; each told once."""

from __future__ import annotations

import datetime as dt

import pytest

from branches.models import Role
from branches.sweeps import REGISTRY, run_sweep
from branches.tests.factories import RoleFactory
from itinerant import transfer_sweeps, transfers
from itinerant.models import Transfer
from members.models import Member, User
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

from .transfer_world import TODAY, World, build_world, frozen, issued

pytestmark = pytest.mark.django_db
State = Transfer.State


@pytest.fixture(autouse=True)
def _clock():
    with frozen():
        yield


@pytest.fixture
def world(db) -> World:
    return build_world()


def events(user) -> list[str]:
    return [
        n.message["params"]["event"] for n in Notification.objects.filter(user=user, kind="transfer").order_by("pk")
    ]


def letter_valid_until(world, member, last_day: dt.date, **extra) -> Transfer:
    """An outside letter whose last valid day is ``last_day`` (three months after it was issued)."""
    issued_on = last_day.replace(month=last_day.month - 3)
    return issued(member, world.secretary_a, issued_on=issued_on, today=issued_on, **extra)


def test_the_sweep_is_registered_for_beat():
    assert REGISTRY["transfers"] is transfer_sweeps.transfers_sweep
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["transfers"]["args"] == ["transfers"]


def test_a_letter_running_out_within_two_weeks_warns_the_sending_secretaries_once(world):
    transfer = letter_valid_until(world, world.bob, TODAY + dt.timedelta(days=10))
    first = run_sweep("transfers", TODAY)
    assert first == {"reminded": 1, "expired": 0, "expiry_notices": 0}
    assert events(world.secretary_a) == ["expiring"]
    # The committee above has its own secretary, but the branch's are the ones told.
    assert events(world.committee_secretary) == []
    transfer.refresh_from_db()
    assert transfer.expiry_reminded_at is not None
    # Replayed the same day, and the next days: nothing twice.
    assert run_sweep("transfers", TODAY) == {"reminded": 0, "expired": 0, "expiry_notices": 0}
    run_sweep("transfers", TODAY + dt.timedelta(days=1))
    assert events(world.secretary_a) == ["expiring"]


def test_a_letter_further_out_or_already_received_warns_nobody(world):
    letter_valid_until(world, world.bob, TODAY + dt.timedelta(days=15))
    received = letter_valid_until(world, world.carol, TODAY + dt.timedelta(days=3))
    transfers.record_receipt(received, TODAY, world.secretary_a)
    assert run_sweep("transfers", TODAY)["reminded"] == 0
    assert events(world.secretary_a) == []


def test_a_run_cut_short_after_the_notices_tells_nobody_twice(world):
    transfer = letter_valid_until(world, world.bob, TODAY + dt.timedelta(days=5))
    transfer_sweeps.remind_expiring(TODAY)
    # As if the worker died between writing the notices and marking the letter.
    Transfer.objects.filter(pk=transfer.pk).update(expiry_reminded_at=None)
    assert transfer_sweeps.remind_expiring(TODAY) == 0
    assert events(world.secretary_a) == ["expiring"]


def test_a_letter_past_its_last_day_expires_and_tells_the_secretaries_and_the_member_once(world):
    transfer = letter_valid_until(world, world.bob, TODAY - dt.timedelta(days=1))
    result = run_sweep("transfers", TODAY)
    assert result["expired"] == 1
    transfer.refresh_from_db()
    assert transfer.state == State.EXPIRED
    assert events(world.secretary_a) == ["expired"]
    assert [n.message["params"]["event"] for n in Notification.objects.filter(member=world.bob)] == ["expired"]
    # The member stays on the sending roster, no longer in transit.
    assert Member.objects.get(pk=world.bob.pk).state == Member.State.ACTIVE
    assert not Transfer.objects.filter(member=world.bob, state__in=Transfer.OPEN_STATES).exists()
    assert run_sweep("transfers", TODAY) == {"reminded": 0, "expired": 0, "expiry_notices": 0}
    assert run_sweep("transfers", TODAY + dt.timedelta(days=7))["expired"] == 0
    assert events(world.secretary_a) == ["expired"]


def test_a_letter_on_its_last_day_is_still_valid(world):
    transfer = letter_valid_until(world, world.bob, TODAY)
    run_sweep("transfers", TODAY)
    assert Transfer.objects.get(pk=transfer.pk).state == State.ISSUED


def test_after_beat_was_down_every_letter_that_ran_out_meanwhile_expires_once(world):
    late = [
        letter_valid_until(world, member, TODAY - dt.timedelta(days=days))
        for member, days in ((world.bob, 20), (world.carol, 2))
    ]
    assert run_sweep("transfers", TODAY)["expired"] == 2
    assert set(Transfer.objects.filter(pk__in=[t.pk for t in late]).values_list("state", flat=True)) == {State.EXPIRED}
    assert events(world.secretary_a) == ["expired", "expired"]


def test_a_registered_letter_from_outside_that_ran_out_tells_the_receiving_branch(world):
    transfer = transfers.register_incoming(
        world.branch_b,
        from_name="外省某党委",
        letter_number="外-9",
        issued_on=dt.date(2026, 3, 1),
        across_provinces=False,
        name="新同志",
        phone="13912345678",
        by=world.secretary_b,
    )
    run_sweep("transfers", TODAY)
    assert Transfer.objects.get(pk=transfer.pk).state == State.EXPIRED
    assert events(world.secretary_b) == ["expired_incoming"]
    assert events(world.secretary_a) == []


def test_a_click_and_the_sweep_racing_move_the_letter_once(world):
    transfer = letter_valid_until(world, world.bob, TODAY - dt.timedelta(days=1))
    stale = Transfer.objects.get(pk=transfer.pk)
    run_sweep("transfers", TODAY)
    with pytest.raises(transfers.TransferError):
        transfers.cancel(stale, "", world.secretary_a)
    assert Transfer.objects.get(pk=transfer.pk).state == State.EXPIRED


def test_a_member_and_a_secretary_with_the_same_id_both_hear_of_the_expiry(world):
    # Member ids and user ids are separate sequences: a notice key naming only the number would let
    # the first one written swallow the other.
    twin = MemberFactory(organization=world.branch_a)
    user = User.objects.filter(pk=twin.pk).first() or UserFactory(pk=twin.pk)
    RoleFactory(user=user, organization=world.branch_a, kind=Role.Kind.DEPUTY_SECRETARY)
    letter_valid_until(world, twin, TODAY - dt.timedelta(days=1))
    run_sweep("transfers", TODAY)
    assert events(user) == ["expired"]
    assert Notification.objects.filter(member=twin, kind="transfer").count() == 1
