"""Querysets compiled once per process: the same rows as the queryset, for each id, one query each."""

import pytest
from django.db.models import Count, Exists, OuterRef

from branches.models import Organization, Role
from branches.prepared import PreparedQuery
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def counted(build):
    """``build`` that also counts how often it was called."""
    calls = []

    def wrapped(value, key, **kwargs):
        calls.append(value)
        return build(value, key, **kwargs)

    return wrapped, calls


def members_of(user_id, key):
    return (
        Member.objects.select_related("organization", "group")
        .filter(user_id=user_id)
        .annotate(holds_roles=Exists(Role.objects.filter(user_id=OuterRef("user_id"))))
        .order_by()[:1]
    )


@pytest.fixture
def two_members(branch_a, branch_b):
    group = GroupFactory(parent=branch_a, name="一组")
    first = MemberFactory(name="甲", organization=branch_a, group=group, user=UserFactory())
    second = MemberFactory(name="乙", organization=branch_b, user=UserFactory())
    RoleFactory(user=first.user, organization=branch_a)
    return first, second


def test_each_id_gets_its_own_row_with_related_objects_and_annotations(two_members):
    first, second = two_members
    build, calls = counted(members_of)
    prepared = PreparedQuery("test-members", build)
    [a] = prepared.run(first.user_id)
    [b] = prepared.run(second.user_id)
    assert (a.pk, a.name, a.organization.name, a.group.name, a.holds_roles) == (
        first.pk,
        "甲",
        "A网络党支部",
        "一组",
        True,
    )
    assert (b.pk, b.name, b.organization.name, b.group, b.holds_roles) == (second.pk, "乙", "B党支部", None, False)
    assert a.__dict__.keys() == next(iter(members_of(first.user_id, None))).__dict__.keys()
    # Built once, with the placeholder: every later run only swaps the id.
    assert len(calls) == 1


def test_a_prepared_run_is_one_query(two_members, django_assert_num_queries):
    first, second = two_members
    prepared = PreparedQuery("test-one-query", members_of)
    prepared.run(first.user_id)
    with django_assert_num_queries(1):
        assert prepared.run(second.user_id)[0].pk == second.pk


def test_an_id_without_a_row_gives_nothing(two_members):
    assert PreparedQuery("test-nobody", members_of).run(987654) == []


def test_values_rows_come_as_dicts(two_members):
    first, second = two_members

    def counts(user_id, key):
        return Organization.objects.filter(members__user_id=user_id).values("name").annotate(n=Count("members"))

    prepared = PreparedQuery("test-values", counts)
    assert prepared.run(first.user_id) == [{"name": "A网络党支部", "n": 1}]
    assert prepared.run(second.user_id) == [{"name": "B党支部", "n": 1}]


def test_each_key_is_built_and_compiled_on_its_own(two_members):
    first, _second = two_members

    def named(user_id, key):
        return Member.objects.filter(user_id=user_id, name=key).values_list("name", flat=True)

    build, calls = counted(named)
    prepared = PreparedQuery("test-keys", build)
    assert prepared.run(first.user_id, key="甲") == ["甲"]
    assert prepared.run(first.user_id, key="乙") == []
    assert prepared.run(first.user_id, key="甲") == ["甲"]
    assert len(calls) == 2


def test_a_queryset_that_does_not_take_the_id_as_a_parameter_runs_the_ordinary_way(two_members):
    first, second = two_members

    def everyone(user_id, key):
        # The id is not in the SQL at all: nothing to swap, so it is built for each run.
        return Member.objects.order_by("name").values_list("name", flat=True)

    build, calls = counted(everyone)
    prepared = PreparedQuery("test-no-id", build)
    assert sorted(prepared.run(first.user_id)) == sorted(["甲", "乙"])
    MemberFactory(name="丙")
    assert sorted(prepared.run(second.user_id)) == sorted(["丙", "甲", "乙"])
    assert calls == [2_013_265_921, first.user_id, second.user_id]


def test_rows_written_after_the_first_run_are_seen(two_members):
    first, _second = two_members
    prepared = PreparedQuery("test-fresh", members_of)
    assert prepared.run(first.user_id)[0].holds_roles is True
    Role.objects.filter(user=first.user).delete()
    assert prepared.run(first.user_id)[0].holds_roles is False
