"""Changing the roster: edits, new entries, transfers, moves and hardship visits, each logged."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.models import Member, MemberChange, Visit
from members.tests.factories import id_number
from members.tests.helpers import client_for, zh

pytestmark = pytest.mark.django_db


def _edit_data(member: Member, **changes) -> dict:
    data = {
        "name": member.name,
        "gender": member.gender,
        "phone": member.phone,
        "id_number": member.id_number or "",
        "birth_date": member.birth_date.isoformat() if member.birth_date else "",
        "joined_party_on": member.joined_party_on.isoformat(),
        "full_member_on": member.full_member_on.isoformat() if member.full_member_on else "",
        "status": member.status,
        "organization": member.organization_id,
        "group": member.group_id or "",
        "province": member.province,
        "city": member.city,
        "workplace": member.workplace,
        "left_home_on": "",
        "emergency_contact": "",
        "emergency_phone": "",
        "hardship_note": member.hardship_note,
    }
    if member.is_itinerant:
        data["is_itinerant"] = "on"
    if member.in_hardship:
        data["in_hardship"] = "on"
    data.update(changes)
    return data


def test_an_edit_logs_every_changed_field_old_to_new_with_the_id_number_masked(client, secretary, target):
    new_id = id_number(777)
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]),
        _edit_data(target, city="昆明", province="53", id_number=new_id, phone="139 1234 5678"),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.city, target.province, target.id_number, target.phone) == ("昆明", "53", new_id, "+8613912345678")
    change = target.changes.get(action=MemberChange.Action.UPDATED)
    assert change.user == secretary
    assert change.changes["city"] == ["深圳", "昆明"]
    assert set(change.changes) == {"city", "province", "id_number", "phone"}
    assert new_id not in str(change.changes)
    assert change.changes["id_number"][1] == "510***********" + new_id[-4:]
    assert change.changes["phone"][1] == "139****5678"


def test_an_edit_that_changes_nothing_writes_no_log(client, secretary, target):
    response = client_for(client, secretary).post(reverse("roster:edit", args=[target.pk]), _edit_data(target))
    assert response.status_code == 302
    assert not target.changes.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "“%(value)s” is not a valid mainland China mobile number (11 digits starting with 1)."),
        ("id_number", "51000019850701001X", "The ID number's check character is wrong; please check for a typo."),
    ],
)
def test_an_edit_with_bad_input_is_refused_with_the_translated_error(client, secretary, target, field, value, message):
    before = Member.objects.values().get(pk=target.pk)
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]), _edit_data(target, city="昆明", **{field: value})
    )
    assert response.status_code == 400
    assert (zh(message, value=value) if "%(" in message else zh(message)) in response.content.decode()
    assert Member.objects.values().get(pk=target.pk) == before
    assert not target.changes.exists()


def test_an_edit_cannot_put_a_member_in_a_group_of_another_branch(client, secretary, target, branch_a):
    sibling = OrganizationFactory(parent=OrganizationFactory(kind="committee"))
    # A committee secretary sees both branches, so the choice is offered and the model refuses it.
    branch_a.parent = sibling.parent
    branch_a.save()
    RoleFactory(user=secretary, organization=sibling.parent)
    foreign_group = GroupFactory(parent=sibling)
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]), _edit_data(target, group=foreign_group.pk)
    )
    assert response.status_code == 400
    assert zh("The group must be one of the member's branch's groups.") in response.content.decode()
    target.refresh_from_db()
    assert target.group != foreign_group


def test_an_edit_cannot_choose_a_group_outside_the_users_scope(client, secretary, target, branch_b):
    foreign_group = GroupFactory(parent=branch_b)
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]), _edit_data(target, group=foreign_group.pk)
    )
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.group != foreign_group


def test_adding_a_member_logs_the_creation(client, secretary, branch_a, groups):
    c = client_for(client, secretary)
    assert c.get(reverse("roster:add")).status_code == 200
    data = {
        "name": "新人",
        "gender": "F",
        "phone": "13800138000",
        "joined_party_on": "2020-07-01",
        "status": "probationary",
        "organization": branch_a.pk,
        "group": groups[1].pk,
    }
    response = c.post(reverse("roster:add"), data)
    assert response.status_code == 302
    added = Member.objects.get(name="新人")
    assert (added.phone, added.group, added.user) == ("+8613800138000", groups[1], None)
    change = added.changes.get()
    assert change.action == MemberChange.Action.CREATED
    assert change.changes["name"] == ["", "新人"]


def test_adding_a_member_to_another_branch_is_refused(client, secretary, branch_b):
    data = {"name": "越界", "gender": "M", "phone": "13800138001", "joined_party_on": "2020-07-01"}
    data.update(status="full", organization=branch_b.pk)
    response = client_for(client, secretary).post(reverse("roster:add"), data)
    assert response.status_code == 400
    assert not Member.objects.filter(name="越界").exists()


def test_a_group_admin_adds_members_only_to_their_group(client, group_admin, branch_a, groups):
    data = {"name": "组员", "gender": "M", "phone": "13800138002", "joined_party_on": "2020-07-01"}
    data.update(status="full", organization=branch_a.pk)
    c = client_for(client, group_admin)
    assert c.post(reverse("roster:add"), data).status_code == 400
    assert c.post(reverse("roster:add"), {**data, "group": groups[0].pk}).status_code == 302
    assert Member.objects.get(name="组员").group == groups[0]


def test_transfer_out_keeps_the_entry_and_logs_it(client, secretary, target):
    response = client_for(client, secretary).post(
        reverse("roster:transfer", args=[target.pk]), {"on": "2025-03-01", "note": "转至某市党支部"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.state, target.transferred_out_on) == (Member.State.TRANSFERRED_OUT, dt.date(2025, 3, 1))
    change = target.changes.get()
    assert change.action == MemberChange.Action.TRANSFERRED_OUT
    assert change.note == "转至某市党支部"
    assert change.changes["transferred_out_on"] == ["", "2025-03-01"]


def test_a_future_transfer_date_is_refused(client, secretary, target):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client_for(client, secretary).post(reverse("roster:transfer", args=[target.pk]), {"on": future})
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.state == Member.State.ACTIVE


def test_a_secretary_moves_a_member_to_another_group(client, secretary, target, groups):
    response = client_for(client, secretary).post(reverse("roster:move", args=[target.pk]), {"group": groups[1].pk})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.group == groups[1]
    assert target.changes.get().changes["group"] == ["一组", "二组"]


def test_a_group_admin_cannot_move_a_member_to_a_group_they_do_not_manage(client, group_admin, target, groups):
    response = client_for(client, group_admin).post(reverse("roster:move", args=[target.pk]), {"group": groups[1].pk})
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.group == groups[0]
    assert not target.changes.exists()
    # Out of any group would take the member out of the admin's scope too.
    assert client.post(reverse("roster:move", args=[target.pk]), {"group": ""}).status_code == 400


# --- Hardship ----------------------------------------------------------------------------


def test_a_secretary_sees_and_records_hardship_visits(client, secretary, target):
    c = client_for(client, secretary)
    assert (
        "roster:visit"
        and reverse("roster:visit", args=[target.pk])
        in c.get(reverse("roster:detail", args=[target.pk])).content.decode()
    )
    response = c.post(
        reverse("roster:visit", args=[target.pk]),
        {"visited_on": "2025-01-10", "help_given": "慰问金", "amount": "500.00", "responsible": secretary.pk},
    )
    assert response.status_code == 302
    visit = target.visits.get()
    assert (visit.help_given, str(visit.amount), visit.by, visit.responsible) == (
        "慰问金",
        "500.00",
        secretary,
        secretary,
    )


def test_a_group_admin_neither_sees_nor_records_hardship_visits(client, group_admin, target):
    Visit.objects.create(member=target, visited_on=dt.date(2025, 1, 1), help_given="秘密帮扶")
    c = client_for(client, group_admin)
    body = c.get(reverse("roster:detail", args=[target.pk])).content.decode()
    assert "秘密帮扶" not in body
    assert reverse("roster:visit", args=[target.pk]) not in body
    response = c.post(reverse("roster:visit", args=[target.pk]), {"visited_on": "2025-01-10", "help_given": "x"})
    assert response.status_code == 404
    assert target.visits.count() == 1


def test_a_negative_visit_amount_is_refused(client, secretary, target):
    response = client_for(client, secretary).post(
        reverse("roster:visit", args=[target.pk]), {"visited_on": "2025-01-10", "help_given": "x", "amount": "-1"}
    )
    assert response.status_code == 400
    assert not target.visits.exists()
