"""The roster workspace: who reaches which page, the list, one member's entry, distribution, activation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from branches.tests.factories import GroupFactory, OrganizationFactory
from members.models import Contact, Member, MemberChange, Visit
from members.provinces import Province
from members.roster.audit import ACTIVATION_SMS_NOTE
from members.tests.factories import MemberFactory, UserFactory
from members.tests.helpers import client_for, count_queries

pytestmark = pytest.mark.django_db

OBJECT_VIEWS = [
    ("roster:detail", "get"),
    ("roster:reveal", "post"),
    ("roster:contact", "post"),
    ("roster:visit", "post"),
    ("roster:edit", "get"),
    ("roster:transfer", "post"),
    ("roster:move", "post"),
]
LIST_VIEWS = [
    ("roster:list", "get"),
    ("roster:add", "get"),
    ("roster:distribution", "get"),
    ("roster:activation_sms", "post"),
]


# --- Permissions for every view ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), OBJECT_VIEWS + LIST_VIEWS)
def test_every_roster_view_requires_login(client, target, name, method):
    url = reverse(name, args=[target.pk]) if (name, method) in OBJECT_VIEWS else reverse(name)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(("name", "method"), OBJECT_VIEWS)
def test_secretary_of_another_branch_gets_404_on_a_members(client, secretary_b, target, name, method):
    response = getattr(client_for(client, secretary_b), method)(reverse(name, args=[target.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method"), OBJECT_VIEWS)
def test_a_member_without_a_role_gets_404_on_roster_entries(client, member, target, name, method):
    response = getattr(client_for(client, member.user), method)(reverse(name, args=[target.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method"), LIST_VIEWS)
def test_a_member_without_a_role_gets_403_on_roster_pages(client, member, name, method):
    response = getattr(client_for(client, member.user), method)(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "method", "with_pk"),
    [
        ("roster:list", "put", False),
        ("roster:distribution", "post", False),
        ("roster:activation_sms", "get", False),
        ("roster:add", "put", False),
        ("roster:detail", "post", True),
        ("roster:reveal", "get", True),
        ("roster:contact", "get", True),
        ("roster:visit", "get", True),
        ("roster:edit", "delete", True),
        ("roster:transfer", "get", True),
        ("roster:move", "get", True),
    ],
)
def test_roster_views_refuse_the_wrong_method(client, secretary, target, name, method, with_pk):
    url = reverse(name, args=[target.pk]) if with_pk else reverse(name)
    assert getattr(client_for(client, secretary), method)(url).status_code == 405


def test_a_group_admin_sees_only_their_group(client, group_admin, groups, target, branch_a):
    other = MemberFactory(name="李四", organization=branch_a, group=groups[1])
    c = client_for(client, group_admin)
    listed = c.get(reverse("roster:list"))
    assert listed.status_code == 200
    assert [m.pk for m in listed.context["page"]] == [target.pk]
    assert c.get(reverse("roster:detail", args=[target.pk])).status_code == 200
    assert c.get(reverse("roster:detail", args=[other.pk])).status_code == 404
    assert c.post(reverse("roster:contact", args=[other.pk]), {"channel": "call"}).status_code == 404


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_the_branch_with_phones_masked(client, secretary, target, outsider):
    response = client_for(client, secretary).get(reverse("roster:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "张三" in body
    assert target.masked_phone in body
    assert target.phone not in body
    assert target.phone[3:] not in body
    assert outsider.name not in body


def test_the_list_finds_members_by_name_and_by_phone_digits(client, secretary, branch_a, target):
    MemberFactory(name="王五", organization=branch_a, phone="+8613912345678")
    c = client_for(client, secretary)

    def names(**params):
        return {m.name for m in c.get(reverse("roster:list"), params).context["page"]}

    assert names(q="张") == {"张三"}
    assert names(q="139 1234") == {"王五"}
    assert names(q="+86 139-1234-5678") == {"王五"}
    assert names(q="5678") == {"王五"}


def test_the_list_filters_by_login_state_province_group_and_hardship(client, secretary, branch_a, groups, target):
    activated = MemberFactory(name="有号", organization=branch_a, user=UserFactory(), province="51")
    gone = MemberFactory(name="走了", organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    c = client_for(client, secretary)

    def names(**params):
        return {m.name for m in c.get(reverse("roster:list"), params).context["page"]}

    assert names() == {"张三", "有号"}
    assert names(login="no") == {"张三"}
    assert names(login="yes") == {activated.name}
    assert names(province="51") == {activated.name}
    assert names(group=groups[0].pk) == {"张三"}
    assert names(hardship="yes") == {"张三"}
    assert names(itinerant="no") == set()
    assert names(state="transferred_out") == {gone.name}
    assert names(state="all") == {"张三", "有号", "走了"}


def test_the_list_filters_and_sorts_by_last_contact(client, secretary, branch_a, target):
    recent = MemberFactory(name="近", organization=branch_a)
    old = MemberFactory(name="远", organization=branch_a)
    now = timezone.now()
    Contact.objects.create(member=recent, at=now - dt.timedelta(days=2))
    Contact.objects.create(member=old, at=now - dt.timedelta(days=100))
    c = client_for(client, secretary)
    silent = c.get(reverse("roster:list"), {"silent": 30}).context["page"]
    assert {m.name for m in silent} == {"远", "张三"}
    ordered = c.get(reverse("roster:list"), {"sort": "contact"}).context["page"]
    assert [m.name for m in ordered] == ["张三", "远", "近"]
    page = c.get(reverse("roster:list")).context["page"]
    assert {m.name: m.last_contact_at is not None for m in page} == {"张三": False, "远": True, "近": True}


def test_the_list_pages_fifty_at_a_time_keeping_the_filters(client, secretary, branch_a):
    MemberFactory.create_batch(55, organization=branch_a, province="44")
    c = client_for(client, secretary)
    first = c.get(reverse("roster:list"), {"province": "44"})
    assert len(first.context["page"]) == 50
    assert "province=44&amp;page=2" in first.content.decode()
    assert len(c.get(reverse("roster:list"), {"province": "44", "page": 2}).context["page"]) == 5


def test_the_list_runs_the_same_few_queries_for_5_or_60_members(client, secretary, branch_a, groups):
    c = client_for(client, secretary)
    url = reverse("roster:list")
    variants = [{}, {"sort": "contact"}, {"q": "党员", "login": "no", "silent": 30, "group": groups[1].pk}]
    MemberFactory.create_batch(5, organization=branch_a, group=groups[0])
    small = [count_queries(c, url, params) for params in variants]
    for m in MemberFactory.create_batch(55, organization=branch_a, group=groups[1], user=None):
        Contact.objects.create(member=m)
    assert [count_queries(c, url, params) for params in variants] == small
    assert max(small) <= 9


# --- One member ----------------------------------------------------------------------------


def test_the_detail_shows_the_entry_masked_with_its_log_and_contacts(client, secretary, target):
    Contact.objects.create(member=target, by=secretary, channel=Contact.Channel.VISIT, note="家访")
    response = client_for(client, secretary).get(reverse("roster:detail", args=[target.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert target.masked_phone in body
    assert target.masked_id_number in body
    assert target.phone not in body
    assert target.id_number not in body
    assert "家访" in body


def test_reveal_shows_the_full_numbers_once_and_logs_it(client, secretary, target):
    c = client_for(client, secretary)
    response = c.post(reverse("roster:reveal", args=[target.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert target.phone in body
    assert target.id_number in body
    assert response["Cache-Control"] == "no-store"
    change = target.changes.get()
    assert (change.action, change.user) == (MemberChange.Action.REVEALED, secretary)
    assert target.id_number not in c.get(reverse("roster:detail", args=[target.pk])).content.decode()


def test_the_detail_runs_the_same_queries_for_short_and_long_histories(client, secretary, target):
    c = client_for(client, secretary)
    url = reverse("roster:detail", args=[target.pk])
    Contact.objects.create(member=target)
    Visit.objects.create(member=target, visited_on=dt.date(2024, 1, 1), help_given="米面油")
    small = count_queries(c, url)
    for n in range(30):
        Contact.objects.create(member=target, by=secretary)
        Visit.objects.create(
            member=target, visited_on=dt.date(2024, 1, 2), help_given=f"帮扶{n}", responsible=secretary
        )
        MemberChange.objects.create(member=target, user=secretary, action="updated", changes={"city": ["a", "b"]})
    assert count_queries(c, url) == small
    assert small <= 12


def test_logging_a_contact_takes_one_post(client, secretary, target):
    response = client_for(client, secretary).post(
        reverse("roster:contact", args=[target.pk]), {"channel": "call", "note": "一切安好"}
    )
    assert response.status_code == 302
    contact = target.contacts.get()
    assert (contact.channel, contact.note, contact.by) == ("call", "一切安好", secretary)


def test_a_contact_with_an_unknown_channel_is_refused(client, secretary, target):
    response = client_for(client, secretary).post(reverse("roster:contact", args=[target.pk]), {"channel": "fax"})
    assert response.status_code == 400
    assert not target.contacts.exists()


# --- Distribution ------------------------------------------------------------------------


def test_the_distribution_counts_active_members_per_province_and_group(client, secretary, branch_a, groups, target):
    MemberFactory(organization=branch_a, province="44", group=groups[1])
    MemberFactory(organization=branch_a, province="51")
    MemberFactory(organization=branch_a, province="51", state=Member.State.TRANSFERRED_OUT)
    MemberFactory(organization=OrganizationFactory(), province="11")
    response = client_for(client, secretary).get(reverse("roster:distribution"))
    assert response.status_code == 200
    with translation.override("zh-hans"):
        expected = [(str(Province.GUANGDONG.label), 2), (str(Province.SICHUAN.label), 1)]
    assert expected[0][0] != "Guangdong"
    assert response.context["provinces"] == expected
    assert response.context["groups"][:2] == [("一组", 1), ("二组", 1)]
    assert "<svg" in response.content.decode()


def test_the_distribution_lists_groups_in_tree_order_when_their_ids_differ_in_length(client, secretary, branch_a):
    # Ids far above any sequence a test run reaches: 9,999,999 and 10,000,000 sort the other way round as text.
    nine = GroupFactory(id=9_999_999, parent=branch_a, name="九组")
    ten = GroupFactory(id=10_000_000, parent=branch_a, name="十组")
    MemberFactory(organization=branch_a, group=ten)
    MemberFactory(organization=branch_a, group=nine)
    MemberFactory(organization=branch_a)
    assert ten.path < nine.path  # as text: the order below must not rest on it
    response = client_for(client, secretary).get(reverse("roster:distribution"))
    with translation.override("zh-hans"):
        no_group = translation.gettext("No group")
    assert response.context["groups"] == [("九组", 1), ("十组", 1), (no_group, 1)]


def test_a_group_admins_distribution_covers_only_their_group(client, group_admin, branch_a, groups, target):
    MemberFactory(organization=branch_a, province="51", group=groups[1])
    response = client_for(client, group_admin).get(reverse("roster:distribution"))
    assert [n for _label, n in response.context["provinces"]] == [1]


def test_the_distribution_runs_the_same_queries_for_5_or_60_members(client, secretary, branch_a, groups):
    c = client_for(client, secretary)
    MemberFactory.create_batch(5, organization=branch_a, province="44")
    small = count_queries(c, reverse("roster:distribution"))
    for n in range(55):
        MemberFactory(organization=branch_a, province=["51", "11", "33"][n % 3], group=groups[n % 2])
    assert count_queries(c, reverse("roster:distribution")) == small
    assert small <= 7


# --- Activation SMS -------------------------------------------------------------------------


def test_an_activation_sms_goes_to_one_member_at_most_once_a_day(client, secretary, target, sms_outbox, time_machine):
    c = client_for(client, secretary)
    assert c.post(reverse("roster:activation_sms"), {"member": target.pk}).status_code == 302
    assert [m.phone for m in sms_outbox] == [target.phone]
    assert "/accounts/signup/" in sms_outbox[0].text
    assert target.changes.get().note == ACTIVATION_SMS_NOTE
    c.post(reverse("roster:activation_sms"), {"member": target.pk})
    assert len(sms_outbox) == 1
    time_machine.move_to(timezone.now() + dt.timedelta(days=1, minutes=1))
    c.post(reverse("roster:activation_sms"), {"member": target.pk})
    assert len(sms_outbox) == 2


def test_the_activation_sms_to_all_reaches_only_unactivated_active_members_in_scope(
    client, secretary, branch_a, target, member, outsider, sms_outbox
):
    gone = MemberFactory(organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    MemberFactory(organization=outsider.organization)
    response = client_for(client, secretary).post(reverse("roster:activation_sms"))
    assert response.status_code == 302
    assert [m.phone for m in sms_outbox] == [target.phone]
    assert not gone.changes.exists()


def test_an_activation_sms_to_another_branchs_member_is_404(client, secretary_b, target, sms_outbox):
    response = client_for(client, secretary_b).post(reverse("roster:activation_sms"), {"member": target.pk})
    assert response.status_code == 404
    assert sms_outbox == []
