"""The silent members list and the activity facts on a member's roster page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, CheckIn, MaterialDelivery, Report
from activities.tests.factories import ActivityFactory, MaterialFactory
from branches.models import Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.facts import member_facts
from members.models import Contact, Member
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

URL = "/roster/silent/"


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def check_in(member: Member, at: dt.datetime) -> CheckIn:
    day = at.date()
    activity = Activity.objects.filter(organization=member.organization, year=day.year, month=day.month).first()
    activity = activity or ActivityFactory(organization=member.organization, date=day)
    return CheckIn.objects.create(member=member, activity=activity, checked_in_at=at)


def report(member: Member, at: dt.datetime) -> Report:
    handed_in = Report.objects.create(member=member, title="思想汇报", body="正文")
    Report.objects.filter(pk=handed_in.pk).update(submitted_at=at)
    return handed_in


def study(member: Member, at: dt.datetime) -> MaterialDelivery:
    return MaterialDelivery.objects.create(
        member=member, material=MaterialFactory(), delivered_at=at, read_at=at, studied_at=at
    )


def silent_names(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return {m.name for m in response.context["page"]}


@pytest.fixture
def groups(branch_a):
    return GroupFactory(parent=branch_a, name="一组"), GroupFactory(parent=branch_a, name="二组")


def test_the_url_is_named():
    assert reverse("roster:silent") == URL


def test_members_never_heard_from_or_only_long_ago_are_silent(client, secretary, branch_a):
    MemberFactory(name="从未联系", organization=branch_a)
    old = MemberFactory(name="很久以前", organization=branch_a)
    Contact.objects.create(member=old, at=days_ago(61))
    check_in(old, days_ago(90))
    report(old, days_ago(100))
    study(old, days_ago(70))
    assert silent_names(client, secretary) == {"从未联系", "很久以前"}


@pytest.mark.parametrize("activity", ["contact", "check_in", "report", "study"])
def test_any_recent_contact_check_in_report_or_study_keeps_a_member_off_the_list(client, secretary, branch_a, activity):
    heard = MemberFactory(name="最近有动静", organization=branch_a)
    at = days_ago(59)
    if activity == "contact":
        Contact.objects.create(member=heard, at=at)
    else:
        {"check_in": check_in, "report": report, "study": study}[activity](heard, at)
    MemberFactory(name="沉默", organization=branch_a)
    assert silent_names(client, secretary) == {"沉默"}


def test_only_active_itinerant_members_are_listed(client, secretary, branch_a):
    MemberFactory(name="流动", organization=branch_a)
    MemberFactory(name="本地", organization=branch_a, is_itinerant=False)
    MemberFactory(name="转出", organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    assert silent_names(client, secretary) == {"流动"}


def test_each_branch_uses_its_own_silent_after_days(client, branch_a):
    strict = OrganizationFactory(name="严格支部", silent_after_days=14)
    committee = OrganizationFactory(kind="committee", name="党委")
    for branch in (branch_a, strict):
        branch.parent = committee
        branch.save()
    user = RoleFactory(organization=committee, kind=Role.Kind.SECRETARY).user
    lenient_member = MemberFactory(name="默认六十天", organization=branch_a)
    strict_member = MemberFactory(name="十四天", organization=strict)
    for m in (lenient_member, strict_member):
        Contact.objects.create(member=m, at=days_ago(20))
    assert silent_names(client, user) == {"十四天"}


def test_a_secretary_sees_only_their_branch(client, secretary, branch_a, outsider):
    MemberFactory(name="本支部", organization=branch_a)
    assert silent_names(client, secretary) == {"本支部"}


def test_a_group_admin_sees_only_their_group(client, branch_a, groups):
    admin = RoleFactory(organization=groups[0], kind=Role.Kind.GROUP_ADMIN).user
    MemberFactory(name="一组的", organization=branch_a, group=groups[0])
    MemberFactory(name="二组的", organization=branch_a, group=groups[1])
    MemberFactory(name="无组", organization=branch_a)
    assert silent_names(client, admin) == {"一组的"}


def test_the_silent_list_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_member_without_a_role_gets_403(client, member):
    client.force_login(member.user)
    assert client.get(URL).status_code == 403


def test_the_silent_list_refuses_post(client, secretary):
    client.force_login(secretary)
    assert client.post(URL).status_code == 405


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_silent_list_runs_the_same_few_queries_for_5_or_60_members(client, secretary, branch_a, groups):
    client.force_login(secretary)
    strict = OrganizationFactory(silent_after_days=30, parent=None)
    RoleFactory(user=secretary, organization=strict, kind=Role.Kind.SECRETARY)
    MemberFactory.create_batch(5, organization=branch_a, group=groups[0])
    small = _count_queries(client)
    for n, m in enumerate(MemberFactory.create_batch(55, organization=strict)):
        if n % 3 == 0:
            Contact.objects.create(member=m, at=days_ago(40))
        if n % 3 == 1:
            check_in(m, days_ago(45))
            report(m, days_ago(50))
            study(m, days_ago(55))
    assert _count_queries(client) == small
    assert small <= 10


def test_one_tap_logs_a_contact_and_comes_back_to_the_list(client, secretary, branch_a):
    quiet = MemberFactory(name="沉默", organization=branch_a)
    client.force_login(secretary)
    page = client.get(URL).content.decode()
    assert reverse("roster:contact", args=[quiet.pk]) in page
    response = client.post(
        reverse("roster:contact", args=[quiet.pk]), {"channel": "call", "note": "", "next": f"{URL}?page=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?page=1"
    contact = quiet.contacts.get()
    assert (contact.channel, contact.by) == ("call", secretary)
    assert silent_names(client, secretary) == set()


def test_a_contact_never_redirects_to_another_site(client, secretary, branch_a):
    quiet = MemberFactory(organization=branch_a)
    client.force_login(secretary)
    response = client.post(
        reverse("roster:contact", args=[quiet.pk]), {"channel": "call", "next": "https://example.com/"}
    )
    assert response["Location"] == reverse("roster:detail", args=[quiet.pk])


def test_one_tap_on_another_branchs_member_is_404(client, branch_b, secretary):
    stranger = MemberFactory(organization=branch_b)
    client.force_login(secretary)
    response = client.post(reverse("roster:contact", args=[stranger.pk]), {"channel": "call", "next": URL})
    assert response.status_code == 404
    assert not Contact.objects.exists()


# --- The facts on a member's page ----------------------------------------------------------


def test_the_detail_shows_last_contact_check_in_report_and_study(client, secretary, branch_a):
    target = MemberFactory(organization=branch_a)
    Contact.objects.create(member=target, at=days_ago(3))
    check_in(target, days_ago(40))
    check_in(target, days_ago(10))
    report(target, days_ago(20))
    study(target, days_ago(5))
    client.force_login(secretary)
    response = client.get(reverse("roster:detail", args=[target.pk]))
    facts = response.context["activity_facts"]
    assert facts["last_checkin"].date() == days_ago(10).date()
    assert facts["last_report"].date() == days_ago(20).date()
    assert facts["last_study"].date() == days_ago(5).date()
    body = response.content.decode()
    for n in (3, 10, 20, 5):
        assert timezone.localtime(days_ago(n)).strftime("%Y-%m-%d") in body


def test_member_facts_come_in_one_query_for_any_number_of_members(branch_a, django_assert_num_queries):
    members = MemberFactory.create_batch(4, organization=branch_a)
    check_in(members[0], days_ago(1))
    study(members[1], days_ago(2))
    ids = [m.pk for m in members]
    with django_assert_num_queries(1):
        facts = member_facts(ids)
    assert facts[members[0].pk]["last_checkin"] is not None
    assert facts[members[1].pk]["last_study"] is not None
    assert facts[members[2].pk] == {"last_checkin": None, "last_report": None, "last_study": None}
