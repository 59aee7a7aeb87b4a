"""One's own roster entry, compiled once per process: each login still gets its own row and counts."""

import pytest
from django.db.models import Count, IntegerField, Value

from branches.tests.factories import RoleFactory
from members.access import OwnAnnotations, forget_own_member, own_member
from members.models import Member, User
from members.tests.factories import MemberFactory, UserFactory
from notifications.services import Notice, notify_members

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The login as a new request loads it: nothing cached on it."""
    return User.objects.get(pk=user.pk)


def notice():
    return Notice(kind="test", title="通知", body="正文", url="")


def test_each_login_reads_its_own_entry_unread_count_and_roles(member, outsider, branch_b):
    notify_members([member.pk], notice(), key="t:1:{member}")
    notify_members([member.pk], notice(), key="t:2:{member}")
    RoleFactory(user=outsider.user, organization=branch_b)
    mine, theirs = own_member(fresh(member.user)), own_member(fresh(outsider.user))
    assert (mine.pk, mine.organization.name, mine.nav_unread, mine.holds_roles) == (member.pk, "A网络党支部", 2, False)
    assert (theirs.pk, theirs.organization.name, theirs.nav_unread, theirs.holds_roles) == (
        outsider.pk,
        "B党支部",
        0,
        True,
    )


def test_a_login_without_an_entry_has_none(db):
    assert own_member(UserFactory()) is None


def test_one_query_per_request_whoever_asks(member, django_assert_num_queries):
    user = fresh(member.user)
    with django_assert_num_queries(1):
        assert own_member(user) == member
        assert own_member(user, include_former=True) == member


def test_a_former_member_is_read_for_their_own_past_only(member):
    Member.objects.filter(pk=member.pk).update(state=Member.State.TRANSFERRED_OUT)
    user = fresh(member.user)
    assert own_member(user) is None
    assert own_member(user, include_former=True).pk == member.pk


def test_page_annotations_with_a_key_are_built_once_and_read_for_each_login(member, outsider):
    built = []

    def build():
        built.append(1)
        return {"page_notices": Count("notifications"), "page_constant": Value(7, output_field=IntegerField())}

    notify_members([member.pk], notice(), key="t:1:{member}")
    key = ("test-page", 1)
    mine = own_member(fresh(member.user), annotations=OwnAnnotations(key, build))
    theirs = own_member(fresh(outsider.user), annotations=OwnAnnotations(key, build))
    assert (mine.page_notices, mine.page_constant, mine.nav_unread) == (1, 7, 1)
    assert (theirs.page_notices, theirs.page_constant, theirs.nav_unread) == (0, 7, 0)
    assert len(built) == 1


def test_an_entry_loaded_without_the_page_annotations_is_loaded_again_with_them(member, django_assert_num_queries):
    user = fresh(member.user)
    own_member(user)
    annotations = OwnAnnotations(("test-reload", 1), lambda: {"page_constant": Value(3, output_field=IntegerField())})
    with django_assert_num_queries(1):
        assert own_member(user, annotations=annotations).page_constant == 3
    with django_assert_num_queries(0):
        assert own_member(user, annotations=annotations).page_constant == 3


def test_plain_page_annotations_still_work(member):
    user = fresh(member.user)
    loaded = own_member(user, annotations={"page_constant": Value(5, output_field=IntegerField())})
    assert loaded.page_constant == 5


def test_after_forgetting_the_entry_the_count_is_read_again(member):
    user = fresh(member.user)
    assert own_member(user).nav_unread == 0
    notify_members([member.pk], notice(), key="t:1:{member}")
    assert own_member(user).nav_unread == 0  # the same request keeps what it loaded
    forget_own_member(user)
    assert own_member(user).nav_unread == 1


def test_a_second_entry_in_the_same_branch_does_not_change_whose_row_is_read(member, branch_a):
    other = MemberFactory(organization=branch_a, user=UserFactory())
    assert own_member(fresh(other.user)).pk == other.pk
    assert own_member(fresh(member.user)).pk == member.pk
