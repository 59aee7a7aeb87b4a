import io

from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members.imports import plan_import, read_roster
from members.imports.export import extra_headers, filter_roster
from members.models import Member, MemberChange
from members.spreadsheets import MASKED_NOTE, ROSTER_HEADERS
from members.tests.factories import MemberFactory, UserFactory


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_export_masks_phones_and_id_numbers_by_default(client, secretary, member):
    client.force_login(secretary)
    rows = sheet_rows(client.get(reverse("roster_import:export")))
    # Columns apps add for reading (the permit number) come after the note.
    assert list(rows[0]) == [*ROSTER_HEADERS, MASKED_NOTE, *extra_headers()]
    assert len(rows) == 2
    assert rows[1][0] == "bob"
    assert rows[1][2] == member.masked_phone
    assert rows[1][3] == member.masked_id_number
    assert not MemberChange.objects.exists()


def test_a_full_export_shows_the_data_and_is_logged_with_its_size(client, secretary, member, branch_a):
    MemberFactory(organization=branch_a)
    client.force_login(secretary)
    rows = sheet_rows(client.get(reverse("roster_import:export"), {"full": "1"}))
    assert member.phone[3:] in [r[2] for r in rows]
    assert member.id_number in [r[3] for r in rows]
    entry = MemberChange.objects.get()
    assert entry.action == MemberChange.Action.EXPORTED
    assert entry.organization == branch_a
    assert entry.user == secretary
    assert "2" in entry.note


def test_formula_like_text_is_escaped(client, secretary, branch_a):
    MemberFactory(
        organization=branch_a, name="=HYPERLINK(1)", workplace="+cmd", city="@SUM(A1)", emergency_contact="-1"
    )
    client.force_login(secretary)
    response = client.get(reverse("roster_import:export"))
    rows = sheet_rows(response)
    assert rows[1][0] == "'=HYPERLINK(1)"
    # An .xlsx text cell is never run: only what openpyxl would write as a formula is guarded.
    assert rows[1][11] == "@SUM(A1)"
    assert rows[1][12] == "+cmd"
    assert rows[1][13] == "-1"
    cells = load_workbook(io.BytesIO(response.content)).active.iter_rows()
    assert all(cell.data_type != "f" for line in cells for cell in line)


def test_the_export_holds_only_members_the_user_manages(client, secretary, member, outsider):
    client.force_login(secretary)
    names = [r[0] for r in sheet_rows(client.get(reverse("roster_import:export")))[1:]]
    assert names == ["bob"]


def test_the_export_applies_the_roster_filters(secretary, branch_a):
    group = GroupFactory(parent=branch_a)
    in_group = MemberFactory(organization=branch_a, group=group, province="44", is_itinerant=True)
    MemberFactory(organization=branch_a, province="51", is_itinerant=False, in_hardship=True)
    gone = MemberFactory(organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    members = Member.objects.all()
    assert list(filter_roster(members, {"group": str(group.pk)}, user=secretary)) == [in_group]
    assert list(filter_roster(members, {"province": "44"}, user=secretary)) == [in_group]
    assert list(filter_roster(members, {"itinerant": "1", "hardship": "0"}, user=secretary)) == [in_group]
    assert filter_roster(members, {"hardship": "yes"}, user=secretary).count() == 1
    assert filter_roster(members, {}, user=secretary).count() == 2
    assert gone in filter_roster(members, {"state": "transferred_out"}, user=secretary)
    assert filter_roster(members, {"state": "all"}, user=secretary).count() == 3
    assert list(filter_roster(members, {"q": in_group.phone[-6:]}, user=secretary)) == [in_group]
    assert filter_roster(members, {"activated": "1"}, user=secretary).count() == 0


def test_a_full_export_imports_back_unchanged(client, secretary, branch_a):
    group = GroupFactory(parent=branch_a, name="一组")
    MemberFactory(organization=branch_a, group=group, province="45", city="南宁", workplace="工地")
    client.force_login(secretary)
    response = client.get(reverse("roster_import:export"), {"full": "1"})
    plan = plan_import(read_roster(response.content), branch_a)
    assert plan.errors == []
    assert len(plan.unchanged) == 1


def test_the_export_needs_a_role(client, member):
    client.force_login(member.user)
    assert client.get(reverse("roster_import:export")).status_code == 403


def test_a_group_admin_exports_only_the_group(client, branch_a):
    group = GroupFactory(parent=branch_a)
    MemberFactory(organization=branch_a, group=group, name="组内")
    MemberFactory(organization=branch_a, name="组外")
    admin = UserFactory()
    RoleFactory(user=admin, organization=group, kind=Role.Kind.GROUP_ADMIN)
    client.force_login(admin)
    names = [r[0] for r in sheet_rows(client.get(reverse("roster_import:export")))[1:]]
    assert names == ["组内"]


def test_the_export_refuses_post(client, secretary):
    client.force_login(secretary)
    assert client.post(reverse("roster_import:export")).status_code == 405
