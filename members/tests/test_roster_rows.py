"""What a row of the roster list shows (written by ``members/roster/rows.py``), and the filters' markup."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Contact, Member
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows(client, user, **params) -> dict[str, str]:
    """Each row's markup by member name."""
    client.force_login(user)
    body = client.get(reverse("roster:list"), params).content.decode()
    found = re.findall(r'<a class="roster-row" href="([^"]+)">(.*?)</a>', body, flags=re.S)
    return {re.search(r"<strong>([^<]*)", row).group(1).strip(): (href, row) for href, row in found}


def spans(row: str) -> list[str]:
    return [re.sub(r"\s+", " ", s).strip() for s in re.findall(r"<span(?: class=\"muted\")?>(.*?)</span>", row, re.S)]


def test_a_row_links_to_the_entry_and_shows_group_status_place_login_and_contact(client, secretary, branch_a):
    group = GroupFactory(parent=branch_a, name="一组")
    member = MemberFactory(
        name="李明",
        organization=branch_a,
        group=group,
        province="44",
        city="深圳",
        user=UserFactory(),
        phone="+8613800138000",
    )
    Contact.objects.create(member=member, at=dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC))
    href, row = rows(client, secretary)["李明"]
    assert href == reverse("roster:detail", args=[member.pk])
    # 17:30 UTC is already 2 March in Beijing: the day is the reader's, as |date gave it.
    assert spans(row) == ["一组", member.get_status_display(), "广东省 深圳", "已激活", "2026-03-02 · 138****8000"]


def test_a_row_without_group_place_login_or_contact_says_so(client, secretary, branch_a):
    MemberFactory(name="王五", organization=branch_a, province="", city="")
    _href, row = rows(client, secretary)["王五"]
    group, _status, place, login, contact = spans(row)
    assert (group, place) == ("—", "—")
    assert '<em class="warn">未激活</em>' in login
    assert contact.startswith("从未联系 · ")


def test_badges_show_hardship_to_secretaries_and_a_transfer_out(client, secretary, branch_a):
    MemberFactory(name="困难", organization=branch_a, in_hardship=True)
    MemberFactory(name="转出", organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    shown = rows(client, secretary, state="all")
    assert '<span class="badge">困难帮扶</span>' in shown["困难"][1]
    assert '<span class="badge">已转出</span>' in shown["转出"][1]
    leader = RoleFactory(organization=branch_a, kind=Role.Kind.GROUP_ADMIN, user=UserFactory()).user
    for_leader = rows(client, leader, state="all")
    assert "困难帮扶" not in for_leader["困难"][1]


def test_a_name_is_escaped(client, secretary, branch_a):
    MemberFactory(name="<b>甲</b>", organization=branch_a)
    client.force_login(secretary)
    body = client.get(reverse("roster:list")).content.decode()
    assert "&lt;b&gt;甲&lt;/b&gt;" in body and "<b>甲</b>" not in body


def test_the_filters_keep_their_choices_and_values(client, secretary, branch_a):
    group = GroupFactory(parent=branch_a, name="二组")
    client.force_login(secretary)
    body = client.get(reverse("roster:list"), {"group": group.pk, "province": "44", "silent": "30"}).content.decode()
    assert f'<option value="{group.pk}" selected>二组</option>' in body
    assert '<option value="44" selected>广东省</option>' in body
    assert re.search(r'<input type="number" name="silent" value="30"[^>]* id="id_silent">', body)
    assert (
        '<div class="field"><label for="id_province">外出省份:</label><select name="province" id="id_province">' in body
    )
