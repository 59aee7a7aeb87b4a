"""A member's hardship is for those with SEE_HARDSHIP on their branch, on every page that could show it.

A group leader manages their group's roster entries (MANAGE_ROSTER) but not
their hardship: the edit and add forms, the roster's filter and badge, the
change log and the export all leave it out for them, and whatever they post
for it changes nothing. The branch's secretaries keep all of it.
"""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from openpyxl import load_workbook

from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Member, MemberChange, SignupRequest
from members.roster.forms import MemberForm
from members.roster.services import update_member
from members.spreadsheets import ROSTER_HEADERS
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

NOTE = "家中老人重病，急需帮扶"


@pytest.fixture
def group(branch_a):
    return GroupFactory(parent=branch_a, name="一组")


@pytest.fixture
def leader(group):
    """A group leader of branch A's group one."""
    return RoleFactory(organization=group, kind=Role.Kind.GROUP_ADMIN).user


@pytest.fixture
def poor(branch_a, group):
    return MemberFactory(name="困难户", organization=branch_a, group=group, in_hardship=True, hardship_note=NOTE)


@pytest.fixture
def other(branch_a, group):
    return MemberFactory(name="普通户", organization=branch_a, group=group)


def as_user(client, user):
    client.force_login(user)
    return client


def badge() -> str:
    with translation.override("zh-hans"):
        return f'<span class="badge">{escape(translation.gettext("Hardship"))}</span>'


def edit_data(member: Member, **changes) -> dict:
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
        "is_itinerant": "on",
    }
    data.update(changes)
    return data


def names(response) -> set[str]:
    assert response.status_code == 200
    return {m.name for m in response.context["page"]}


def sheet(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


# --- The edit form ----------------------------------------------------------------------------


def test_a_group_leaders_edit_form_has_no_hardship_fields_and_shows_no_note(client, leader, poor):
    response = as_user(client, leader).get(reverse("roster:edit", args=[poor.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert "in_hardship" not in form.fields
    assert "hardship_note" not in form.fields
    body = response.content.decode()
    assert NOTE not in body
    assert 'name="hardship_note"' not in body
    assert 'name="in_hardship"' not in body


def test_a_group_leaders_posted_hardship_values_change_nothing(client, leader, poor):
    # in_hardship left out (an unticked box) and a new note: both would clear or rewrite the record.
    response = as_user(client, leader).post(
        reverse("roster:edit", args=[poor.pk]), edit_data(poor, city="昆明", hardship_note="已改")
    )
    assert response.status_code == 302
    poor.refresh_from_db()
    assert poor.city == "昆明"
    assert (poor.in_hardship, poor.hardship_note) == (True, NOTE)
    change = poor.changes.get()
    assert set(change.changes) == {"city"}


def test_a_group_leader_cannot_put_a_member_in_hardship(client, leader, other):
    response = as_user(client, leader).post(
        reverse("roster:edit", args=[other.pk]), edit_data(other, in_hardship="on", hardship_note="编造")
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.in_hardship, other.hardship_note) == (False, "")
    assert not other.changes.exists()


def test_the_service_ignores_hardship_values_from_a_group_leader(leader, poor):
    assert update_member(poor, {"in_hardship": False, "hardship_note": ""}, leader) == {}
    poor.refresh_from_db()
    assert (poor.in_hardship, poor.hardship_note) == (True, NOTE)


def test_a_secretary_reads_and_changes_the_hardship_note(client, secretary, poor):
    c = as_user(client, secretary)
    response = c.get(reverse("roster:edit", args=[poor.pk]))
    assert {"in_hardship", "hardship_note"} <= set(response.context["form"].fields)
    assert NOTE in response.content.decode()
    response = c.post(reverse("roster:edit", args=[poor.pk]), edit_data(poor, hardship_note="已解决"))
    assert response.status_code == 302
    poor.refresh_from_db()
    assert (poor.in_hardship, poor.hardship_note) == (False, "已解决")


def test_a_group_leader_adds_a_member_without_hardship(client, leader, branch_a, group):
    c = as_user(client, leader)
    form = c.get(reverse("roster:add")).context["form"]
    assert "in_hardship" not in form.fields
    assert "hardship_note" not in form.fields
    data = {"name": "新组员", "gender": "M", "phone": "13800138009", "joined_party_on": "2020-07-01"}
    data.update(status="full", organization=branch_a.pk, group=group.pk, in_hardship="on", hardship_note="编造")
    assert c.post(reverse("roster:add"), data).status_code == 302
    added = Member.objects.get(name="新组员")
    assert (added.in_hardship, added.hardship_note) == (False, "")


def test_an_organizer_approving_a_signup_gets_no_hardship_fields(branch_a):
    organizer = RoleFactory(organization=branch_a, kind=Role.Kind.ORGANIZER).user
    form = MemberForm(user=organizer, fixed_organization=branch_a)
    assert "hardship_note" not in form.fields
    secretary = RoleFactory(organization=branch_a, kind=Role.Kind.SECRETARY).user
    assert "hardship_note" in MemberForm(user=secretary, fixed_organization=branch_a).fields


def test_an_organizer_approving_a_signup_sets_no_hardship(client, branch_a):
    organizer = RoleFactory(organization=branch_a, kind=Role.Kind.ORGANIZER).user
    signup = SignupRequest.objects.create(
        user=UserFactory(name=""), invitation=InvitationFactory(organization=branch_a), organization=branch_a, name="新"
    )
    data = {"name": "新", "gender": "F", "joined_party_on": "2020-07-01", "status": "full"}
    data.update(in_hardship="on", hardship_note="编造")
    response = as_user(client, organizer).post(reverse("roster:signup_create", args=[signup.pk]), data)
    assert response.status_code == 302
    assert Member.objects.get(name="新").hardship_note == ""


# --- The list ---------------------------------------------------------------------------------


def test_a_group_leader_has_no_hardship_filter_and_the_parameter_is_ignored(client, leader, poor, other):
    c = as_user(client, leader)
    response = c.get(reverse("roster:list"))
    assert "hardship" not in response.context["form"].fields
    assert 'name="hardship"' not in response.content.decode()
    for value in ("yes", "no"):
        assert names(c.get(reverse("roster:list"), {"hardship": value})) == {"困难户", "普通户"}


def test_a_group_leaders_list_shows_no_hardship_badge(client, leader, poor):
    assert badge() not in as_user(client, leader).get(reverse("roster:list")).content.decode()


def test_a_secretary_filters_the_list_by_hardship_and_sees_the_badge(client, secretary, poor, other):
    c = as_user(client, secretary)
    response = c.get(reverse("roster:list"))
    assert "hardship" in response.context["form"].fields
    assert badge() in response.content.decode()
    assert names(c.get(reverse("roster:list"), {"hardship": "yes"})) == {"困难户"}
    assert names(c.get(reverse("roster:list"), {"hardship": "no"})) == {"普通户"}


def test_a_secretary_who_leads_a_group_elsewhere_filters_only_the_hardship_they_see(client, secretary, poor, branch_b):
    elsewhere = GroupFactory(parent=branch_b)
    RoleFactory(user=secretary, organization=elsewhere, kind=Role.Kind.GROUP_ADMIN)
    MemberFactory(name="别处困难户", organization=branch_b, group=elsewhere, in_hardship=True, hardship_note="秘")
    c = as_user(client, secretary)
    assert names(c.get(reverse("roster:list"))) == {"困难户", "别处困难户"}
    assert names(c.get(reverse("roster:list"), {"hardship": "yes"})) == {"困难户"}
    assert names(c.get(reverse("roster:list"), {"hardship": "no"})) == {"别处困难户"}
    page = c.get(reverse("roster:list")).context["page"]
    assert {m.name: m.show_hardship for m in page} == {"困难户": True, "别处困难户": False}


# --- The detail page's badge and change log ------------------------------------------------------------


def test_a_group_leader_sees_no_hardship_badge_or_logged_note_on_the_detail(client, leader, secretary, poor):
    MemberChange.objects.create(member=poor, user=secretary, action="updated", changes={"hardship_note": ["", NOTE]})
    MemberChange.objects.create(
        member=poor, user=secretary, action="updated", changes={"city": ["深圳", "广州"], "in_hardship": ["否", "是"]}
    )
    response = as_user(client, leader).get(reverse("roster:detail", args=[poor.pk]))
    body = response.content.decode()
    assert NOTE not in body
    assert badge() not in body
    assert "广州" in body
    # The note-only change is left out entirely, the mixed one keeps only its city.
    [change] = response.context["changes"]
    assert [(old, new) for _label, old, new in change.rows] == [("深圳", "广州")]


def test_a_secretary_sees_the_logged_note(client, secretary, poor):
    MemberChange.objects.create(member=poor, user=secretary, action="updated", changes={"hardship_note": ["", NOTE]})
    body = as_user(client, secretary).get(reverse("roster:detail", args=[poor.pk])).content.decode()
    assert body.count(NOTE) >= 2
    assert badge() in body


# --- The export -------------------------------------------------------------------------------


def test_a_group_leaders_export_ignores_the_hardship_filter_and_has_no_hardship_columns(client, leader, poor, other):
    c = as_user(client, leader)
    for value in ("yes", "1", "no", "0"):
        rows = sheet(c.get(reverse("roster_import:export"), {"hardship": value}))
        assert list(rows[0][: len(ROSTER_HEADERS)]) == list(ROSTER_HEADERS)
        assert {r[0] for r in rows[1:]} == {"困难户", "普通户"}
        assert not any(NOTE in str(cell) for r in rows for cell in r)


def test_a_secretarys_export_keeps_the_hardship_filter(client, secretary, poor, other):
    c = as_user(client, secretary)
    assert [r[0] for r in sheet(c.get(reverse("roster_import:export"), {"hardship": "yes"}))[1:]] == ["困难户"]
    assert [r[0] for r in sheet(c.get(reverse("roster_import:export"), {"hardship": "0"}))[1:]] == ["普通户"]


def test_a_group_leader_cannot_download_the_unmasked_export(client, db):
    """The full export carries every ID and phone number: a group leader asking for it gets 403."""
    from branches.tests.factories import OrganizationFactory

    branch = OrganizationFactory()
    group = GroupFactory(parent=branch)
    MemberFactory(organization=branch, group=group, id_number="110101199001011234")
    leader = UserFactory()
    RoleFactory(user=leader, organization=group, kind=Role.Kind.GROUP_ADMIN)
    client.force_login(leader)
    assert client.get(reverse("roster_import:export")).status_code == 200
    assert client.get(reverse("roster_import:export"), {"full": "1"}).status_code == 403
