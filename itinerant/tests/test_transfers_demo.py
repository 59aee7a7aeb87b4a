"""The demo transfers: a request to walk through, a letter that ran out, one about to; a re-run adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from branches.models import Organization, Role
from dues import demo as dues_demo
from itinerant import transfer_demo, transfers
from itinerant.models import Transfer
from members import demo as member_demo
from members.models import Member
from notifications.models import Notification

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 12, 1)
State = Transfer.State


@pytest.fixture
def seeded(db):
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        member_demo.seed(TODAY)
        dues_demo.seed(TODAY)
        first = transfer_demo.seed(TODAY)
        yield first


def secretary(code: str):
    return Role.objects.get(organization__code=code, kind=Role.Kind.SECRETARY).user


def events(user) -> list[str]:
    rows = Notification.objects.filter(user=user, kind="transfer").order_by("pk")
    return [n.message["params"]["event"] for n in rows]


def test_the_demo_has_a_request_an_expired_letter_and_one_about_to_expire(seeded):
    assert seeded["transfers"] == 3
    by_state = {t.state: t for t in Transfer.objects.all()}
    assert set(by_state) == {State.REQUESTED, State.EXPIRED, State.ISSUED}
    assert by_state[State.REQUESTED].to_organization.code == transfer_demo.RECEIVING_BRANCH
    assert by_state[State.ISSUED].valid_until == TODAY + dt.timedelta(days=10)
    # The letters carry the months the dues demo paid.
    assert by_state[State.ISSUED].dues_paid_until is not None
    online_secretary = secretary(member_demo.ONLINE_BRANCH_CODE)
    assert sorted(events(online_secretary)) == ["expired", "expiring"]


def test_seeding_again_adds_nothing_and_tells_nobody_twice(seeded):
    before = (Transfer.objects.count(), Notification.objects.filter(kind="transfer").count())
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI), tick=False):
        again = transfer_demo.seed(TODAY)
    assert again == {"transfers": 0}
    assert (Transfer.objects.count(), Notification.objects.filter(kind="transfer").count()) == before


def test_the_demo_request_goes_through_to_the_branch_the_committee_answers_for(
    seeded, django_capture_on_commit_callbacks
):
    transfer = Transfer.objects.get(state=State.REQUESTED)
    online_secretary = secretary(member_demo.ONLINE_BRANCH_CODE)
    committee_secretary = secretary(member_demo.COMMITTEE_CODE)
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            transfers.approve(transfer, online_secretary)
            transfers.issue_letter(
                transfer, letter_number="demo-1", issued_on=TODAY, across_provinces=False, by=online_secretary
            )
        # The receiving branch has no secretary of its own: the committee's hears of the letter and accepts.
        assert events(committee_secretary) == ["arrived"]
        with django_capture_on_commit_callbacks(execute=True):
            transfers.accept_incoming(transfer, committee_secretary)
    member = Member.objects.get(pk=transfer.member_id)
    assert member.organization == Organization.objects.get(code=transfer_demo.RECEIVING_BRANCH)
    assert "accepted" in events(online_secretary)
