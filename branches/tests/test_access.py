"""The capability table, the per-request scope and the one check."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from branches.access import (
    BRANCH_WIDE,
    CAPABILITIES,
    Capability,
    can,
    capability_required,
    get_managed_organization,
    require,
    scope_of,
)
from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="党委", code="c")
    branch = OrganizationFactory(name="支部", code="b", parent=committee)
    group = GroupFactory(name="小组", code="grp", parent=branch)
    other = OrganizationFactory(name="另一支部", code="b2", parent=committee)
    return committee, branch, group, other


def holder(kind, organization):
    return RoleFactory(kind=kind, organization=organization).user


def test_every_role_kind_has_a_row_in_the_table():
    assert set(CAPABILITIES) == set(Role.Kind.values)


def test_secretaries_and_deputies_have_every_capability():
    assert CAPABILITIES[Role.Kind.SECRETARY] == set(Capability)
    assert CAPABILITIES[Role.Kind.DEPUTY_SECRETARY] == set(Capability)


def test_group_leaders_lead_people_but_hold_no_branch_wide_power():
    group_admin = CAPABILITIES[Role.Kind.GROUP_ADMIN]
    assert Capability.MANAGE_ROSTER in group_admin
    assert Capability.DECIDE_LEAVE in group_admin
    assert not group_admin & {Capability.SEE_HARDSHIP, Capability.MANAGE_ROLES, Capability.IMPORT_ROSTER}
    assert Capability.APPROVE_SIGNUPS not in group_admin


def test_a_role_covers_its_subtree_and_nothing_beside_it(tree):
    committee, branch, group, other = tree
    user = holder(Role.Kind.SECRETARY, branch)
    assert can(user, Capability.MANAGE_ROSTER, branch)
    assert can(user, Capability.MANAGE_ROSTER, group)
    assert not can(user, Capability.MANAGE_ROSTER, other)
    assert not can(user, Capability.MANAGE_ROSTER, committee)


def test_a_committee_secretary_covers_every_branch_below(tree):
    committee, branch, group, other = tree
    user = holder(Role.Kind.SECRETARY, committee)
    assert all(can(user, Capability.SEE_HARDSHIP, org) for org in (committee, branch, group, other))


def test_a_group_leader_may_not_see_hardship_even_in_their_group(tree):
    committee, branch, group, other = tree
    user = holder(Role.Kind.GROUP_ADMIN, group)
    assert can(user, Capability.MANAGE_ROSTER, group)
    assert not can(user, Capability.SEE_HARDSHIP, group)
    assert not can(user, Capability.MANAGE_ROSTER, branch)


@pytest.mark.parametrize("capability", sorted(BRANCH_WIDE))
def test_a_secretary_role_held_on_a_group_grants_nothing_branch_wide(tree, capability):
    committee, branch, group, other = tree
    user = holder(Role.Kind.SECRETARY, group)
    assert can(user, Capability.MANAGE_ROSTER, group)
    assert not can(user, capability, group)
    assert not scope_of(user).anywhere(capability)


def test_nothing_for_anonymous_users_and_everything_for_superusers(tree):
    from django.contrib.auth.models import AnonymousUser

    committee, branch, group, other = tree
    assert not can(AnonymousUser(), Capability.MANAGE_ROSTER, branch)
    assert not scope_of(AnonymousUser()).manages_anything
    superuser = UserFactory(is_superuser=True)
    assert can(superuser, Capability.APPROVE_TRANSFERS, other)
    assert scope_of(superuser).covers(Capability.MANAGE_ROSTER) is None


def test_no_organization_is_never_managed(tree):
    user = holder(Role.Kind.SECRETARY, tree[1])
    assert not can(user, Capability.MANAGE_ROSTER, None)


def test_the_scope_is_read_once_per_user_object(tree, django_assert_num_queries):
    committee, branch, group, other = tree
    user = holder(Role.Kind.SECRETARY, branch)
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert can(user, Capability.MANAGE_ROSTER, group)
        assert not can(user, Capability.SEE_HARDSHIP, other)
        assert scope_of(user).anywhere(Capability.DECIDE_LEAVE)
        assert scope_of(user).paths(Capability.MANAGE_ROSTER) == [branch.path]


def test_nested_roles_give_one_path(tree):
    committee, branch, group, other = tree
    user = holder(Role.Kind.SECRETARY, committee)
    RoleFactory(user=user, organization=branch, kind=Role.Kind.SECRETARY)
    assert scope_of(user).paths(Capability.MANAGE_ROSTER) == [committee.path]


def test_organizations_and_ids_follow_the_capability(tree):
    committee, branch, group, other = tree
    user = holder(Role.Kind.GROUP_ADMIN, group)
    scope = scope_of(user)
    assert list(scope.organizations(Capability.MANAGE_ROSTER)) == [group]
    assert not scope.organizations(Capability.SEE_HARDSHIP).exists()
    assert scope.branch_and_group_ids(Capability.MANAGE_ROSTER) == ([], [group.pk])
    secretary = holder(Role.Kind.SECRETARY, branch)
    # The group is inside a branch in scope: the branch's id covers it.
    assert scope_of(secretary).branch_and_group_ids(Capability.MANAGE_ROSTER) == ([branch.pk], [])


def test_require_answers_403_to_users_with_the_capability_nowhere(tree):
    committee, branch, group, other = tree
    require(holder(Role.Kind.SECRETARY, branch), Capability.MANAGE_ROLES)
    with pytest.raises(PermissionDenied):
        require(holder(Role.Kind.GROUP_ADMIN, group), Capability.MANAGE_ROLES)
    with pytest.raises(PermissionDenied):
        require(UserFactory(), Capability.MANAGE_ROSTER)


def test_the_decorator_sends_strangers_to_login_and_members_away(tree):
    committee, branch, group, other = tree

    @capability_required(Capability.IMPORT_ROSTER)
    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert view(request).status_code == 302
    request.user = UserFactory()
    with pytest.raises(PermissionDenied):
        view(request)
    request.user = holder(Role.Kind.ORGANIZER, branch)
    assert view(request).status_code == 200
    assert view.__wrapped__.capability == Capability.IMPORT_ROSTER


def test_another_branch_is_404_whether_or_not_it_exists(tree):
    committee, branch, group, other = tree
    user = holder(Role.Kind.SECRETARY, branch)
    assert get_managed_organization(user, group.pk) == group
    for pk in (other.pk, 10**6):
        with pytest.raises(Http404):
            get_managed_organization(user, pk)
