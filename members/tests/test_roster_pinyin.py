"""Finding members by pinyin, initials, city and workplace, and names in pinyin order."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from members import pinyin
from members.models import Member, RosterImport
from members.roster.search import name_or_phone
from members.tests.factories import MemberFactory
from members.tests.helpers import client_for, count_queries
from members.tests.roster_files import csv_bytes, row

pytestmark = pytest.mark.django_db


def names(c, **params) -> list[str]:
    return [m.name for m in c.get(reverse("roster:list"), params).context["page"]]


# --- Readings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("单雄信", "shanxiongxin", "sxx"),
        ("曾国藩", "zengguofan", "zgf"),
        ("单于勇", "chanyuyong", "cyy"),
        ("吕布", "lvbu", "lb"),
        ("买买提·艾力", "maimaitiaili", "mmtal"),
        ("李 Mary", "limary", "lm"),
    ],
)
def test_a_name_is_read_in_pinyin_with_surnames_read_as_surnames(name, full, initials):
    assert pinyin.name_pinyin(name) == full
    assert pinyin.name_initials(name) == initials


# --- Search -----------------------------------------------------------------------------------


def test_the_list_finds_a_member_by_pinyin_initials_and_part_of_the_name(client, secretary, branch_a, target):
    MemberFactory(name="王五", organization=branch_a)
    c = client_for(client, secretary)
    for typed in ["zhangsan", "zs", "zhang san", "ZS", "Zhang", "zhangs", "张"]:
        assert names(c, q=typed) == ["张三"], typed
    for typed in ["zhangsi", "san", "sz"]:
        assert names(c, q=typed) == [], typed


def test_the_list_finds_members_by_city_and_workplace(client, secretary, branch_a, target):
    MemberFactory(name="王五", organization=branch_a, city="苏州", workplace="富士康科技集团")
    MemberFactory(name="李四", organization=branch_a, workplace="IBM中国")
    c = client_for(client, secretary)
    assert names(c, q="深圳") == ["张三"]
    assert names(c, q="富士康") == ["王五"]
    assert names(c, q="科技") == ["王五"]
    assert names(c, q="ibm") == ["李四"]


def test_a_pinyin_search_stays_inside_the_users_scope(client, secretary, branch_b, target):
    MemberFactory(name="张四", organization=branch_b)
    assert names(client_for(client, secretary), q="zs") == ["张三"]


# --- Order ------------------------------------------------------------------------------------


def test_the_list_sorts_names_in_pinyin_order_not_by_code_point(client, secretary, branch_a):
    for name in ["张三", "白云", "艾青"]:
        MemberFactory(name=name, organization=branch_a, city="深圳")
    assert sorted(["张三", "白云", "艾青"]) == ["张三", "白云", "艾青"]  # code point order
    c = client_for(client, secretary)
    assert names(c) == ["艾青", "白云", "张三"]
    assert names(c, q="深圳") == ["艾青", "白云", "张三"]
    assert [m.name for m in Member.objects.filter(organization=branch_a)] == ["艾青", "白云", "张三"]


# --- Every write keeps the pinyin in step -----------------------------------------------------


def test_save_keeps_the_pinyin_of_a_renamed_member(target):
    assert (target.name_pinyin, target.name_initials) == ("zhangsan", "zs")
    target.name = "李四"
    target.save(update_fields=["name"])
    target.refresh_from_db()
    assert (target.name_pinyin, target.name_initials) == ("lisi", "ls")


def test_bulk_create_bulk_update_and_update_fill_the_pinyin(branch_a):
    created = Member.objects.bulk_create([MemberFactory.build(name="艾青", organization=branch_a)])
    member = Member.objects.get(pk=created[0].pk)
    assert (member.name_pinyin, member.name_initials) == ("aiqing", "aq")
    member.name = "白云"
    Member.objects.bulk_update([member], ["name"])
    member.refresh_from_db()
    assert (member.name_pinyin, member.name_initials) == ("baiyun", "by")
    Member.objects.filter(pk=member.pk).update(name="曾国藩")
    member.refresh_from_db()
    assert (member.name_pinyin, member.name_initials) == ("zengguofan", "zgf")


def test_a_roster_import_fills_the_pinyin_of_created_and_renamed_members(client, secretary, branch_a):
    existing = MemberFactory(organization=branch_a, phone="+8617000010002", name="旧名")
    client.force_login(secretary)
    data = csv_bytes([row(1, 姓名="艾青"), row(2, 姓名="单雄信")])
    client.post(reverse("roster_import:upload"), {"organization": branch_a.pk, "file": _upload(data)})
    roster_import = RosterImport.objects.get()
    client.post(reverse("roster_import:confirm", args=[roster_import.pk]))
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    created = Member.objects.get(phone="+8617000010001")
    assert (created.name_pinyin, created.name_initials) == ("aiqing", "aq")
    existing.refresh_from_db()
    assert (existing.name, existing.name_pinyin, existing.name_initials) == ("单雄信", "shanxiongxin", "sxx")


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("roster.csv", data)


def test_the_migration_fills_the_rows_that_exist_in_chunks(branch_a):
    members = [MemberFactory(name=name, organization=branch_a) for name in ["张三", "艾青", "单雄信"]]
    # As the rows were before the migration: the columns empty.
    Member._base_manager.update(name_pinyin="", name_initials="")
    state = MigrationExecutor(connection).loader.project_state(("members", "0005_member_pinyin"))
    historical = state.apps.get_model("members", "Member")
    assert pinyin.fill_existing(historical, chunk=2) == 3
    assert pinyin.fill_existing(historical, chunk=2) == 0
    filled = {m.name: (m.name_pinyin, m.name_initials) for m in Member.objects.filter(pk__in=[m.pk for m in members])}
    assert filled == {"张三": ("zhangsan", "zs"), "艾青": ("aiqing", "aq"), "单雄信": ("shanxiongxin", "sxx")}
    # The migration's own step calls it with its historical model.
    Member._base_manager.update(name_pinyin="")
    migration = importlib.import_module("members.migrations.0005_member_pinyin")
    migration.fill_pinyin(state.apps, None)
    assert set(Member.objects.values_list("name_pinyin", flat=True)) == {"zhangsan", "aiqing", "shanxiongxin"}


# --- Cost -------------------------------------------------------------------------------------


def test_a_pinyin_search_runs_the_same_queries_for_5_or_60_members(client, secretary, branch_a):
    c = client_for(client, secretary)
    url = reverse("roster:list")
    variants = [{}, {"q": "zs"}, {"q": "zhangsan"}, {"q": "深圳"}]
    MemberFactory.create_batch(5, organization=branch_a, name="张三", city="深圳")
    small = [count_queries(c, url, params) for params in variants]
    MemberFactory.create_batch(55, organization=branch_a, name="张三丰", city="深圳")
    assert [count_queries(c, url, params) for params in variants] == small
    assert max(small) <= 9


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram and pattern indexes are PostgreSQL's")
@pytest.mark.parametrize(
    ("typed", "indexes"),
    [
        ("zs", ["member_pinyin_idx", "member_initials_idx"]),
        ("zhangsan", ["member_pinyin_idx", "member_initials_idx", "member_workplace_trgm_idx"]),
        ("138 0013", ["member_phone_trgm_idx"]),
        ("富士康", ["member_name_trgm_idx", "member_city_trgm_idx", "member_workplace_trgm_idx"]),
        ("张三 13800", ["member_name_trgm_idx", "member_phone_trgm_idx"]),
    ],
)
def test_on_postgresql_every_part_of_the_search_uses_an_index(branch_a, typed, indexes):
    MemberFactory.create_batch(200, organization=branch_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
        # Only bitmap scans left: a part of the condition without an index would need a sequential scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
    plan = Member.objects.filter(name_or_phone(typed)).order_by().explain()
    assert "Seq Scan" not in plan, plan
    for index in indexes:
        assert index in plan, plan
