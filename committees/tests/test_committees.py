"""The branch committee: posts and their history, terms, the pages and who may open them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from committees import services
from committees.errors import CommitteeError
from committees.models import Post, Term
from members.tests.factories import MemberFactory, UserFactory

from .factories import PostFactory, TermFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def committee(db):
    return OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="矿党委", code="mine")


@pytest.fixture
def branch(committee):
    return OrganizationFactory(name="一支部", code="one", parent=committee)


@pytest.fixture
def other_branch(committee):
    return OrganizationFactory(name="二支部", code="two", parent=committee)


@pytest.fixture
def branch_secretary(branch):
    user = UserFactory(name="书记甲")
    RoleFactory(user=user, organization=branch, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def committee_secretary(committee):
    user = UserFactory(name="党委书记")
    RoleFactory(user=user, organization=committee, kind=Role.Kind.SECRETARY)
    return user


def _member(branch, name="张三", login=True):
    user = UserFactory(name=name) if login else None
    return MemberFactory(name=name, organization=branch, user=user, **({"phone": user.phone} if user else {}))


# --- Posts and their history -------------------------------------------------------------------


def test_a_post_is_recorded_and_ending_it_keeps_it_in_the_history(branch, branch_secretary):
    holder = _member(branch)
    post = services.add_post(branch, holder, Post.Kind.PUBLICITY, dt.date(2025, 1, 1), None, branch_secretary)
    services.end_post(post, dt.date(2026, 1, 1))
    post.refresh_from_db()
    assert post.ended_on == dt.date(2026, 1, 1)
    assert Post.objects.filter(organization=branch).count() == 1
    successor = services.add_post(
        branch, _member(branch, "李四"), Post.Kind.PUBLICITY, dt.date(2026, 1, 2), None, branch_secretary
    )
    from committees.data import branch_posts

    now, history = branch_posts(branch, TODAY)
    assert now == [successor]
    assert history == [post]


def test_a_second_secretary_at_the_same_time_is_refused_and_nothing_changes(branch, branch_secretary):
    services.add_post(branch, _member(branch), Post.Kind.SECRETARY, dt.date(2025, 1, 1), None, branch_secretary)
    with translation.override("zh-hans"), pytest.raises(CommitteeError) as refused:
        services.add_post(
            branch, _member(branch, "李四"), Post.Kind.SECRETARY, dt.date(2025, 6, 1), None, branch_secretary
        )
    assert refused.value.code == "post_taken"
    assert "书记" in str(refused.value)
    assert Post.objects.filter(kind=Post.Kind.SECRETARY).count() == 1


def test_several_deputies_and_members_may_serve_at_once(branch, branch_secretary):
    for name in ("甲", "乙"):
        services.add_post(branch, _member(branch, name), Post.Kind.DEPUTY, dt.date(2025, 1, 1), None, branch_secretary)
    assert Post.objects.filter(kind=Post.Kind.DEPUTY).count() == 2


def test_an_end_before_the_start_is_refused(branch, branch_secretary):
    with pytest.raises(CommitteeError) as refused:
        services.add_post(
            branch, _member(branch), Post.Kind.MEMBER, dt.date(2025, 1, 1), dt.date(2024, 1, 1), branch_secretary
        )
    assert refused.value.code == "ends_before_start"
    assert not Post.objects.exists()


def test_a_member_of_another_branch_cannot_hold_a_post(branch, other_branch, branch_secretary):
    with pytest.raises(CommitteeError) as refused:
        services.add_post(branch, _member(other_branch), Post.Kind.MEMBER, TODAY, None, branch_secretary)
    assert refused.value.code == "not_in_branch"


# --- Terms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("branch_type", "years"),
    [("village", 5), ("community", 5), ("office", 3), ("state_enterprise", 3), ("", 3)],
)
def test_term_length_follows_the_branch_type(branch, branch_secretary, branch_type, years):
    branch.branch_type = branch_type
    branch.save()
    term = services.record_election(branch, dt.date(2024, 2, 29), "", branch_secretary, TODAY)
    assert term.years == years
    # A leap day plus whole years ends on the month's last day.
    assert term.ends_on == dt.date(2024 + years, 2, 28)


def test_an_election_must_follow_the_last_and_not_be_in_the_future(branch, branch_secretary):
    services.record_election(branch, dt.date(2025, 1, 1), "", branch_secretary, TODAY)
    for day, code in ((dt.date(2024, 1, 1), "not_after_last"), (TODAY + dt.timedelta(days=1), "future")):
        with pytest.raises(CommitteeError) as refused:
            services.record_election(branch, day, "", branch_secretary, TODAY)
        assert refused.value.code == code
    assert Term.objects.count() == 1


# --- The proposed role ----------------------------------------------------------------------------


def test_a_new_secretary_post_proposes_the_role_and_grants_it_only_on_the_button(client, branch, branch_secretary):
    holder = _member(branch)
    post = services.add_post(branch, holder, Post.Kind.SECRETARY, dt.date(2025, 1, 1), None, branch_secretary)
    assert not Role.objects.filter(user=holder.user, organization=branch).exists()
    client.force_login(branch_secretary)
    page = client.get(reverse("committees:branch", args=[branch.pk]))
    assert reverse("committees:grant_role", args=[post.pk]).encode() in page.content
    response = client.post(reverse("committees:grant_role", args=[post.pk]))
    assert response.status_code == 302
    assert Role.objects.filter(user=holder.user, organization=branch, kind=Role.Kind.SECRETARY).exists()
    page = client.get(reverse("committees:branch", args=[branch.pk]))
    assert reverse("committees:grant_role", args=[post.pk]).encode() not in page.content


def test_a_deputy_post_proposes_the_deputy_role(branch, branch_secretary):
    holder = _member(branch)
    post = services.add_post(branch, holder, Post.Kind.DEPUTY, dt.date(2025, 1, 1), None, branch_secretary)
    member_post = services.add_post(branch, holder, Post.Kind.MEMBER, dt.date(2025, 1, 1), None, branch_secretary)
    assert services.proposed_roles([post, member_post], TODAY) == {
        post.pk: Role.Kind.DEPUTY_SECRETARY,
        member_post.pk: None,
    }


# --- Pages and permissions ------------------------------------------------------------------------


def _urls(branch, post):
    return [
        ("get", reverse("committees:branch", args=[branch.pk])),
        ("get", reverse("committees:add_post", args=[branch.pk])),
        ("get", reverse("committees:record_election", args=[branch.pk])),
        ("get", reverse("committees:edit_post", args=[post.pk])),
        ("post", reverse("committees:end_post", args=[post.pk])),
        ("post", reverse("committees:grant_role", args=[post.pk])),
    ]


def test_a_plain_member_gets_403_on_the_overview_and_404_on_the_branch(client, branch):
    post = PostFactory(organization=branch, kind=Post.Kind.SECRETARY)
    client.force_login(_member(branch, "普通党员").user)
    assert client.get(reverse("committees:overview")).status_code == 403
    for method, url in _urls(branch, post):
        assert getattr(client, method)(url).status_code == 404, url
    post.refresh_from_db()
    assert post.ended_on is None


def test_another_branchs_secretary_gets_404_and_changes_nothing(client, branch, other_branch):
    post = PostFactory(organization=branch, kind=Post.Kind.SECRETARY)
    stranger = UserFactory(name="外支部书记")
    RoleFactory(user=stranger, organization=other_branch, kind=Role.Kind.SECRETARY)
    client.force_login(stranger)
    for method, url in _urls(branch, post):
        assert getattr(client, method)(url, {"ended_on": "2026-01-01"}).status_code == 404, url
    post.refresh_from_db()
    assert post.ended_on is None
    assert not Role.objects.filter(organization=branch).exists()


def test_a_group_leader_of_the_branch_gets_403(client, branch):
    group = GroupFactory(parent=branch)
    leader = UserFactory(name="组长")
    RoleFactory(user=leader, organization=group, kind=Role.Kind.GROUP_ADMIN)
    client.force_login(leader)
    assert client.get(reverse("committees:overview")).status_code == 403


def test_the_committee_above_opens_every_page(client, branch, committee_secretary):
    post = PostFactory(organization=branch, kind=Post.Kind.MEMBER)
    client.force_login(committee_secretary)
    assert client.get(reverse("committees:overview")).status_code == 200
    for method, url in _urls(branch, post)[:4]:
        assert getattr(client, method)(url).status_code == 200, url


def test_wrong_methods_are_refused(client, branch, branch_secretary):
    post = PostFactory(organization=branch)
    client.force_login(branch_secretary)
    assert client.get(reverse("committees:end_post", args=[post.pk])).status_code == 405
    assert client.post(reverse("committees:branch", args=[branch.pk])).status_code == 405


def test_the_secretary_records_a_post_in_chinese(client, branch, branch_secretary):
    holder = _member(branch, "王小明")
    client.force_login(branch_secretary)
    url = reverse("committees:add_post", args=[branch.pk])
    data = {"member": holder.pk, "kind": "organization", "started_on": "2026-03-01", "ended_on": ""}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    page = client.get(reverse("committees:branch", args=[branch.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "王小明" in page.content.decode()


def test_the_election_form_takes_a_chinese_note(client, branch, branch_secretary):
    client.force_login(branch_secretary)
    url = reverse("committees:record_election", args=[branch.pk])
    response = client.post(url, {"elected_on": "2026-01-10", "note": "支部党员大会选举产生"})
    assert response.status_code == 302
    assert Term.objects.get().note == "支部党员大会选举产生"


def test_bad_dates_on_the_form_give_a_translated_error_and_change_nothing(client, branch, branch_secretary):
    holder = _member(branch)
    PostFactory(organization=branch, kind=Post.Kind.SECRETARY, member=_member(branch, "现任"))
    client.force_login(branch_secretary)
    url = reverse("committees:add_post", args=[branch.pk])
    with translation.override("zh-hans"):
        backwards = client.post(
            url,
            {"member": holder.pk, "kind": "member", "started_on": "2026-03-01", "ended_on": "2026-01-01"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        second = client.post(
            url, {"member": holder.pk, "kind": "secretary", "started_on": "2026-03-01"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        garbage = client.post(url, {"member": "x", "kind": "nope", "started_on": "2026-13-45"})
    assert backwards.status_code == 400
    assert "结束日期不能早于开始日期" in backwards.content.decode()
    assert second.status_code == 400
    assert "书记" in second.content.decode()
    assert garbage.status_code == 400
    assert Post.objects.count() == 1


def test_ending_a_post_before_its_start_is_refused(client, branch, branch_secretary):
    post = PostFactory(organization=branch, started_on=dt.date(2025, 5, 1))
    client.force_login(branch_secretary)
    client.post(reverse("committees:end_post", args=[post.pk]), {"ended_on": "2025-01-01"})
    post.refresh_from_db()
    assert post.ended_on is None


# --- The committee's view ---------------------------------------------------------------------------


def _branches(committee, n: int, today: dt.date) -> None:
    for i in range(n):
        branch = OrganizationFactory(parent=committee, name=f"支部{i}")
        GroupFactory(parent=branch)
        TermFactory(organization=branch, elected_on=dt.date(2022 + i % 3, 1, 1))
        PostFactory(organization=branch, kind=Post.Kind.SECRETARY)


def _overview_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("committees:overview"))
    assert response.status_code == 200
    return len(queries)


def test_the_overview_query_count_does_not_grow_with_branches(client, committee, committee_secretary):
    client.force_login(committee_secretary)
    _branches(committee, 3, TODAY)
    small = _overview_queries(client)
    _branches(committee, 27, TODAY)
    assert _overview_queries(client) == small
    # Session, login, scope, page count, the branches, their groups.
    assert small <= 7


def test_the_overview_flags_overdue_terms_large_branches_and_vacant_secretaries(
    client, committee, committee_secretary, time_machine
):
    time_machine.move_to(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC))
    overdue = OrganizationFactory(parent=committee, name="逾期支部")
    TermFactory(organization=overdue, elected_on=dt.date(2023, 1, 1))
    large = OrganizationFactory(parent=committee, name="大支部")
    GroupFactory(parent=large, name="第一党小组")
    MemberFactory.create_batch(51, organization=large)
    PostFactory(organization=large, kind=Post.Kind.SECRETARY)
    client.force_login(committee_secretary)
    response = client.get(reverse("committees:overview"))
    rows = {branch.name: flags for branch, flags in response.context["rows"]}
    assert rows["逾期支部"]["overdue"] and rows["逾期支部"]["vacant"]
    assert rows["大支部"]["large"] and not rows["大支部"]["vacant"]
    assert "第一党小组" in response.content.decode()


def test_a_holder_of_the_secretary_post_without_a_role_cannot_grant_it_to_himself(client, branch, branch_secretary):
    """The attack: the new 书记, who holds no role yet, posts the grant button's request himself."""
    holder = _member(branch, "新书记")
    post = services.add_post(branch, holder, Post.Kind.SECRETARY, dt.date(2025, 1, 1), None, branch_secretary)
    client.force_login(holder.user)
    assert client.post(reverse("committees:grant_role", args=[post.pk])).status_code == 404
    assert client.get(reverse("committees:branch", args=[branch.pk])).status_code == 404
    assert not Role.objects.filter(user=holder.user).exists()


def test_moving_a_post_onto_another_secretarys_days_is_refused(branch, branch_secretary):
    first = services.add_post(
        branch, _member(branch, "甲"), Post.Kind.SECRETARY, dt.date(2024, 1, 1), dt.date(2024, 12, 31), branch_secretary
    )
    services.add_post(branch, _member(branch, "乙"), Post.Kind.SECRETARY, dt.date(2025, 1, 1), None, branch_secretary)
    with pytest.raises(CommitteeError) as refused:
        services.change_post(first, dt.date(2024, 1, 1), None)
    assert refused.value.code == "post_taken"
    first.refresh_from_db()
    assert first.ended_on == dt.date(2024, 12, 31)


def _branch_page_queries(client, branch) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("committees:branch", args=[branch.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_branch_page_query_count_does_not_grow_with_posts(client, branch, branch_secretary):
    client.force_login(branch_secretary)
    services.add_post(branch, _member(branch, "书记"), Post.Kind.SECRETARY, dt.date(2025, 1, 1), None, branch_secretary)
    TermFactory(organization=branch)
    small = _branch_page_queries(client, branch)
    # Deputies without their role (each proposes one), ordinary members, and ended posts in the history.
    for i in range(4):
        services.add_post(
            branch, _member(branch, f"副书记{i}"), Post.Kind.DEPUTY, dt.date(2025, 1, 1), None, branch_secretary
        )
        services.add_post(
            branch, _member(branch, f"委员{i}"), Post.Kind.MEMBER, dt.date(2024, 1, 1), dt.date(2024, 12, 31), None
        )
    TermFactory(organization=branch, elected_on=dt.date(2021, 1, 1))
    page = client.get(reverse("committees:branch", args=[branch.pk]))
    with translation.override("zh-hans"):
        button = translation.gettext("Give the deputy secretary role")
    assert page.content.decode().count(button) == 4
    assert _branch_page_queries(client, branch) == small
