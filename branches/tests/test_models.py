import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from branches.access import Capability, can, scope_of
from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="党委", code="c")
    general = OrganizationFactory(kind=Organization.Kind.GENERAL_BRANCH, name="总支", code="g", parent=committee)
    branch = OrganizationFactory(name="支部", code="b", parent=general)
    group = GroupFactory(name="小组", code="grp", parent=branch)
    other = OrganizationFactory(name="另一支部", code="b2", parent=committee)
    return committee, general, branch, group, other


def test_it_stores_a_materialized_path_of_primary_keys(tree):
    committee, general, branch, group, _ = tree
    assert committee.path == f"/{committee.pk}/"
    assert group.path == f"/{committee.pk}/{general.pk}/{branch.pk}/{group.pk}/"
    assert [committee.depth, general.depth, branch.depth, group.depth] == [0, 1, 2, 3]
    group.refresh_from_db()
    assert group.path.endswith(f"/{group.pk}/")


def test_subtree_is_one_query(tree, django_assert_num_queries):
    committee, general, branch, group, other = tree
    with django_assert_num_queries(1):
        names = set(Organization.objects.subtree_of(general).values_list("name", flat=True))
    assert names == {"总支", "支部", "小组"}


def test_is_within_is_a_prefix_test_not_a_sibling_match(tree):
    committee, general, branch, group, other = tree
    assert group.is_within(committee)
    assert group.is_within(group)
    assert not group.is_within(other)
    assert not committee.is_within(group)


def test_path_prefix_does_not_confuse_ids_sharing_digits(db):
    # "/1/" must not match "/12/": paths end with a slash for that reason.
    roots = [OrganizationFactory(kind=Organization.Kind.COMMITTEE) for _ in range(12)]
    first, twelfth = roots[0], roots[-1]
    assert not twelfth.is_within(first)
    assert list(Organization.objects.subtree_of(first)) == [first]


def test_moving_a_node_moves_its_whole_subtree(tree):
    committee, general, branch, group, other = tree
    other.kind = Organization.Kind.GENERAL_BRANCH
    other.save()
    branch.parent = other
    branch.save()
    group.refresh_from_db()
    assert group.path == f"{other.path}{branch.pk}/{group.pk}/"
    assert group.depth == 3
    assert group.is_within(other)
    assert not group.is_within(general)


def test_a_node_cannot_be_moved_under_itself(tree):
    committee, general, branch, group, _ = tree
    general.parent = branch
    with pytest.raises(ValidationError) as exc:
        general.full_clean()
    assert "parent" in exc.value.message_dict


def test_a_child_must_rank_below_its_parent(tree):
    committee, general, branch, group, _ = tree
    wrong = Organization(kind=Organization.Kind.BRANCH, name="x", code="x", parent=group)
    with pytest.raises(ValidationError) as exc:
        wrong.full_clean()
    assert "parent" in exc.value.message_dict


@pytest.mark.parametrize("day", [0, 29, 31])
def test_an_activity_day_outside_1_to_28_is_refused(day):
    organization = Organization(kind=Organization.Kind.BRANCH, name="x", code="x", activity_day=day)
    with pytest.raises(ValidationError) as exc:
        organization.full_clean()
    assert "activity_day" in exc.value.message_dict
    assert not Organization.objects.exists()


def test_the_database_refuses_an_activity_day_of_31_too(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(kind=Organization.Kind.BRANCH, name="x", code="x", activity_day=31)


def test_a_role_covers_the_whole_subtree(tree):
    committee, general, branch, group, other = tree
    user = UserFactory()
    RoleFactory(user=user, organization=general, kind=Role.Kind.SECRETARY)
    roster = Capability.MANAGE_ROSTER
    assert can(user, roster, group)
    assert can(user, roster, branch)
    assert not can(user, roster, other)
    assert not can(user, roster, committee)
    assert set(scope_of(user).organizations(roster)) == {general, branch, group}


def test_a_user_without_roles_manages_nothing(tree):
    user = UserFactory()
    assert not can(user, Capability.MANAGE_ROSTER, tree[2])
    assert not scope_of(user).organizations(Capability.MANAGE_ROSTER).exists()


def test_role_paths_are_read_once_per_user_object(tree, django_assert_num_queries):
    committee, general, branch, group, other = tree
    user = UserFactory()
    RoleFactory(user=user, organization=branch)
    with django_assert_num_queries(1):
        assert can(user, Capability.MANAGE_ROSTER, group)
        assert not can(user, Capability.MANAGE_ACTIVITIES, other)
        assert can(user, Capability.ANSWER_REPORTS, branch)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 7, 1), dt.date(2026, 7, 6)),
        (dt.date(2026, 7, 6), dt.date(2026, 7, 6)),
        (dt.date(2026, 7, 7), dt.date(2026, 8, 6)),
        (dt.date(2026, 12, 31), dt.date(2027, 1, 6)),
    ],
)
def test_next_activity_day_rolls_over_month_and_year_ends(today, expected):
    assert Organization(activity_day=6).next_activity_date(today) == expected


def test_the_rules_day_exists_in_every_month():
    branch = Organization(activity_day=28)
    assert branch.activity_date(2027, 2) == dt.date(2027, 2, 28)
    assert branch.next_activity_date(dt.date(2027, 1, 29)) == dt.date(2027, 2, 28)
