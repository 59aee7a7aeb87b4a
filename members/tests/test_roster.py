import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from branches.models import Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.models import Contact, Member, MemberChange, Visit
from members.provinces import Province
from members.roster import ACTIVATION_SMS_NOTE
from members.tests.factories import MemberFactory, UserFactory, id_number

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


@pytest.fixture
def groups(branch_a):
    return GroupFactory(parent=branch_a, name="一组"), GroupFactory(parent=branch_a, name="二组")


@pytest.fixture
def group_admin(groups):
    return RoleFactory(organization=groups[0], kind=Role.Kind.GROUP_ADMIN).user


@pytest.fixture
def secretary_b(branch_b):
    return RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user


@pytest.fixture
def target(branch_a, groups):
    """A roster entry of branch A, in group one, in hardship, without a login."""
    return MemberFactory(
        name="张三", organization=branch_a, group=groups[0], province="44", city="深圳", in_hardship=True
    )


def client_for(client, user):
    client.force_login(user)
    return client


def zh(msgid: str, **params) -> str:
    """The message as the Chinese page shows it."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return escape(text % params if params else text)


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
        ("roster:list", "post", False),
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


def _count_queries(c, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert c.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_few_queries_for_5_or_60_members(client, secretary, branch_a, groups):
    c = client_for(client, secretary)
    url = reverse("roster:list")
    variants = [{}, {"sort": "contact"}, {"q": "党员", "login": "no", "silent": 30, "group": groups[1].pk}]
    MemberFactory.create_batch(5, organization=branch_a, group=groups[0])
    small = [_count_queries(c, url, params) for params in variants]
    for m in MemberFactory.create_batch(55, organization=branch_a, group=groups[1], user=None):
        Contact.objects.create(member=m)
    assert [_count_queries(c, url, params) for params in variants] == small
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
    small = _count_queries(c, url)
    for n in range(30):
        Contact.objects.create(member=target, by=secretary)
        Visit.objects.create(
            member=target, visited_on=dt.date(2024, 1, 2), help_given=f"帮扶{n}", responsible=secretary
        )
        MemberChange.objects.create(member=target, user=secretary, action="updated", changes={"city": ["a", "b"]})
    assert _count_queries(c, url) == small
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


def _edit_data(member: Member, **changes) -> dict:
    data = {
        "name": member.name,
        "gender": member.gender,
        "phone": member.phone,
        "id_number": member.id_number or "",
        "birth_date": member.birth_date.isoformat() if member.birth_date else "",
        "joined_party_on": member.joined_party_on.isoformat(),
        "full_member_on": member.full_member_on.isoformat() if member.full_member_on else "",
        "status": member.status,
        "organization": member.organization_id,
        "group": member.group_id or "",
        "province": member.province,
        "city": member.city,
        "workplace": member.workplace,
        "left_home_on": "",
        "emergency_contact": "",
        "emergency_phone": "",
        "hardship_note": member.hardship_note,
    }
    if member.is_itinerant:
        data["is_itinerant"] = "on"
    if member.in_hardship:
        data["in_hardship"] = "on"
    data.update(changes)
    return data


def test_an_edit_logs_every_changed_field_old_to_new_with_the_id_number_masked(client, secretary, target):
    new_id = id_number(777)
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]),
        _edit_data(target, city="昆明", province="53", id_number=new_id, phone="139 1234 5678"),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.city, target.province, target.id_number, target.phone) == ("昆明", "53", new_id, "+8613912345678")
    change = target.changes.get(action=MemberChange.Action.UPDATED)
    assert change.user == secretary
    assert change.changes["city"] == ["深圳", "昆明"]
    assert set(change.changes) == {"city", "province", "id_number", "phone"}
    assert new_id not in str(change.changes)
    assert change.changes["id_number"][1] == "510***********" + new_id[-4:]
    assert change.changes["phone"][1] == "139****5678"


def test_an_edit_that_changes_nothing_writes_no_log(client, secretary, target):
    response = client_for(client, secretary).post(reverse("roster:edit", args=[target.pk]), _edit_data(target))
    assert response.status_code == 302
    assert not target.changes.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "“%(value)s” is not a valid mainland China mobile number (11 digits starting with 1)."),
        ("id_number", "51000019850701001X", "The ID number's check character is wrong; please check for a typo."),
    ],
)
def test_an_edit_with_bad_input_is_refused_with_the_translated_error(client, secretary, target, field, value, message):
    before = Member.objects.values().get(pk=target.pk)
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]), _edit_data(target, city="昆明", **{field: value})
    )
    assert response.status_code == 400
    assert (zh(message, value=value) if "%(" in message else zh(message)) in response.content.decode()
    assert Member.objects.values().get(pk=target.pk) == before
    assert not target.changes.exists()


def test_an_edit_cannot_put_a_member_in_a_group_of_another_branch(client, secretary, target, branch_a):
    sibling = OrganizationFactory(parent=OrganizationFactory(kind="committee"))
    # A committee secretary sees both branches, so the choice is offered and the model refuses it.
    branch_a.parent = sibling.parent
    branch_a.save()
    RoleFactory(user=secretary, organization=sibling.parent)
    foreign_group = GroupFactory(parent=sibling)
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]), _edit_data(target, group=foreign_group.pk)
    )
    assert response.status_code == 400
    assert zh("The group must be one of the member's branch's groups.") in response.content.decode()
    target.refresh_from_db()
    assert target.group != foreign_group


def test_an_edit_cannot_choose_a_group_outside_the_users_scope(client, secretary, target, branch_b):
    foreign_group = GroupFactory(parent=branch_b)
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]), _edit_data(target, group=foreign_group.pk)
    )
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.group != foreign_group


def test_adding_a_member_logs_the_creation(client, secretary, branch_a, groups):
    c = client_for(client, secretary)
    assert c.get(reverse("roster:add")).status_code == 200
    data = {
        "name": "新人",
        "gender": "F",
        "phone": "13800138000",
        "joined_party_on": "2020-07-01",
        "status": "probationary",
        "organization": branch_a.pk,
        "group": groups[1].pk,
    }
    response = c.post(reverse("roster:add"), data)
    assert response.status_code == 302
    added = Member.objects.get(name="新人")
    assert (added.phone, added.group, added.user) == ("+8613800138000", groups[1], None)
    change = added.changes.get()
    assert change.action == MemberChange.Action.CREATED
    assert change.changes["name"] == ["", "新人"]


def test_adding_a_member_to_another_branch_is_refused(client, secretary, branch_b):
    data = {"name": "越界", "gender": "M", "phone": "13800138001", "joined_party_on": "2020-07-01"}
    data.update(status="full", organization=branch_b.pk)
    response = client_for(client, secretary).post(reverse("roster:add"), data)
    assert response.status_code == 400
    assert not Member.objects.filter(name="越界").exists()


def test_a_group_admin_adds_members_only_to_their_group(client, group_admin, branch_a, groups):
    data = {"name": "组员", "gender": "M", "phone": "13800138002", "joined_party_on": "2020-07-01"}
    data.update(status="full", organization=branch_a.pk)
    c = client_for(client, group_admin)
    assert c.post(reverse("roster:add"), data).status_code == 400
    assert c.post(reverse("roster:add"), {**data, "group": groups[0].pk}).status_code == 302
    assert Member.objects.get(name="组员").group == groups[0]


def test_transfer_out_keeps_the_entry_and_logs_it(client, secretary, target):
    response = client_for(client, secretary).post(
        reverse("roster:transfer", args=[target.pk]), {"on": "2025-03-01", "note": "转至某市党支部"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.state, target.transferred_out_on) == (Member.State.TRANSFERRED_OUT, dt.date(2025, 3, 1))
    change = target.changes.get()
    assert change.action == MemberChange.Action.TRANSFERRED_OUT
    assert change.note == "转至某市党支部"
    assert change.changes["transferred_out_on"] == ["", "2025-03-01"]


def test_a_future_transfer_date_is_refused(client, secretary, target):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client_for(client, secretary).post(reverse("roster:transfer", args=[target.pk]), {"on": future})
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.state == Member.State.ACTIVE


def test_a_secretary_moves_a_member_to_another_group(client, secretary, target, groups):
    response = client_for(client, secretary).post(reverse("roster:move", args=[target.pk]), {"group": groups[1].pk})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.group == groups[1]
    assert target.changes.get().changes["group"] == ["一组", "二组"]


def test_a_group_admin_cannot_move_a_member_to_a_group_they_do_not_manage(client, group_admin, target, groups):
    response = client_for(client, group_admin).post(reverse("roster:move", args=[target.pk]), {"group": groups[1].pk})
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.group == groups[0]
    assert not target.changes.exists()
    # Out of any group would take the member out of the admin's scope too.
    assert client.post(reverse("roster:move", args=[target.pk]), {"group": ""}).status_code == 400


# --- Hardship ----------------------------------------------------------------------------


def test_a_secretary_sees_and_records_hardship_visits(client, secretary, target):
    c = client_for(client, secretary)
    assert (
        "roster:visit"
        and reverse("roster:visit", args=[target.pk])
        in c.get(reverse("roster:detail", args=[target.pk])).content.decode()
    )
    response = c.post(
        reverse("roster:visit", args=[target.pk]),
        {"visited_on": "2025-01-10", "help_given": "慰问金", "amount": "500.00", "responsible": secretary.pk},
    )
    assert response.status_code == 302
    visit = target.visits.get()
    assert (visit.help_given, str(visit.amount), visit.by, visit.responsible) == (
        "慰问金",
        "500.00",
        secretary,
        secretary,
    )


def test_a_group_admin_neither_sees_nor_records_hardship_visits(client, group_admin, target):
    Visit.objects.create(member=target, visited_on=dt.date(2025, 1, 1), help_given="秘密帮扶")
    c = client_for(client, group_admin)
    body = c.get(reverse("roster:detail", args=[target.pk])).content.decode()
    assert "秘密帮扶" not in body
    assert reverse("roster:visit", args=[target.pk]) not in body
    response = c.post(reverse("roster:visit", args=[target.pk]), {"visited_on": "2025-01-10", "help_given": "x"})
    assert response.status_code == 404
    assert target.visits.count() == 1


def test_a_negative_visit_amount_is_refused(client, secretary, target):
    response = client_for(client, secretary).post(
        reverse("roster:visit", args=[target.pk]), {"visited_on": "2025-01-10", "help_given": "x", "amount": "-1"}
    )
    assert response.status_code == 400
    assert not target.visits.exists()


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


def test_a_group_admins_distribution_covers_only_their_group(client, group_admin, branch_a, groups, target):
    MemberFactory(organization=branch_a, province="51", group=groups[1])
    response = client_for(client, group_admin).get(reverse("roster:distribution"))
    assert [n for _label, n in response.context["provinces"]] == [1]


def test_the_distribution_runs_the_same_queries_for_5_or_60_members(client, secretary, branch_a, groups):
    c = client_for(client, secretary)
    MemberFactory.create_batch(5, organization=branch_a, province="44")
    small = _count_queries(c, reverse("roster:distribution"))
    for n in range(55):
        MemberFactory(organization=branch_a, province=["51", "11", "33"][n % 3], group=groups[n % 2])
    assert _count_queries(c, reverse("roster:distribution")) == small
    assert small <= 7


# --- Activation SMS -------------------------------------------------------------------------


def test_an_activation_sms_goes_to_one_member_at_most_once_a_day(client, secretary, target, sms_outbox):
    c = client_for(client, secretary)
    assert c.post(reverse("roster:activation_sms"), {"member": target.pk}).status_code == 302
    assert [m.phone for m in sms_outbox] == [target.phone]
    assert "/accounts/signup/" in sms_outbox[0].text
    assert target.changes.get().note == ACTIVATION_SMS_NOTE
    c.post(reverse("roster:activation_sms"), {"member": target.pk})
    assert len(sms_outbox) == 1
    target.changes.update(at=timezone.now() - dt.timedelta(days=1, minutes=1))
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
