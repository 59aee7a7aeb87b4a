"""Role management: secretaries give and take roles in their subtree, and every change is logged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.models import MemberChange
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/roster/roles/"


@pytest.fixture
def group(branch_a):
    return GroupFactory(parent=branch_a, name="一组")


@pytest.fixture
def group_admin(group):
    return RoleFactory(organization=group, kind=Role.Kind.GROUP_ADMIN).user


def login(client, user):
    client.force_login(user)
    return client


def give(client, who, organization, kind=Role.Kind.GROUP_ADMIN):
    return client.post(URL, {"who": who, "organization": organization.pk, "kind": kind})


def test_the_urls_are_named():
    assert reverse("roster:roles") == URL
    assert reverse("roster:role_remove", args=[7]) == "/roster/roles/7/remove/"


def test_a_secretary_lists_the_roles_of_their_subtree_only(client, secretary, branch_a, branch_b, group_admin):
    other = RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY)
    response = login(client, secretary).get(URL)
    assert response.status_code == 200
    listed = {r.pk for r in response.context["roles"]}
    assert Role.objects.get(user=secretary).pk in listed
    assert Role.objects.get(user=group_admin).pk in listed
    assert other.pk not in listed


@pytest.mark.parametrize("who", ["group_admin", "plain_member"])
def test_group_admins_and_plain_members_get_403_on_the_page_and_404_on_roles(client, who, group_admin, member):
    user = group_admin if who == "group_admin" else member.user
    c = login(client, user)
    assert c.get(URL).status_code == 403
    assert c.post(URL, {}).status_code == 403
    role = Role.objects.get(user=group_admin)
    assert c.post(reverse("roster:role_remove", args=[role.pk])).status_code == 404
    assert Role.objects.filter(pk=role.pk).exists()


def test_the_pages_require_login(client, secretary):
    assert client.get(URL).status_code == 302
    role = Role.objects.get(user=secretary)
    assert client.post(reverse("roster:role_remove", args=[role.pk])).status_code == 302


def test_removing_refuses_get(client, secretary):
    role = Role.objects.get(user=secretary)
    assert login(client, secretary).get(reverse("roster:role_remove", args=[role.pk])).status_code == 405


def test_a_secretary_gives_a_role_to_a_member_by_name_and_it_is_logged(client, secretary, branch_a, group, member):
    response = give(login(client, secretary), "bob", group)
    assert response.status_code == 302
    role = Role.objects.get(user=member.user)
    assert (role.organization, role.kind) == (group, Role.Kind.GROUP_ADMIN)
    change = MemberChange.objects.get(note__startswith="role:")
    assert change.member == member
    assert change.organization == group
    assert change.user == secretary
    assert change.action == MemberChange.Action.UPDATED
    assert change.note == f"role:+group_admin:{group.code}:{member.user.pk}"
    assert change.changes["role"][0] == ""
    assert group.name in change.changes["role"][1]
    page = client.get(URL)
    assert [c.pk for c in page.context["changes"]] == [change.pk]
    assert page.context["changes"][0].holder == "bob"


def test_a_secretary_gives_a_role_to_any_login_by_phone(client, secretary, branch_a):
    helper = UserFactory(name="老李")
    response = give(login(client, secretary), helper.phone, branch_a)
    assert response.status_code == 302
    assert Role.objects.filter(user=helper, organization=branch_a).exists()
    change = MemberChange.objects.get(note__startswith="role:")
    assert change.member is None
    assert client.get(URL).context["changes"][0].holder == "老李"


def test_an_unknown_phone_or_name_is_refused_with_a_message(client, secretary, branch_a):
    c = login(client, secretary)
    assert give(c, "13912345678", branch_a).status_code == 400
    assert give(c, "查无此人", branch_a).status_code == 400
    assert not Role.objects.exclude(user=secretary).exists()


def test_a_name_shared_by_two_members_asks_for_the_phone(client, secretary, branch_a):
    for _ in range(2):
        user = UserFactory()
        MemberFactory(name="王五", organization=branch_a, user=user, phone=user.phone)
    response = give(login(client, secretary), "王五", branch_a)
    assert response.status_code == 400
    assert not Role.objects.exclude(user=secretary).exists()


def test_a_name_is_looked_up_only_in_the_secretarys_subtree(client, secretary, branch_a, outsider):
    response = give(login(client, secretary), "charlie", branch_a)
    assert response.status_code == 400
    assert not Role.objects.filter(user=outsider.user).exists()


def test_a_secretary_cannot_give_a_role_above_or_beside_their_subtree(client, secretary, branch_a, branch_b, member):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="党委")
    branch_a.parent = committee
    branch_a.save()
    c = login(client, secretary)
    for organization in (committee, branch_b):
        assert give(c, "bob", organization, Role.Kind.SECRETARY).status_code == 400
    assert not Role.objects.filter(user=member.user).exists()
    assert not MemberChange.objects.exists()


def test_giving_the_same_role_twice_is_refused(client, secretary, branch_a, member):
    c = login(client, secretary)
    assert give(c, "bob", branch_a).status_code == 302
    assert give(c, "bob", branch_a).status_code == 400
    assert Role.objects.filter(user=member.user).count() == 1
    assert MemberChange.objects.filter(note__startswith="role:").count() == 1


def test_a_deputy_secretary_manages_roles_too(client, branch_a, member):
    deputy = RoleFactory(organization=branch_a, kind=Role.Kind.DEPUTY_SECRETARY).user
    assert give(login(client, deputy), "bob", branch_a, Role.Kind.ORGANIZER).status_code == 302


def test_a_secretary_of_a_group_does_not_manage_roles(client, group):
    user = RoleFactory(organization=group, kind=Role.Kind.SECRETARY).user
    assert login(client, user).get(URL).status_code == 403


def test_a_secretary_removes_a_role_and_it_is_logged(client, secretary, group_admin, group):
    role = Role.objects.get(user=group_admin)
    response = login(client, secretary).post(reverse("roster:role_remove", args=[role.pk]))
    assert response.status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    change = MemberChange.objects.get(note__startswith="role:")
    assert change.note == f"role:-group_admin:{group.code}:{group_admin.pk}"
    assert change.changes["role"][1] == ""
    assert change.organization == group


def test_a_secretary_cannot_remove_a_role_of_another_branch(client, secretary, branch_b):
    role = RoleFactory(organization=branch_b, kind=Role.Kind.GROUP_ADMIN)
    assert login(client, secretary).post(reverse("roster:role_remove", args=[role.pk])).status_code == 404
    assert Role.objects.filter(pk=role.pk).exists()


def test_a_secretary_cannot_remove_their_own_last_secretary_role(client, secretary, branch_a):
    role = Role.objects.get(user=secretary)
    c = login(client, secretary)
    c.post(reverse("roster:role_remove", args=[role.pk]))
    assert Role.objects.filter(pk=role.pk).exists()
    assert not MemberChange.objects.exists()
    RoleFactory(organization=branch_a, kind=Role.Kind.DEPUTY_SECRETARY)
    assert c.post(reverse("roster:role_remove", args=[role.pk])).status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()


def test_a_secretary_may_remove_another_secretary_of_the_same_branch(client, secretary, branch_a):
    peer = RoleFactory(organization=branch_a, kind=Role.Kind.SECRETARY)
    login(client, secretary).post(reverse("roster:role_remove", args=[peer.pk]))
    assert not Role.objects.filter(pk=peer.pk).exists()


def test_a_role_change_shows_in_the_members_change_log(client, secretary, branch_a, member):
    c = login(client, secretary)
    give(c, "bob", branch_a)
    body = c.get(reverse("roster:detail", args=[member.pk])).content.decode()
    assert "role:+" not in body
    assert branch_a.name in body


def _count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_roles_page_runs_the_same_queries_for_few_or_many_roles(client, secretary, branch_a, group):
    c = login(client, secretary)
    give(c, secretary.phone, group)
    c.get(URL)  # shows and clears the flash message
    small = _count(c)
    for _ in range(15):
        user = UserFactory()
        MemberFactory(organization=branch_a, user=user, phone=user.phone)
        give(c, user.phone, group)
    RoleFactory.create_batch(5, organization=branch_a, kind=Role.Kind.ORGANIZER)
    c.get(URL)
    assert _count(c) == small
    assert small <= 10
