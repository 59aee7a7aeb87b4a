"""The ``itinerant_proposals`` sweep and its to-do: six months at one place proposes a transfer, once per stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.dates import add_months
from branches.sweeps import REGISTRY, run_sweep
from itinerant import proposals
from itinerant.models import Transfer, TransferProposal
from itinerant.permit_access import managed_proposals
from itinerant.tests.permit_helpers import World, build_world
from members.models import Member, MemberChange
from members.roster.services import update_member
from members.tests.factories import MemberFactory
from members.workspace.registry import todo_counts

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Asked each time: a run that crosses midnight in Asia/Shanghai must not test yesterday."""
    return timezone.localdate()


@pytest.fixture
def world(db) -> World:
    return build_world()


def sweep(day: dt.date | None = None) -> dict:
    return run_sweep("itinerant_proposals", day or today())


def settle(member: Member, *, left: dt.date, on_roster_since: dt.date) -> Member:
    """The member left home on ``left`` and has been on this roster since ``on_roster_since``."""
    moment = dt.datetime.combine(on_roster_since, dt.time(9), tzinfo=timezone.get_default_timezone())
    Member.objects.filter(pk=member.pk).update(is_itinerant=True, left_home_on=left, created_at=moment)
    member.refresh_from_db()
    return member


def proposed(member: Member) -> list[dt.date]:
    return list(
        TransferProposal.objects.filter(member=member).order_by("away_since").values_list("away_since", flat=True)
    )


@pytest.fixture
def settled(world):
    """bob: left home seven months ago, on the roster for two years, never moved since."""
    settle(world.bob, left=add_months(today(), -7), on_roster_since=add_months(today(), -24))
    # carol is as long away but the roster has known her place only for three months.
    settle(world.carol, left=add_months(today(), -30), on_roster_since=add_months(today(), -3))
    return world


def test_the_sweep_is_registered_and_beat_runs_it_each_morning(settings):
    assert "itinerant_proposals" in REGISTRY
    assert settings.CELERY_BEAT_SCHEDULE["itinerant_proposals"]["args"] == ["itinerant_proposals"]


def test_seven_months_at_one_place_propose_a_transfer_once(settled):
    assert sweep() == {"proposed": 1}
    proposal = TransferProposal.objects.get()
    assert proposal.member == settled.bob
    assert proposal.away_since == add_months(today(), -7)
    assert proposal.raised_on == today()
    assert proposal.place == settled.bob.city
    assert sweep() == {"proposed": 0}
    assert sweep(today() + dt.timedelta(days=30)) == {"proposed": 0}
    assert TransferProposal.objects.count() == 1


def test_a_place_known_for_less_than_six_months_proposes_nothing_yet(settled):
    sweep()
    assert proposed(settled.carol) == []
    # Six months after the roster learnt of her place, it has held long enough.
    assert sweep(add_months(today(), 3)) == {"proposed": 1}
    assert proposed(settled.carol) == [add_months(today(), -3)]


def test_a_move_starts_a_new_stay_with_its_own_proposal(settled):
    sweep()
    changes = update_member(settled.bob, {"city": "义乌"}, settled.secretary, note="外出报告")
    assert "city" in changes
    # Six months at the new place, counted from the roster's change.
    sweep(add_months(today(), 6) - dt.timedelta(days=1))
    assert proposed(settled.bob) == [add_months(today(), -7)]
    sweep(add_months(today(), 6))
    assert proposed(settled.bob) == [add_months(today(), -7), today()]
    assert TransferProposal.objects.get(member=settled.bob, away_since=today()).place == "义乌"


def test_a_change_that_is_not_the_place_does_not_restart_the_stay(settled):
    update_member(settled.bob, {"workplace": "某电子厂二车间"}, settled.secretary)
    assert MemberChange.objects.filter(member=settled.bob, changes__has_key="workplace").exists()
    assert sweep() == {"proposed": 1}


@pytest.mark.parametrize(
    "change",
    [
        {"is_itinerant": False},
        {"state": Member.State.TRANSFERRED_OUT},
        {"left_home_on": None},
    ],
)
def test_members_back_home_gone_or_without_a_departure_are_not_proposed(settled, change):
    Member.objects.filter(pk=settled.bob.pk).update(**change)
    assert sweep() == {"proposed": 0}


def test_a_member_whose_transfer_is_under_way_is_not_proposed(settled):
    Transfer.objects.create(
        member=settled.bob, from_organization=settled.branch, to_name="义乌市某党支部", requested_at=timezone.now()
    )
    assert sweep() == {"proposed": 0}


# --- Waiting on the to-do list ---------------------------------------------------------------


def waiting(user) -> list[Member]:
    return [p.member for p in proposals.open_proposals(managed_proposals(user))]


def todo(user) -> int:
    return {item.key: item.count for item in todo_counts(user, today())}.get("transfer_proposals", 0)


def test_a_proposal_waits_for_those_who_approve_transfers_over_the_branch(settled):
    sweep()
    assert waiting(settled.secretary) == [settled.bob]
    assert waiting(settled.committee_secretary) == [settled.bob]
    assert todo(settled.secretary) == 1
    # Organizers and group leaders keep the roster but do not transfer anyone.
    for user in (settled.organizer, settled.group_leader, settled.other_secretary):
        assert waiting(user) == []
        assert todo(user) == 0


def test_dismissing_needs_a_reason_and_closes_it_once(settled):
    sweep()
    proposal = TransferProposal.objects.get()
    with pytest.raises(proposals.ProposalError) as refused:
        proposals.dismiss(proposal, "  ", settled.secretary)
    assert refused.value.code == "reason_required"
    proposals.dismiss(proposal, "经常换工地，已办理流动党员活动证", settled.secretary)
    assert waiting(settled.secretary) == []
    with pytest.raises(proposals.ProposalError) as again:
        proposals.dismiss(proposal, "再次", settled.secretary)
    assert again.value.code == "already_closed"
    proposal.refresh_from_db()
    assert proposal.closed_note == "经常换工地，已办理流动党员活动证"
    # The stay stays dismissed: the sweep does not raise it again.
    assert sweep(today() + dt.timedelta(days=1)) == {"proposed": 0}


def test_a_transfer_started_since_takes_it_off_the_list(settled):
    sweep()
    transfer = Transfer.objects.create(
        member=settled.bob, from_organization=settled.branch, to_name="义乌市某党支部", requested_at=timezone.now()
    )
    assert waiting(settled.secretary) == []
    # Cancelled or not, a transfer was started for this stay: the proposal was acted on.
    Transfer.objects.filter(pk=transfer.pk).update(state=Transfer.State.CANCELLED)
    assert waiting(settled.secretary) == []


def test_a_transfer_from_before_the_proposal_does_not_answer_it(settled):
    Transfer.objects.create(
        member=settled.bob,
        from_organization=settled.branch,
        to_name="义乌市某党支部",
        requested_at=timezone.now() - dt.timedelta(days=60),
        state=Transfer.State.REFUSED,
    )
    sweep()
    assert waiting(settled.secretary) == [settled.bob]


# --- The pages ---------------------------------------------------------------------------------


def test_the_list_offers_to_start_the_transfer_or_dismiss(client, settled):
    sweep()
    client.force_login(settled.secretary)
    response = client.get(reverse("itinerant:proposals"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "王建军" in page
    assert reverse("itinerant:start_transfer", args=[settled.bob.pk]) in page
    proposal = TransferProposal.objects.get()
    response = client.post(reverse("itinerant:dismiss_proposal", args=[proposal.pk]), {"note": "明年回矿"})
    assert response.status_code == 302
    assert waiting(settled.secretary) == []


def test_dismissing_without_a_reason_changes_nothing(client, settled):
    sweep()
    client.force_login(settled.secretary)
    proposal = TransferProposal.objects.get()
    client.post(reverse("itinerant:dismiss_proposal", args=[proposal.pk]), {"note": ""})
    assert waiting(settled.secretary) == [settled.bob]


def test_another_branch_cannot_see_or_dismiss_a_proposal(client, settled):
    sweep()
    proposal = TransferProposal.objects.get()
    client.force_login(settled.other_secretary)
    assert "王建军" not in client.get(reverse("itinerant:proposals")).content.decode()
    assert client.post(reverse("itinerant:dismiss_proposal", args=[proposal.pk]), {"note": "x"}).status_code == 404
    client.force_login(settled.organizer)
    assert client.get(reverse("itinerant:proposals")).status_code == 403
    assert client.post(reverse("itinerant:dismiss_proposal", args=[proposal.pk]), {"note": "x"}).status_code == 404
    assert waiting(settled.secretary) == [settled.bob]


def test_the_list_costs_the_same_queries_for_2_and_20_proposals(client, settled):
    client.force_login(settled.secretary)
    counts = []
    for size in (2, 20):
        while Member.objects.filter(organization=settled.branch).count() < size + 1:
            member = MemberFactory(organization=settled.branch)
            settle(member, left=add_months(today(), -9), on_roster_since=add_months(today(), -9))
        sweep()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("itinerant:proposals")).status_code == 200
        counts.append(len(captured))
    assert TransferProposal.objects.count() == 20
    assert counts[0] == counts[1]
