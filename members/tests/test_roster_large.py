"""The roster on a large branch: the last contact kept on the member, search counts up to a cap, surnames."""

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from members.models import Contact, Member
from members.roster import views
from members.roster.search import CONTACT_ORDER, NAME_ORDER, name_or_phone
from members.tests.factories import MemberFactory
from members.tests.helpers import client_for, count_queries

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def last_contact(member: Member) -> dt.datetime | None:
    return Member.objects.values_list("last_contact_at", flat=True).get(pk=member.pk)


# --- The last contact on the member -----------------------------------------------------------


def test_every_write_of_a_contact_keeps_the_members_last_contact(target, branch_a):
    other = MemberFactory(organization=branch_a)
    assert last_contact(target) is None
    old = Contact.objects.create(member=target, at=days_ago(30))
    assert last_contact(target) == old.at
    # Written out of order: an older contact logged later leaves the newest.
    older = Contact.objects.create(member=target, at=days_ago(60))
    assert last_contact(target) == old.at
    [new] = Contact.objects.bulk_create([Contact(member=target, at=days_ago(2))])
    assert last_contact(target) == new.at
    new.delete()
    assert last_contact(target) == old.at
    moved_back = days_ago(90)
    Contact.objects.filter(pk=old.pk).update(at=moved_back)
    assert last_contact(target) == older.at
    edited = Contact.objects.get(pk=older.pk)
    edited.member = other
    edited.save()
    assert (last_contact(target), last_contact(other)) == (moved_back, older.at)
    Contact.objects.filter(member__in=[target, other]).delete()
    assert (last_contact(target), last_contact(other)) == (None, None)


def test_saving_a_member_read_before_a_contact_keeps_the_contact(target):
    stale = Member.objects.get(pk=target.pk)
    contact = Contact.objects.create(member=target, at=days_ago(1))
    stale.city = "苏州"
    stale.save()
    assert Member.objects.values_list("city", "last_contact_at").get(pk=target.pk) == ("苏州", contact.at)


def test_logging_a_contact_on_the_page_moves_the_member_in_the_contact_sort(client, secretary, branch_a, target):
    far = MemberFactory(name="远", organization=branch_a)
    Contact.objects.create(member=far, at=days_ago(100))
    c = client_for(client, secretary)
    assert [m.name for m in c.get(reverse("roster:list"), {"sort": "contact"}).context["page"]] == ["张三", "远"]
    c.post(reverse("roster:contact", args=[target.pk]), {"channel": "call", "note": ""})
    page = c.get(reverse("roster:list"), {"sort": "contact"}).context["page"]
    assert [m.name for m in page] == ["远", "张三"]
    assert page[1].last_contact_at is not None


def test_the_migration_fills_the_last_contacts_that_exist(target, branch_a):
    other = MemberFactory(organization=branch_a)
    Contact.objects.create(member=target, at=days_ago(9))
    newest = Contact.objects.create(member=target, at=days_ago(3))
    Member.objects.update(last_contact_at=None)
    from django.apps import apps

    importlib.import_module("members.migrations.0006_member_last_contact_at").fill_last_contacts(apps, None)
    assert (last_contact(target), last_contact(other)) == (newest.at, None)


# --- Search counts ----------------------------------------------------------------------------


def test_a_search_counts_up_to_the_cap_past_the_page_and_the_pager_stays_right(
    client, secretary, branch_a, monkeypatch
):
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 10)
    MemberFactory.create_batch(55, organization=branch_a, city="深圳")
    c = client_for(client, secretary)
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    first = c.get(reverse("roster:list"), {"q": "深圳"}, **en)
    page = first.context["page"]
    assert (len(page), page.paginator.capped, page.has_next()) == (50, True, True)
    body = first.content.decode()
    assert "More than 50 members found" in body
    assert "Page 1 of" not in body
    assert "page=2" in body
    second = c.get(reverse("roster:list"), {"q": "深圳", "page": 2}, **en)
    page = second.context["page"]
    assert (len(page), page.paginator.capped, page.has_next()) == (5, False, False)
    assert "55 members found" in second.content.decode()
    assert "Page 2 of 2" in second.content.decode()
    # Without a search the count is exact.
    assert c.get(reverse("roster:list")).context["page"].paginator.count == 55


def test_a_page_far_beyond_the_matches_shows_the_last_one(client, secretary, branch_a, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 10)
    MemberFactory.create_batch(12, organization=branch_a, city="深圳")
    c = client_for(client, secretary)
    for asked in ["999999999", "-3", "x"]:
        page = c.get(reverse("roster:list"), {"q": "深圳", "page": asked}).context["page"]
        assert (page.number, len(page), page.paginator.capped) == (1, 12, False), asked


def test_a_capped_search_runs_the_same_queries_for_5_or_60_matches(client, secretary, branch_a, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 10)
    c = client_for(client, secretary)
    url = reverse("roster:list")
    variants = [{"q": "深圳"}, {"q": "张"}, {"q": "深圳", "sort": "contact"}]
    MemberFactory.create_batch(5, organization=branch_a, name="张三", city="深圳")
    small = [count_queries(c, url, params) for params in variants]
    for m in MemberFactory.create_batch(55, organization=branch_a, name="张三丰", city="深圳"):
        Contact.objects.create(member=m)
    assert [count_queries(c, url, params) for params in variants] == small
    assert max(small) <= 9


# --- Surnames ---------------------------------------------------------------------------------


def test_one_chinese_character_finds_the_members_of_that_surname(client, secretary, branch_a, target):
    MemberFactory(name="张伟", organization=branch_a)
    MemberFactory(name="小张", organization=branch_a)
    MemberFactory(name="王五", organization=branch_a, city="张家口")
    c = client_for(client, secretary)
    assert [m.name for m in c.get(reverse("roster:list"), {"q": "张"}).context["page"]] == ["张三", "张伟"]
    # Two characters are part of a name again.
    assert {m.name for m in c.get(reverse("roster:list"), {"q": "小张"}).context["page"]} == {"小张"}


# --- The list's labels ------------------------------------------------------------------------


def test_the_list_shows_status_and_province_in_the_pages_language(client, secretary, target):
    c = client_for(client, secretary)
    body = c.get(reverse("roster:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Full member" in body
    assert "Guangdong" in body


# --- Plans on PostgreSQL ----------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans are PostgreSQL's")
def test_on_postgresql_the_sorts_and_the_surname_search_use_an_index(branch_a):
    MemberFactory.create_batch(200, organization=branch_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
        cursor.execute("SET LOCAL enable_seqscan = off")
    scoped = Member.objects.filter(organization=branch_a, state=Member.State.ACTIVE)
    plan = scoped.order_by(*CONTACT_ORDER)[:50].explain()
    assert "member_contact_order_idx" in plan, plan
    assert "Sort" not in plan, plan
    plan = scoped.order_by("joined_party_on", *NAME_ORDER)[:50].explain()
    assert "member_joined_order_idx" in plan, plan
    assert "Sort" not in plan, plan
    plan = Member.objects.filter(name_or_phone("张")).order_by().explain()
    assert "member_name_prefix_idx" in plan, plan
