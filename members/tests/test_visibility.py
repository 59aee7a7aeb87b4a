import pytest
from django.http import Http404

from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members.access import get_managed_member, managed_members
from members.models import MemberChange
from members.services import record_change
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_secretary_sees_the_branch_and_a_group_admin_only_their_group(branch_a, branch_b, secretary):
    one, two = GroupFactory(parent=branch_a), GroupFactory(parent=branch_a)
    in_one = MemberFactory(organization=branch_a, group=one)
    in_two = MemberFactory(organization=branch_a, group=two)
    ungrouped = MemberFactory(organization=branch_a)
    MemberFactory(organization=branch_b)
    admin = RoleFactory(organization=one, kind=Role.Kind.GROUP_ADMIN).user
    assert set(managed_members(secretary)) == {in_one, in_two, ungrouped}
    assert list(managed_members(admin)) == [in_one]
    with pytest.raises(Http404):
        get_managed_member(admin, in_two.pk)


def test_members_and_outsiders_see_no_roster(member, outsider):
    assert not managed_members(member.user).exists()
    with pytest.raises(Http404):
        get_managed_member(outsider.user, member.pk)


def test_changes_are_recorded_with_who_and_what(secretary, member):
    change = record_change(member, secretary, MemberChange.Action.UPDATED, {"city": ["成都", "昆明"]})
    assert change.organization == member.organization
    assert list(member.changes.values_list("user_id", "changes")) == [(secretary.pk, {"city": ["成都", "昆明"]})]
