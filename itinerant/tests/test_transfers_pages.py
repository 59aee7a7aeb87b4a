"""The transfer pages: who sees what from which side, the walk from request to receipt, the letter, the roster."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from itinerant import transfers
from itinerant.models import Transfer
from members.models import Member, MemberChange
from members.tests.factories import MemberFactory
from notifications.models import Notification

from .transfer_world import BOB_ID, TODAY, World, build_world, frozen, issued, outgoing, paid_months

pytestmark = pytest.mark.django_db
State = Transfer.State


@pytest.fixture(autouse=True)
def _clock():
    with frozen(), translation.override("zh-hans"):
        yield


@pytest.fixture
def world(db) -> World:
    return build_world()


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


# --- The walk inside netbranch ----------------------------------------------------------------


def test_a_member_asks_the_secretary_issues_and_the_receiving_branch_takes_them_with_their_history(
    client, world, django_capture_on_commit_callbacks
):
    paid_months(world.bob, [dt.date(2026, m, 1) for m in range(1, 6)])
    member = as_user(client, world.bob.user)
    page = text(member.get(reverse("itinerant:request_transfer")))
    # The branches of netbranch are offered by name; nothing else about them.
    assert "B党支部" in page
    response = member.post(
        reverse("itinerant:request_transfer"), {"to_organization": world.branch_b.pk, "reason": "在B地长期工作"}
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get(member=world.bob)
    assert transfer.state == State.REQUESTED
    assert "B党支部" in text(member.get(reverse("itinerant:my_transfers")))

    # Before the letter, branch B knows nothing of it.
    receiving = as_user(client, world.secretary_b)
    assert receiving.get(reverse("itinerant:incoming", args=[transfer.pk])).status_code == 404
    assert receiving.get(reverse("itinerant:transfer", args=[transfer.pk])).status_code == 404
    assert "鲍勃" not in text(receiving.get(reverse("itinerant:transfers")))

    sending = as_user(client, world.secretary_a)
    assert "鲍勃" in text(sending.get(reverse("itinerant:transfers"), {"state": "requested"}))
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.post(reverse("itinerant:transfer_approve", args=[transfer.pk])).status_code == 302
        response = sending.post(
            reverse("itinerant:transfer_issue", args=[transfer.pk]),
            {"letter_number": "A-2026-007", "issued_on": TODAY.isoformat()},
        )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert (transfer.state, transfer.dues_paid_until) == (State.ISSUED, dt.date(2026, 5, 1))
    # In transit on the sending roster until the receipt.
    assert "在途" in text(sending.get(reverse("roster:detail", args=[world.bob.pk])))

    receiving = as_user(client, world.secretary_b)
    assert Notification.objects.filter(user=world.secretary_b, kind="transfer").count() == 1
    page = text(receiving.get(reverse("itinerant:incoming", args=[transfer.pk])))
    assert "鲍勃" in page and "A-2026-007" in page
    assert BOB_ID not in page  # masked on the receiving side's page
    with django_capture_on_commit_callbacks(execute=True):
        response = receiving.post(reverse("itinerant:incoming_accept", args=[transfer.pk]))
    assert response["Location"] == reverse("roster:detail", args=[world.bob.pk])
    detail = text(receiving.get(response["Location"]))
    # On B's roster, with the change log that came with the entry.
    assert "B党支部" in detail and "A网络党支部" in detail
    assert "鲍勃" in text(receiving.get(reverse("roster:list")))
    assert as_user(client, world.secretary_a).get(reverse("roster:detail", args=[world.bob.pk])).status_code == 404
    # The sending side sees the receipt.
    page = text(as_user(client, world.secretary_a).get(reverse("itinerant:transfer", args=[transfer.pk])))
    assert "已接收" in page or "Received" in page
    assert Notification.objects.filter(user=world.secretary_a, kind="transfer").count() == 1


def test_the_secretary_starts_a_transfer_to_outside_and_records_the_receipt(client, world):
    sending = as_user(client, world.secretary_a)
    detail = text(sending.get(reverse("roster:detail", args=[world.bob.pk])))
    start_url = reverse("itinerant:start_transfer", args=[world.bob.pk])
    assert start_url in detail
    response = sending.post(
        start_url, {"to_name": "中共深圳市某公司委员会", "reason": "定居深圳", "across_provinces": "on"}
    )
    transfer = Transfer.objects.get(member=world.bob)
    assert response["Location"] == reverse("itinerant:transfer", args=[transfer.pk])
    # Started by the one who approves: approved at once.
    assert transfer.state == State.APPROVED
    assert transfer.across_provinces
    sending.post(
        reverse("itinerant:transfer_issue", args=[transfer.pk]),
        {"letter_number": "A-1", "issued_on": TODAY.isoformat(), "across_provinces": "on"},
    )
    transfer.refresh_from_db()
    assert transfer.valid_until == dt.date(2026, 12, 15)
    # The link on the roster now leads to the transfer in progress.
    assert reverse("itinerant:transfer", args=[transfer.pk]) in text(
        sending.get(reverse("roster:detail", args=[world.bob.pk]))
    )
    response = sending.post(
        reverse("itinerant:transfer_receipt", args=[transfer.pk]), {"received_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=world.bob.pk).state == Member.State.TRANSFERRED_OUT


def test_refusing_without_a_reason_shows_the_form_again_and_changes_nothing(client, world):
    transfer = outgoing(world.bob, to_name="外地党支部", by=world.bob.user)
    response = as_user(client, world.secretary_a).post(reverse("itinerant:transfer_refuse", args=[transfer.pk]), {})
    assert response.status_code == 400
    assert Transfer.objects.get(pk=transfer.pk).state == State.REQUESTED


def test_a_step_in_the_wrong_state_is_refused_with_a_message_and_changes_nothing(client, world):
    transfer = issued(world.bob, world.secretary_a)
    response = as_user(client, world.secretary_a).post(
        reverse("itinerant:transfer_approve", args=[transfer.pk]), follow=True
    )
    assert "不能" in text(response)
    assert Transfer.objects.get(pk=transfer.pk).state == State.ISSUED


def test_a_receiving_branch_refuses_with_a_reason_the_sending_side_reads(client, world):
    transfer = issued(world.bob, world.secretary_a, to=world.branch_b)
    receiving = as_user(client, world.secretary_b)
    assert receiving.post(reverse("itinerant:incoming_refuse", args=[transfer.pk]), {"note": ""}).status_code == 400
    receiving.post(reverse("itinerant:incoming_refuse", args=[transfer.pk]), {"note": "该同志未在本单位就业"})
    assert Transfer.objects.get(pk=transfer.pk).state == State.REFUSED
    page = text(as_user(client, world.secretary_a).get(reverse("itinerant:transfer", args=[transfer.pk])))
    assert "该同志未在本单位就业" in page


def test_a_letter_from_outside_is_registered_and_accepted_into_the_roster(client, world):
    receiving = as_user(client, world.secretary_b)
    response = receiving.post(
        reverse("itinerant:register_incoming"),
        {
            "to_organization": world.branch_b.pk,
            "from_name": "中共某县委组织部",
            "letter_number": "组字12号",
            "issued_on": (TODAY - dt.timedelta(days=3)).isoformat(),
            "name": "新同志",
            "phone": "13912345678",
        },
    )
    transfer = Transfer.objects.get(direction=Transfer.Direction.IN)
    assert response["Location"] == reverse("itinerant:incoming", args=[transfer.pk])
    form = receiving.get(reverse("itinerant:incoming_accept", args=[transfer.pk]))
    assert "新同志" in text(form)
    response = receiving.post(
        reverse("itinerant:incoming_accept", args=[transfer.pk]),
        {
            "name": "新同志",
            "gender": "F",
            "phone": "139****5678",  # the masked number sent back unchanged keeps the letter's
            "joined_party_on": "2015-07-01",
            "status": "full",
        },
    )
    member = Member.objects.get(name="新同志")
    assert response["Location"] == reverse("roster:detail", args=[member.pk])
    assert (member.organization, member.phone) == (world.branch_b, "+8613912345678")
    assert member.changes.get().action == MemberChange.Action.CREATED
    assert Transfer.objects.get(pk=transfer.pk).state == State.RECEIVED


# --- Who sees what ----------------------------------------------------------------------------


def test_a_member_sees_only_their_own_transfers_and_no_secretarys_page(client, world):
    mine = outgoing(world.bob, to_name="鲍勃的去处", by=world.bob.user)
    outgoing(world.carol, to_name="卡罗尔的去处")
    bob = as_user(client, world.bob.user)
    page = text(bob.get(reverse("itinerant:my_transfers")))
    assert "鲍勃的去处" in page and "卡罗尔的去处" not in page
    assert bob.get(reverse("itinerant:transfer", args=[mine.pk])).status_code == 404
    assert bob.get(reverse("itinerant:letter", args=[mine.pk])).status_code == 404
    assert bob.get(reverse("itinerant:transfers")).status_code == 403
    # One open transfer at a time: the form is not offered again.
    assert 'name="reason"' not in text(bob.get(reverse("itinerant:request_transfer")))


def test_a_member_transferred_out_still_reads_their_transfers_but_asks_for_none(client, world):
    transfer = issued(world.bob, world.secretary_a, to_name="外地党支部")
    transfers.record_receipt(transfer, TODAY, world.secretary_a)
    bob = as_user(client, world.bob.user)
    assert "外地党支部" in text(bob.get(reverse("itinerant:my_transfers")))
    assert bob.get(reverse("itinerant:request_transfer")).status_code == 404


def test_the_group_leader_neither_starts_transfers_nor_sees_the_link(client, world):
    leader = as_user(client, world.group_leader)
    assert leader.get(reverse("itinerant:start_transfer", args=[world.bob.pk])).status_code == 404
    assert reverse("itinerant:start_transfer", args=[world.bob.pk]) not in text(
        leader.get(reverse("roster:detail", args=[world.bob.pk]))
    )
    assert leader.get(reverse("itinerant:transfers")).status_code == 403


def test_the_receiving_branch_sees_a_transfer_in_its_list_only_once_the_letter_is_issued(client, world):
    transfer = outgoing(world.bob, to=world.branch_b)
    transfers.approve(transfer, world.secretary_a)
    receiving = as_user(client, world.secretary_b)
    assert "鲍勃" not in text(receiving.get(reverse("itinerant:transfers")))
    transfers.issue_letter(transfer, letter_number="A-9", issued_on=TODAY, across_provinces=False, by=None)
    page = text(receiving.get(reverse("itinerant:transfers"), {"side": "in"}))
    assert "鲍勃" in page and reverse("itinerant:incoming", args=[transfer.pk]) in page
    # The sending side's pages stay the sending side's.
    assert receiving.get(reverse("itinerant:transfer", args=[transfer.pk])).status_code == 404
    assert receiving.get(reverse("itinerant:letter", args=[transfer.pk])).status_code == 404


# --- The letter -------------------------------------------------------------------------------


def test_the_letter_carries_what_the_official_letter_does_and_logs_the_full_id_number(client, world):
    paid_months(world.bob, [dt.date(2026, 1, 1), dt.date(2026, 2, 1)])
    transfer = issued(world.bob, world.secretary_a, to_name="中共深圳市某公司委员会", letter_number="甲字第7号")
    response = as_user(client, world.secretary_a).get(reverse("itinerant:letter", args=[transfer.pk]))
    assert response["Cache-Control"] == "no-store"
    page = text(response)
    for expected in (
        "鲍勃",
        "男",
        "35",  # born 1 August 1990, on 15 June 2026
        BOB_ID,
        "正式党员",
        "A网络党支部",
        "中共深圳市某公司委员会",
        "2026-02",
        "2026-09-15",
        "甲字第7号",
        "回执",
        "css/print.css",
    ):
        assert expected in page, expected
    assert world.bob.changes.filter(action=MemberChange.Action.REVEALED, user=world.secretary_a).count() == 1


def test_the_letter_before_it_is_issued_is_a_draft_with_the_id_number_masked(client, world):
    transfer = outgoing(world.bob, to_name="外地党支部")
    page = text(as_user(client, world.secretary_a).get(reverse("itinerant:letter", args=[transfer.pk])))
    assert "草稿" in page
    assert BOB_ID not in page
    assert world.bob.phone[3:] not in page.replace(" ", "")
    assert not world.bob.changes.filter(action=MemberChange.Action.REVEALED).exists()


def test_a_probationary_members_letter_says_so(client, world):
    world.carol.status = Member.Status.PROBATIONARY
    world.carol.full_member_on = None
    world.carol.save()
    transfer = issued(world.carol, world.secretary_a)
    page = text(as_user(client, world.secretary_a).get(reverse("itinerant:letter", args=[transfer.pk])))
    assert "预备党员" in page


# --- Lists and their query counts -------------------------------------------------------------


def _many(world, n: int) -> None:
    for i in range(n):
        member = MemberFactory(organization=world.branch_a)
        outgoing(member, to_name=f"外地党支部{i}")
    for i in range(n // 3):
        member = MemberFactory(organization=world.branch_b)
        issued(member, world.secretary_b, to=world.branch_a, letter_number=f"B-{i}")


def test_the_transfer_list_runs_the_same_queries_for_few_or_many_transfers(client, world):
    secretary = as_user(client, world.secretary_a)
    url = reverse("itinerant:transfers")
    variants = [{}, {"side": "in"}, {"side": "out", "state": "requested"}, {"expiring": "on"}]
    _many(world, 3)
    few = [count_queries(secretary, url, params) for params in variants]
    _many(world, 30)
    assert [count_queries(secretary, url, params) for params in variants] == few


def test_the_roster_list_shows_in_transit_without_a_query_more(client, world):
    secretary = as_user(client, world.secretary_a)
    url = reverse("roster:list")
    before = count_queries(secretary, url)
    for member in MemberFactory.create_batch(5, organization=world.branch_a):
        outgoing(member, to_name="外地党支部")
    outgoing(world.bob, to_name="外地党支部")
    page = text(secretary.get(url))
    assert count_queries(secretary, url) == before
    row = re.search(r"鲍勃.*?</strong>", page, re.S).group(0)
    assert "在途" in row
    assert "在途" not in re.search(r"卡罗尔.*?</strong>", page, re.S).group(0)


# --- The workspace ----------------------------------------------------------------------------


def test_the_workspace_counts_requests_incoming_letters_and_letters_about_to_expire(client, world):
    outgoing(world.bob, to_name="外地党支部", by=world.bob.user)
    issued(world.carol, world.secretary_a, issued_on=dt.date(2026, 3, 20), today=dt.date(2026, 3, 20))
    issued(world.charlie, world.secretary_b, to=world.branch_a)
    page = text(as_user(client, world.secretary_a).get(reverse("workspace:home")))
    for label, n in (("待审批的转接", 1), ("待接收的转入", 1), ("介绍信即将过期", 1)):
        assert re.search(rf"{label}.*?<span class=\"badge\">{n}</span>", page, re.S), label
    assert reverse("itinerant:transfers") in page
    assert reverse("itinerant:register_incoming") in page


def test_a_committee_answering_for_both_branches_reaches_the_receiving_side_from_the_transfer(client, world):
    transfer = issued(world.bob, world.secretary_a, to=world.branch_b)
    committee = as_user(client, world.committee_secretary)
    page = text(committee.get(reverse("itinerant:transfer", args=[transfer.pk])))
    assert reverse("itinerant:incoming", args=[transfer.pk]) in page
    committee.post(reverse("itinerant:incoming_accept", args=[transfer.pk]))
    assert Member.objects.get(pk=world.bob.pk).organization == world.branch_b
