"""The workspace (工作台): to-do counts per scope, every task link by capability, bounded queries."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from activities.models import CheckIn, Leave, Report
from activities.tests.factories import ActivityFactory
from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.models import SignupRequest, Visit
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
URL = "/workspace/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def signup(branch, name="赵六") -> SignupRequest:
    invitation = InvitationFactory(organization=branch, uses=1)
    user = UserFactory(name="")
    return SignupRequest.objects.create(user=user, invitation=invitation, organization=branch, name=name)


def work_in(branch, group=None) -> dict:
    """One of each kind of work in ``branch`` (its members in ``group``): what a to-do list counts."""
    activity = ActivityFactory(organization=branch, date=dt.date(2026, 12, 6))
    asking = MemberFactory(organization=branch, group=group, is_itinerant=False)
    Leave.objects.create(member=asking, activity=activity, reason="出差")
    decided = MemberFactory(organization=branch, group=group, is_itinerant=False)
    Leave.objects.create(member=decided, activity=activity, reason="生病", status=Leave.Status.APPROVED)
    Report.objects.create(member=asking, title="汇报", body="正文")
    Report.objects.create(member=decided, title="已答复", body="正文", reply="好", replied_at=NOW)
    needy = MemberFactory(organization=branch, group=group, in_hardship=True, is_itinerant=False)
    Visit.objects.create(member=needy, visited_on=dt.date(2026, 10, 1), help_given="米面油", next_visit_on=TODAY)
    silent = MemberFactory(organization=branch, group=group, is_itinerant=True)
    CheckIn.objects.create(member=decided, activity=activity, checked_in_at=NOW)
    if branch.kind == Organization.Kind.BRANCH and group is None:
        signup(branch)
    return {"activity": activity, "silent": silent}


def counts(response) -> dict[str, int]:
    return {item.key: item.count for item in response.context["todos"]}


def assert_counts(response, expected: dict[str, int]) -> dict[str, int]:
    """The roster's and activities' queues as expected; every other app's queue (dues, flows) is empty here."""
    found = counts(response)
    assert {key: found.get(key) for key in expected} == expected
    assert {key: count for key, count in found.items() if key not in expected and count} == {}
    return found


def links(response) -> set[str]:
    found = {str(label) for _section, section_links in response.context["sections"] for label, _url in section_links}
    for _organization, organization_links in response.context["organizations"]:
        found |= {f"{label}@" for label, _url in organization_links}
    return found


def test_a_secretary_counts_every_queue_of_the_branch(client, secretary, branch_a):
    work_in(branch_a)
    client.force_login(secretary)
    response = client.get(URL)
    assert response.status_code == 200
    # Four members, none with a login; the one itinerant member has not been heard from.
    assert_counts(response, {"signups": 1, "leaves": 1, "reports": 1, "visits": 1, "silent": 1, "not_activated": 4})
    [activity] = response.context["panels"][0]["activities"]
    assert (activity.checked_in, activity.expected) == (1, 4)
    body = response.content.decode()
    assert reverse("activities:edit", args=[activity.pk]) in body
    assert "1 / 4" in body


def test_zero_counts_are_shown_muted_not_hidden(client, secretary):
    client.force_login(secretary)
    response = client.get(URL, headers={"accept-language": "en"})
    assert set(counts(response).values()) == {0}
    body = response.content.decode()
    assert '<li class="muted">' in body
    assert "Signups to approve" in body and "Reports to answer" in body


def test_a_group_leader_counts_only_their_group(client, branch_a):
    group, other = GroupFactory(parent=branch_a), GroupFactory(parent=branch_a)
    leader = RoleFactory(organization=group, kind=Role.Kind.GROUP_ADMIN).user
    work_in(branch_a, group)
    work_in(OrganizationFactory(), None)  # another branch's work
    MemberFactory(organization=branch_a, group=other, is_itinerant=False)
    Report.objects.create(member=MemberFactory(organization=branch_a, group=other), title="别组", body="正文")
    client.force_login(leader)
    response = client.get(URL)
    # Signups and hardship are the branch's secretaries' business: not on a group leader's list.
    found = assert_counts(response, {"leaves": 0, "reports": 1, "silent": 1, "not_activated": 4})
    assert "signups" not in found and "visits" not in found


def test_a_committee_counts_its_whole_subtree(client):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE)
    first, second = OrganizationFactory(parent=committee), OrganizationFactory(parent=committee)
    work_in(first)
    work_in(second)
    work_in(OrganizationFactory())  # outside the committee
    secretary = RoleFactory(organization=committee, kind=Role.Kind.SECRETARY).user
    client.force_login(secretary)
    response = client.get(URL)
    assert_counts(response, {"signups": 2, "leaves": 2, "reports": 2, "visits": 2, "silent": 2, "not_activated": 8})
    # The committee's own statistics and each branch's are listed.
    stats = {organization.pk for organization, _links in response.context["organizations"]}
    assert {committee.pk, first.pk, second.pk} <= stats
    assert reverse("activities:stats", args=[committee.pk]) in response.content.decode()
    assert len(response.context["panels"][0]["activities"]) == 2
    # Each row's links are all named "Statistics": a screen reader tells them apart by their organization.
    html = response.content.decode()
    for organization in (committee, first, second):
        assert f'<strong id="org-{organization.pk}">{organization.name}</strong>' in html
        stats_url = reverse("activities:stats", args=[organization.pk])
        assert f'href="{stats_url}" aria-describedby="org-{organization.pk}"' in html


def test_a_secretary_of_a_sees_none_of_bs_work(client, secretary, branch_a, branch_b):
    work_in(branch_b)
    client.force_login(secretary)
    response = client.get(URL)
    assert set(counts(response).values()) == {0}
    assert response.context["panels"][0]["activities"] == []
    assert branch_b.name not in response.content.decode()


def test_a_plain_member_is_refused_and_a_visitor_sent_to_log_in(client, member):
    assert client.get(URL).status_code == 302
    client.force_login(member.user)
    assert client.get(URL).status_code == 403


def test_the_workspace_rejects_wrong_method(client, secretary):
    client.force_login(secretary)
    assert client.post(URL).status_code == 405


SECRETARY_TASKS = {
    "Roster",
    "Add a member",
    "Import roster",
    "Export roster",
    "Export full roster",
    "Approvals",
    "Invitation codes",
    "Roles",
    "Hardship visits",
    "Silent members",
    "Not activated",
    "Activity days",
    "Leave requests",
    "Reports to answer",
    "Evaluation",
    "Channels",
    "Statistics@",
    "Channels@",
    "Message templates@",
}
# What a role held on a group never grants (branches.access.BRANCH_WIDE).
BRANCH_WIDE_TASKS = {"Import roster", "Export full roster", "Approvals", "Invitation codes", "Roles", "Hardship visits"}


def test_a_secretary_has_every_task_link(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.get(URL, headers={"accept-language": "en"})
    assert links(response) >= SECRETARY_TASKS
    body = response.content.decode()
    for name in ("roster_import:upload", "roster:signups", "roster:roles", "roster:visits", "activities:leaves"):
        assert f'href="{reverse(name)}"' in body, name
    assert f'href="{reverse("roster_import:export")}?full=1"' in body
    assert f'href="{reverse("notifications:templates", args=[branch_a.pk])}"' in body


def test_a_group_leader_has_no_link_their_role_does_not_grant(client, branch_a):
    leader = RoleFactory(organization=GroupFactory(parent=branch_a), kind=Role.Kind.GROUP_ADMIN).user
    client.force_login(leader)
    response = client.get(URL, headers={"accept-language": "en"})
    assert links(response) >= (SECRETARY_TASKS - BRANCH_WIDE_TASKS)
    assert not (BRANCH_WIDE_TASKS & links(response))
    assert reverse("roster:roles") not in response.content.decode()


def test_the_task_links_are_grouped_and_translated(client, secretary):
    client.force_login(secretary)
    response = client.get(URL)
    body = response.content.decode()
    for text in ("工作台", "名册", "组织生活", "统计与评议", "导入名册", "导出完整名册", "请假申请"):
        assert text in body, text


@pytest.mark.parametrize("size", [5, 50])
def test_the_query_count_does_not_grow_with_members_or_branches(client, size, django_assert_max_num_queries):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE)
    for _ in range(size // 5):
        branch = OrganizationFactory(parent=committee)
        group = GroupFactory(parent=branch)
        work_in(branch)
        MemberFactory.create_batch(3, organization=branch, group=group)
    secretary = RoleFactory(organization=committee, kind=Role.Kind.SECRETARY).user
    client.force_login(secretary)
    # session, user, role paths, the scope's branches, the silent thresholds,
    # every count in one query, this month's activities, the organizations,
    # navigation
    with django_assert_max_num_queries(9):
        assert client.get(URL).status_code == 200


# --- Reaching it --------------------------------------------------------------------------


def test_managers_find_the_workspace_first_in_the_top_bar_and_members_do_not(client, secretary, member):
    client.force_login(secretary)
    body = client.get(reverse("home")).content.decode()
    nav = body[body.index('class="topnav"') :]
    assert nav.index(f'href="{URL}"') < nav.index(f'href="{reverse("roster:list")}"')
    client.force_login(member.user)
    assert f'href="{URL}"' not in client.get(reverse("home")).content.decode()


def test_the_home_page_shows_a_managers_to_do_card_with_the_same_counts(client, secretary, member, branch_a):
    work_in(branch_a)
    MemberFactory(organization=branch_a, user=secretary, phone=secretary.phone)
    client.force_login(secretary)
    home = client.get(reverse("home"))
    workspace = client.get(URL)
    assert counts(home) == counts(workspace)
    body = home.content.decode()
    assert 'id="todo"' in body
    assert f'href="{reverse("roster:signups")}"' in body
    assert f'href="{reverse("roster:list")}?login=no"' in body
    # The member's part is still there.
    assert "支部" in body and member.user.name not in body


def test_the_roster_offers_import_and_both_exports_to_those_who_import(client, secretary, branch_a):
    client.force_login(secretary)
    body = client.get(reverse("roster:list"), {"status": "full"}).content.decode()
    assert f'href="{reverse("roster_import:upload")}"' in body
    assert f'href="{reverse("roster_import:export")}?status=full"' in body
    assert f'href="{reverse("roster_import:export")}?status=full&amp;full=1"' in body


def test_a_group_leader_may_export_the_masked_roster_only(client, branch_a):
    leader = RoleFactory(organization=GroupFactory(parent=branch_a), kind=Role.Kind.GROUP_ADMIN).user
    client.force_login(leader)
    body = client.get(reverse("roster:list")).content.decode()
    assert f'href="{reverse("roster_import:export")}"' in body
    assert "full=1" not in body
    assert f'href="{reverse("roster_import:upload")}"' not in body


# --- The queues the to-do list leads to ---------------------------------------------------


def test_the_leave_queue_lists_pending_leave_in_scope_and_decides_in_place(client, secretary, branch_a, branch_b):
    work_in(branch_a)
    work_in(branch_b)
    client.force_login(secretary)
    response = client.get(reverse("activities:leaves"))
    [pending] = response.context["page"].object_list
    assert pending.activity.organization == branch_a
    assert pending.status == Leave.Status.PENDING
    back = reverse("activities:leaves")
    answer = client.post(reverse("activities:leave_decide", args=[pending.pk]), {"decision": "approve", "next": back})
    assert answer.status_code == 302 and answer["Location"] == back
    pending.refresh_from_db()
    assert pending.status == Leave.Status.APPROVED
    assert list(client.get(back).context["page"].object_list) == []


def test_a_leave_declined_from_the_queue_carries_its_reason(client, secretary, branch_a):
    work_in(branch_a)
    leave = Leave.objects.get(status=Leave.Status.PENDING)
    client.force_login(secretary)
    page = client.get(reverse("activities:leaves")).content.decode()
    assert f'id="note-{leave.pk}" name="note"' in page
    client.post(
        reverse("activities:leave_decide", args=[leave.pk]),
        {"decision": "decline", "note": "当天需要值班", "next": reverse("activities:leaves")},
    )
    leave.refresh_from_db()
    assert leave.status == Leave.Status.DECLINED
    assert leave.decision_note == "当天需要值班"


def test_deciding_a_leave_never_returns_to_another_site(client, secretary, branch_a):
    work_in(branch_a)
    leave = Leave.objects.get(status=Leave.Status.PENDING)
    client.force_login(secretary)
    answer = client.post(
        reverse("activities:leave_decide", args=[leave.pk]), {"decision": "decline", "next": "//evil.example/"}
    )
    assert answer["Location"] == reverse("activities:detail", args=[leave.activity_id])


def test_another_branchs_leave_cannot_be_decided_from_the_queue(client, secretary, branch_b):
    work_in(branch_b)
    leave = Leave.objects.get(status=Leave.Status.PENDING)
    client.force_login(secretary)
    answer = client.post(reverse("activities:leave_decide", args=[leave.pk]), {"decision": "approve"})
    assert answer.status_code == 404
    leave.refresh_from_db()
    assert leave.status == Leave.Status.PENDING


@pytest.mark.parametrize("size", [2, 20])
def test_the_leave_queue_query_count_does_not_grow(client, secretary, branch_a, size, django_assert_max_num_queries):
    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    for member in MemberFactory.create_batch(size, organization=branch_a, group=GroupFactory(parent=branch_a)):
        Leave.objects.create(member=member, activity=activity, reason="出差")
    client.force_login(secretary)
    # session, user, role paths, count, page, navigation
    with django_assert_max_num_queries(6):
        assert client.get(reverse("activities:leaves")).status_code == 200


def test_the_visits_due_list_shows_the_branchs_due_visits_only(client, secretary, branch_a, branch_b):
    work_in(branch_a)
    work_in(branch_b)
    needy = MemberFactory(organization=branch_a, in_hardship=True)
    Visit.objects.create(member=needy, visited_on=dt.date(2026, 10, 1), help_given="慰问", next_visit_on=TODAY)
    # Followed up since: no longer due.
    Visit.objects.create(member=needy, visited_on=dt.date(2026, 12, 1), help_given="回访")
    client.force_login(secretary)
    response = client.get(reverse("roster:visits"))
    [due] = response.context["page"].object_list
    assert due.member.organization == branch_a and due.member != needy
    assert response["Cache-Control"] == "no-store"
    assert f'href="{reverse("roster:detail", args=[due.member.pk])}#hardship"' in response.content.decode()


@pytest.mark.parametrize("size", [2, 20])
def test_the_visits_due_query_count_does_not_grow(client, secretary, branch_a, size, django_assert_max_num_queries):
    for member in MemberFactory.create_batch(size, organization=branch_a, in_hardship=True):
        Visit.objects.create(member=member, visited_on=dt.date(2026, 10, 1), help_given="慰问", next_visit_on=TODAY)
    client.force_login(secretary)
    # session, user, role paths, the scope's branches, count, page, navigation
    with django_assert_max_num_queries(7):
        assert client.get(reverse("roster:visits")).status_code == 200


def test_a_group_leader_may_not_open_the_visits_due(client, branch_a):
    leader = RoleFactory(organization=GroupFactory(parent=branch_a), kind=Role.Kind.GROUP_ADMIN).user
    client.force_login(leader)
    assert client.get(reverse("roster:visits")).status_code == 403
