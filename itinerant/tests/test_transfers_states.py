"""Every step of a transfer of the Party relationship, and every step refused in the wrong state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from activities.models import Attendance
from activities.tests.factories import ActivityFactory
from dues.models import Due
from evaluations.models import Assessment, Evaluation, Rating
from evaluations.tests.conftest import build_member_scheme
from itinerant import transfers
from itinerant.models import Transfer
from itinerant.transfers import TransferError
from members.models import Member, MemberChange
from notifications.models import Notification

from .transfer_world import TODAY, World, build_world, frozen, issued, outgoing, paid_months

pytestmark = pytest.mark.django_db
State = Transfer.State


@pytest.fixture(autouse=True)
def _clock():
    with frozen():
        yield


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the services leave for after the commit (the notices), as a real request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def refused(call, *args, **kwargs) -> TransferError:
    with pytest.raises(TransferError) as caught:
        call(*args, **kwargs)
    return caught.value


def member_notices(member) -> list[dict]:
    return [n.message["params"] for n in Notification.objects.filter(member=member, kind="transfer").order_by("pk")]


def user_notices(user) -> list[dict]:
    return [n.message["params"] for n in Notification.objects.filter(user=user, kind="transfer").order_by("pk")]


# --- Requesting -------------------------------------------------------------------------------


def test_a_request_starts_in_requested_from_the_members_branch(world):
    transfer = outgoing(world.bob, to_name="广东省深圳市某公司党支部", by=world.bob.user)
    assert transfer.state == State.REQUESTED
    assert transfer.from_organization == world.branch_a
    assert transfer.to_name == "广东省深圳市某公司党支部"
    assert transfer.requested_by == world.bob.user


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to_name": ""}, "destination"),
        ({"to_name": "外地党支部", "to": "branch_b"}, "destination"),
        ({"to": "branch_a"}, "same_branch"),
        ({"to": "committee"}, "not_a_branch"),
        ({"to_name": "外地党支部", "reason": "  "}, "no_reason"),
    ],
)
def test_a_request_needs_one_destination_a_branch_other_than_ones_own_and_a_reason(world, kwargs, code):
    kwargs = dict(kwargs)
    to = getattr(world, kwargs.pop("to")) if "to" in kwargs else None
    error = refused(
        transfers.request,
        world.bob,
        to_organization=to,
        to_name=kwargs.get("to_name", ""),
        reason=kwargs.get("reason", "工作调动"),
        by=world.bob.user,
    )
    assert error.code == code
    assert not Transfer.objects.exists()


def test_a_second_open_transfer_is_refused_with_a_translated_message(world):
    outgoing(world.bob, to_name="外地党支部")
    with translation.override("zh-hans"):
        error = refused(outgoing, world.bob, to_name="另一个党支部")
        assert error.code == "already_open"
        assert "转接" in str(error)
    assert Transfer.objects.count() == 1


def test_a_member_transferred_out_cannot_be_transferred_again(world):
    world.carol.state = Member.State.TRANSFERRED_OUT
    world.carol.transferred_out_on = TODAY
    world.carol.save()
    assert refused(outgoing, world.carol, to_name="外地党支部").code == "not_active"


def test_after_a_closed_transfer_a_new_one_may_start(world):
    first = outgoing(world.bob, to_name="外地党支部")
    transfers.cancel(first, "", world.secretary_a)
    second = outgoing(world.bob, to_name="另一个党支部")
    assert second.state == State.REQUESTED


# --- The sending branch decides ---------------------------------------------------------------


def test_approving_tells_the_member_once(world, on_commit):
    transfer = outgoing(world.bob, to_name="外地党支部", by=world.bob.user)
    with on_commit():
        transfers.approve(transfer, world.secretary_a)
    transfer.refresh_from_db()
    assert transfer.state == State.APPROVED
    assert transfer.decided_by == world.secretary_a
    assert [p["event"] for p in member_notices(world.bob)] == ["approved"]


def test_approving_twice_is_refused_and_changes_nothing(world):
    transfer = outgoing(world.bob, to_name="外地党支部")
    stale = Transfer.objects.get(pk=transfer.pk)
    transfers.approve(transfer, world.secretary_a)
    # A second secretary clicks on the page they loaded before.
    error = refused(transfers.approve, stale, world.committee_secretary)
    assert error.code == "wrong_state"
    assert Transfer.objects.get(pk=transfer.pk).decided_by == world.secretary_a


def test_refusing_a_request_needs_a_reason_the_member_reads(world, on_commit):
    transfer = outgoing(world.bob, to_name="外地党支部", by=world.bob.user)
    assert refused(transfers.refuse_request, transfer, " ", world.secretary_a).code == "no_reason"
    with on_commit():
        transfers.refuse_request(transfer, "尚未在当地稳定就业", world.secretary_a)
    transfer.refresh_from_db()
    assert transfer.state == State.REFUSED
    assert transfer.decision_note == "尚未在当地稳定就业"
    last = member_notices(world.bob)[-1]
    assert (last["event"], last["note"]) == ("refused", "尚未在当地稳定就业")
    # A refused request is closed: it cannot be approved any more.
    assert refused(transfers.approve, transfer, world.secretary_a).code == "wrong_state"


# --- The letter -------------------------------------------------------------------------------


def test_a_letter_is_valid_three_months_or_six_across_provinces(world):
    near = issued(world.bob, world.secretary_a, issued_on=dt.date(2026, 5, 31))
    assert near.valid_until == dt.date(2026, 8, 31)
    far = issued(world.carol, world.secretary_a, issued_on=dt.date(2026, 4, 30), across_provinces=True)
    assert far.valid_until == dt.date(2026, 10, 30)
    assert far.across_provinces


def test_a_letter_carries_the_month_the_dues_are_paid_up_to(world):
    paid_months(world.bob, [dt.date(2026, m, 1) for m in (1, 2, 3)])
    transfer = issued(world.bob, world.secretary_a)
    assert transfer.dues_paid_until == dt.date(2026, 3, 1)
    assert transfer.letter_number == "A-2026-001"
    assert transfer.issued_on == TODAY


def test_dues_paid_up_to_stops_before_the_first_month_still_owed(world):
    paid_months(
        world.bob, [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 5, 1)], unpaid=[dt.date(2026, 3, 1)]
    )
    # An exempt month needs no payment.
    Due.objects.create(member=world.carol, organization=world.branch_a, month=dt.date(2026, 6, 1), amount_fen=0)
    assert transfers.dues_paid_until(world.bob) == dt.date(2026, 2, 1)
    assert transfers.dues_paid_until(world.carol) == dt.date(2026, 6, 1)
    assert transfers.dues_paid_until(world.charlie) is None


@pytest.mark.parametrize(
    ("issued_on", "code"),
    [(TODAY + dt.timedelta(days=1), "future_letter"), (dt.date(2026, 3, 14), "already_expired")],
)
def test_a_letter_dated_in_the_future_or_already_expired_is_refused(world, issued_on, code):
    transfer = outgoing(world.bob, to_name="外地党支部")
    transfers.approve(transfer, world.secretary_a)
    error = refused(
        transfers.issue_letter, transfer, letter_number="A-1", issued_on=issued_on, across_provinces=False, by=None
    )
    assert error.code == code
    assert Transfer.objects.get(pk=transfer.pk).state == State.APPROVED


def test_a_letter_is_issued_only_after_approval(world):
    transfer = outgoing(world.bob, to_name="外地党支部")
    error = refused(
        transfers.issue_letter, transfer, letter_number="A-1", issued_on=TODAY, across_provinces=False, by=None
    )
    assert error.code == "wrong_state"
    assert Transfer.objects.get(pk=transfer.pk).issued_on is None


def test_a_letter_to_a_branch_in_netbranch_reaches_its_secretaries_and_the_member(world, on_commit):
    with on_commit():
        transfer = issued(world.bob, world.secretary_a, to=world.branch_b)
    assert [p["event"] for p in user_notices(world.secretary_b)] == ["arrived"]
    assert user_notices(world.secretary_b)[0]["valid_until"] == transfer.valid_until.isoformat()
    assert "issued" in [p["event"] for p in member_notices(world.bob)]
    assert user_notices(world.secretary_a) == []


# --- The receipt from outside -----------------------------------------------------------------


def test_the_receipt_makes_the_member_transferred_out_with_the_history_kept(world, on_commit):
    transfer = issued(world.bob, world.secretary_a, to_name="广东省某党支部")
    with on_commit():
        transfers.record_receipt(transfer, TODAY, world.secretary_a, note="邮寄回执")
    transfer.refresh_from_db()
    bob = Member.objects.get(pk=world.bob.pk)
    assert transfer.state == State.RECEIVED
    assert transfer.received_on == TODAY
    assert bob.state == Member.State.TRANSFERRED_OUT
    assert bob.transferred_out_on == TODAY
    change = bob.changes.get(action=MemberChange.Action.TRANSFERRED_OUT)
    assert change.user == world.secretary_a
    assert "广东省某党支部" in change.note and "A-2026-001" in change.note
    assert "received" in [p["event"] for p in member_notices(world.bob)]


@pytest.mark.parametrize(
    ("received_on", "code"),
    [(TODAY + dt.timedelta(days=1), "future_receipt"), (TODAY - dt.timedelta(days=40), "receipt_before_letter")],
)
def test_a_receipt_dated_in_the_future_or_before_the_letter_is_refused(world, received_on, code):
    transfer = issued(world.bob, world.secretary_a, issued_on=TODAY - dt.timedelta(days=10))
    assert refused(transfers.record_receipt, transfer, received_on, world.secretary_a).code == code
    assert Member.objects.get(pk=world.bob.pk).state == Member.State.ACTIVE
    assert Transfer.objects.get(pk=transfer.pk).state == State.ISSUED


def test_a_transfer_inside_netbranch_takes_no_paper_receipt(world):
    transfer = issued(world.bob, world.secretary_a, to=world.branch_b)
    assert refused(transfers.record_receipt, transfer, TODAY, world.secretary_a).code == "inside"


def test_a_receipt_before_the_letter_is_issued_is_refused(world):
    transfer = outgoing(world.bob, to_name="外地党支部")
    transfers.approve(transfer, world.secretary_a)
    assert refused(transfers.record_receipt, transfer, TODAY, world.secretary_a).code == "wrong_state"


# --- Cancelling and expiring ------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["requested", "approved", "issued"])
def test_an_open_transfer_can_be_cancelled(world, stage):
    transfer = outgoing(world.bob, to_name="外地党支部")
    if stage != "requested":
        transfers.approve(transfer, world.secretary_a)
    if stage == "issued":
        transfers.issue_letter(transfer, letter_number="A-1", issued_on=TODAY, across_provinces=False, by=None)
    transfers.cancel(transfer, "本人决定返乡", world.secretary_a)
    transfer.refresh_from_db()
    assert transfer.state == State.CANCELLED
    assert transfer.decision_note == "本人决定返乡"
    assert Member.objects.get(pk=world.bob.pk).state == Member.State.ACTIVE


def test_a_received_transfer_cannot_be_cancelled(world):
    transfer = issued(world.bob, world.secretary_a)
    transfers.record_receipt(transfer, TODAY, world.secretary_a)
    assert refused(transfers.cancel, transfer, "", world.secretary_a).code == "wrong_state"


def test_cancelling_a_letter_sent_inside_netbranch_tells_the_receiving_branch(world, on_commit):
    transfer = issued(world.bob, world.secretary_a, to=world.branch_b)
    with on_commit():
        transfers.cancel(transfer, "信息有误", world.secretary_a)
    told = user_notices(world.secretary_b)
    assert [(p["event"], p["note"]) for p in told] == [("cancelled", "信息有误")]


def test_a_letter_expires_only_after_its_last_valid_day(world):
    transfer = issued(world.bob, world.secretary_a, issued_on=dt.date(2026, 3, 20))
    assert transfer.valid_until == dt.date(2026, 6, 20)
    assert not transfers.expire(transfer, dt.date(2026, 6, 20))
    assert transfers.expire(transfer, dt.date(2026, 6, 21))
    transfer.refresh_from_db()
    assert transfer.state == State.EXPIRED
    # An expired letter takes no receipt and is not accepted: a new letter is needed.
    assert refused(transfers.record_receipt, transfer, TODAY, world.secretary_a).code == "wrong_state"
    assert not transfers.expire(transfer, dt.date(2026, 6, 22))


# --- The receiving branch in netbranch --------------------------------------------------------


def test_accepting_moves_the_member_with_roster_data_and_history_and_leaves_the_past_where_it_happened(
    world, on_commit
):
    activity = ActivityFactory(organization=world.branch_a, date=dt.date(2026, 5, 6))
    Attendance.objects.create(
        member=world.bob,
        activity=activity,
        outcome=Attendance.Outcome.ATTENDED,
        recorded_at=timezone.now() - dt.timedelta(days=30),
    )
    scheme = build_member_scheme(world.branch_a, year=2025)
    evaluation = Evaluation.objects.create(
        scheme=scheme, organization=world.branch_a, year=2025, created_by=world.secretary_a
    )
    Assessment.objects.create(evaluation=evaluation, member=world.bob, total=90, rating=Rating.EXCELLENT)
    paid_months(world.bob, [dt.date(2026, 5, 1)])
    history_before = world.bob.changes.count()
    transfer = issued(world.bob, world.secretary_a, to=world.branch_b)

    with on_commit():
        member = transfers.accept_incoming(transfer, world.secretary_b)

    bob = Member.objects.get(pk=world.bob.pk)
    assert member.pk == bob.pk
    assert (bob.organization, bob.group, bob.state) == (world.branch_b, None, Member.State.ACTIVE)
    assert (bob.name, bob.phone, bob.id_number) == (world.bob.name, world.bob.phone, world.bob.id_number)
    moved = bob.changes.order_by("-at", "-pk").first()
    assert moved.action == MemberChange.Action.UPDATED
    assert moved.user == world.secretary_b
    assert set(moved.changes) == {"organization", "group"}
    assert bob.changes.count() == history_before + 1
    transfer.refresh_from_db()
    assert (transfer.state, transfer.received_on) == (State.RECEIVED, TODAY)
    # Attendance, the evaluation and the dues books stay with branch A.
    assert Attendance.objects.get(member=bob).activity.organization == world.branch_a
    assert Assessment.objects.get(member=bob).evaluation.organization == world.branch_a
    assert set(Due.objects.filter(member=bob).values_list("organization", flat=True)) == {world.branch_a.pk}
    assert [p["event"] for p in user_notices(world.secretary_a)] == ["accepted"]
    assert member_notices(world.bob)[-1]["event"] == "received"


def test_only_the_receiving_branch_accepts(world):
    transfer = issued(world.bob, world.secretary_a, to=world.branch_b)
    assert refused(transfers.accept_incoming, transfer, world.secretary_a).code == "not_receiving"
    assert Member.objects.get(pk=world.bob.pk).organization == world.branch_a


def test_a_transfer_not_yet_issued_cannot_be_accepted(world):
    transfer = outgoing(world.bob, to=world.branch_b)
    transfers.approve(transfer, world.secretary_a)
    assert refused(transfers.accept_incoming, transfer, world.secretary_b).code == "wrong_state"


def test_an_expired_letter_cannot_be_accepted_even_before_the_sweep_marks_it(world):
    transfer = issued(
        world.bob, world.secretary_a, to=world.branch_b, issued_on=dt.date(2026, 3, 14), today=dt.date(2026, 3, 14)
    )
    assert transfer.valid_until == dt.date(2026, 6, 14)
    assert refused(transfers.accept_incoming, transfer, world.secretary_b).code == "letter_expired"
    assert Member.objects.get(pk=world.bob.pk).organization == world.branch_a


def test_refusing_an_incoming_transfer_needs_a_reason_and_keeps_the_member_where_they_are(world, on_commit):
    transfer = issued(world.bob, world.secretary_a, to=world.branch_b)
    assert refused(transfers.refuse_incoming, transfer, "", world.secretary_b).code == "no_reason"
    assert refused(transfers.refuse_incoming, transfer, "不在本地", world.secretary_a).code == "not_receiving"
    with on_commit():
        transfers.refuse_incoming(transfer, "该同志不在本单位工作", world.secretary_b)
    transfer.refresh_from_db()
    bob = Member.objects.get(pk=world.bob.pk)
    assert transfer.state == State.REFUSED
    assert (bob.organization, bob.state) == (world.branch_a, Member.State.ACTIVE)
    assert [(p["event"], p["note"]) for p in user_notices(world.secretary_a)] == [("refused", "该同志不在本单位工作")]
    assert member_notices(world.bob)[-1]["event"] == "refused_there"
    # Refused is closed: no acceptance afterwards, and a new transfer may start.
    assert refused(transfers.accept_incoming, transfer, world.secretary_b).code == "wrong_state"
    assert outgoing(world.bob, to_name="外地党支部").state == State.REQUESTED


# --- A letter from outside netbranch ----------------------------------------------------------


def register(world, **overrides):
    values = {
        "from_name": "中共某县某镇委员会",
        "letter_number": "某组字第12号",
        "issued_on": TODAY - dt.timedelta(days=5),
        "across_provinces": True,
        "name": "新同志",
        "phone": "13912345678",
        "by": world.secretary_b,
    }
    values.update(overrides)
    return transfers.register_incoming(world.branch_b, **values)


def test_a_letter_from_outside_is_registered_issued_with_its_validity(world):
    transfer = register(world)
    assert (transfer.direction, transfer.state) == (Transfer.Direction.IN, State.ISSUED)
    assert transfer.valid_until == dt.date(2026, 12, 10)
    assert transfer.incoming_phone == "+8613912345678"
    assert transfer.member is None


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"phone": "12345"}, "bad_phone"),
        ({"name": " "}, "missing"),
        ({"issued_on": TODAY + dt.timedelta(days=1)}, "future_letter"),
    ],
)
def test_a_letter_from_outside_with_bad_data_is_refused(world, overrides, code):
    assert refused(register, world, **overrides).code == code
    assert not Transfer.objects.exists()


def test_only_a_branch_one_manages_registers_letters(world):
    assert refused(register, world, by=world.secretary_a).code == "not_managed"


def test_accepting_a_letter_from_outside_adds_the_roster_entry_through_the_roster(world):
    transfer = register(world)
    data = {
        "name": "新同志",
        "gender": Member.Gender.FEMALE,
        "phone": transfer.incoming_phone,
        "joined_party_on": dt.date(2015, 7, 1),
        "status": Member.Status.FULL,
    }
    member = transfers.accept_incoming(transfer, world.secretary_b, data=data)
    transfer.refresh_from_db()
    assert (member.organization, member.name) == (world.branch_b, "新同志")
    assert transfer.member == member
    assert transfer.state == State.RECEIVED
    assert member.changes.get().action == MemberChange.Action.CREATED


def test_a_roster_entry_from_outside_that_does_not_validate_adds_nothing(world):
    transfer = register(world, phone=world.charlie.phone)
    data = {"name": "新同志", "gender": "M", "phone": world.charlie.phone, "joined_party_on": dt.date(2015, 7, 1)}
    with pytest.raises(ValidationError):
        transfers.accept_incoming(transfer, world.secretary_b, data=data)
    assert Transfer.objects.get(pk=transfer.pk).state == State.ISSUED
    assert Member.objects.filter(name="新同志").count() == 0


def test_a_letter_from_outside_can_be_refused(world):
    transfer = register(world)
    transfers.refuse_incoming(transfer, "本支部无此岗位", world.secretary_b)
    assert Transfer.objects.get(pk=transfer.pk).state == State.REFUSED


# --- What each side may do --------------------------------------------------------------------


def test_the_actions_offered_follow_the_state_and_the_side(world):
    transfer = outgoing(world.bob, to=world.branch_b)
    assert transfers.actions_for(transfer, world.secretary_a) == {"approve", "refuse", "cancel"}
    assert transfers.actions_for(transfer, world.secretary_b) == set()
    transfers.approve(transfer, world.secretary_a)
    assert transfers.actions_for(transfer, world.secretary_a) == {"issue", "cancel"}
    transfers.issue_letter(transfer, letter_number="A-1", issued_on=TODAY, across_provinces=False, by=None)
    assert transfers.actions_for(transfer, world.secretary_a) == {"cancel", "letter"}
    assert transfers.actions_for(transfer, world.secretary_b) == {"accept", "refuse_incoming"}
    assert transfers.actions_for(transfer, world.group_leader) == set()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_notice_a_step_sends_is_worded_in_the_readers_language(world, on_commit, language):
    with on_commit():
        inside = issued(world.bob, world.secretary_a, to=world.branch_b)
        transfers.refuse_incoming(inside, "不接收", world.secretary_b)
        request = outgoing(world.carol, to_name="外地党支部")
        transfers.refuse_request(request, "不同意", world.secretary_a)
        again = issued(world.carol, world.secretary_a, to=world.branch_b)
        transfers.accept_incoming(again, world.secretary_b)
    notices = list(Notification.objects.filter(kind="transfer"))
    events = {n.message["params"]["event"] for n in notices}
    assert {"approved", "issued", "arrived", "refused", "refused_there", "accepted", "received"} <= events
    # The stored text is in the site's language (Chinese); the inbox words the notice again for its reader.
    with translation.override(language):
        for notice in notices:
            assert (notice.shown_title == notice.title) == (language == "zh-hans"), notice.message
