"""One member's dues as the secretary keeps them: the page, and setting a basis, a relief and a payment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dues import services
from dues.models import Basis, Category, Due, Payment, Relief
from members.tests.factories import MemberFactory

from .secretary_world import APR, FEB, JAN, JUN, MAR, MAY, TODAY, World, build_world, frozen, paid, reported, salary

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with frozen():
        yield


@pytest.fixture
def world(db) -> World:
    return build_world()


def url(name: str, member) -> str:
    return reverse(f"dues:{name}", args=[member.pk])


def dues_of(member) -> list[tuple[str, int, bool]]:
    return [
        (f"{d.month:%Y-%m}", d.amount_fen, d.payment_id is not None)
        for d in Due.objects.filter(member=member).order_by("month")
    ]


# --- The page -------------------------------------------------------------------------------


def test_the_page_shows_the_history_months_and_payments_with_who_did_what(client, world):
    bob = world.bob
    salary(bob, 4000, month=dt.date(2025, 11, 1), by=world.secretary_a)
    services.declare_basis(bob, category=Category.SALARY, income_fen=600000, applies_from=MAY, by=bob.user)
    services.add_relief(
        bob,
        kind=Relief.Kind.EXEMPT,
        first_month=APR,
        last_month=APR,
        reason="大病住院",
        approved_on=dt.date(2026, 3, 20),
        approved_by_name="上级党委",
        today=TODAY,
    )
    # November and December 2025 paid in June 2026, seven months on: a back payment, with 10.00 extra.
    old = paid(bob, dt.date(2025, 11, 1), dt.date(2025, 12, 1), 9000)
    paid(bob, MAR, MAR, 4000, payer_name="鲍妻")
    waiting = reported(bob, MAY, JUN, 8000)
    client.force_login(world.secretary_a)
    response = client.get(url("member", bob))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    books = response.context["books"]
    assert [b.status for b in books.bases] == [Basis.Status.DECLARED, Basis.Status.CONFIRMED]
    assert "书记甲" in body  # who entered and decided the confirmed basis
    assert "大病住院" in body and "上级党委" in body
    assert [(f"{d.month:%m}", d.amount_fen) for d in books.dues] == [
        ("01", 4000),
        ("02", 4000),
        ("03", 4000),
        ("04", 0),
        ("05", 4000),
        ("06", 4000),
    ]
    assert "4,000.00 元 × 1%" in body  # how January was worked out
    assert "免交" in body  # April
    assert "由 鲍妻 代交" in body
    assert "自愿多交 10.00 元" in body
    assert old.pk in response.context["back_payments"]
    assert "补交" in body
    assert "欠交 3 个月，共 120.00 元，自 2026-01 起" in body  # January, February and May
    assert reverse("dues:receipt", args=[waiting.pk]) in body
    assert reverse("dues:decide_payment", args=[waiting.pk]) in body


def test_the_page_costs_the_same_queries_with_more_history(client, world):
    bob = world.bob
    client.force_login(world.secretary_a)
    salary(bob, 4000, month=JAN)
    paid(bob, JAN, JAN, 4000)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("member", bob)).status_code == 200
    for month in (FEB, MAR, APR, MAY):
        paid(bob, month, month, 4500)
    salary(bob, 5000, month=JUN)
    reported(bob, JUN, JUN, 5000)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("member", bob)).status_code == 200
    assert len(few) == len(many)


@pytest.mark.parametrize("name", ["member", "set_basis", "add_relief", "record_payment"])
@pytest.mark.parametrize("persona", ["secretary_b", "group_leader"])
def test_others_get_404(client, world, name, persona):
    client.force_login(getattr(world, persona))
    assert client.get(url(name, world.bob)).status_code == 404


@pytest.mark.parametrize("name", ["set_basis", "add_relief", "record_payment"])
@pytest.mark.parametrize("persona", ["secretary_b", "group_leader"])
def test_others_posting_a_form_get_404_and_change_nothing(client, world, name, persona):
    salary(world.bob, 4000)
    client.force_login(getattr(world, persona))
    response = client.post(
        url(name, world.bob),
        {"category": "salary", "income_yuan": "4000", "applies_from": "2026-01", "kind": "exempt",
         "first_month": "2026-01", "last_month": "2026-01", "amount_yuan": "40", "paid_on": "2026-06-01",
         "method": "cash", "reason": "x", "approved_on": "2026-06-01", "approved_by_name": "x"},
    )  # fmt: skip
    assert response.status_code == 404
    assert Basis.objects.count() == 1 and not Relief.objects.exists() and not Payment.objects.exists()


def test_a_member_gets_404_on_their_own_secretary_page(client, world):
    client.force_login(world.bob.user)
    assert client.get(url("member", world.bob)).status_code == 404


def test_a_branch_b_member_is_not_found_by_as_secretary(client, world):
    charlie = MemberFactory(organization=world.branch_b)
    client.force_login(world.secretary_a)
    assert client.get(url("member", charlie)).status_code == 404


def test_the_member_page_refuses_a_post(client, world):
    client.force_login(world.secretary_a)
    assert client.post(url("member", world.bob)).status_code == 405


# --- Setting a basis ------------------------------------------------------------------------


def test_a_basis_entered_in_chinese_is_confirmed_at_once_and_the_months_follow_it(client, world):
    client.force_login(world.secretary_a)
    response = client.post(
        url("set_basis", world.bob),
        {"category": "salary", "income_yuan": "5000.01", "applies_from": "2026-03", "note": "四月起调整工资"},
        headers={"accept-language": "zh-hans"},
    )
    assert response.status_code == 302 and response["Location"] == url("member", world.bob)
    basis = Basis.objects.get(member=world.bob)
    assert (basis.status, basis.income_fen, basis.applies_from, basis.note) == (
        Basis.Status.CONFIRMED,
        500001,
        MAR,
        "四月起调整工资",
    )
    assert (basis.entered_by, basis.decided_by) == (world.secretary_a, world.secretary_a)
    # 5,000.01 x 1.5 % = 75.00015 → 75.00, March to June.
    assert dues_of(world.bob) == [(m, 7500, False) for m in ("2026-03", "2026-04", "2026-05", "2026-06")]


def test_a_new_basis_keeps_the_old_row_and_the_paid_months(client, world):
    salary(world.bob, 4000)
    paid(world.bob, JAN, MAR, 12000)
    client.force_login(world.secretary_a)
    client.post(url("set_basis", world.bob), {"category": "salary", "income_yuan": "2000", "applies_from": "2026-02"})
    assert Basis.objects.filter(member=world.bob).count() == 2
    assert dues_of(world.bob) == [
        ("2026-01", 4000, True),
        ("2026-02", 4000, True),
        ("2026-03", 4000, True),
        ("2026-04", 1000, False),
        ("2026-05", 1000, False),
        ("2026-06", 1000, False),
    ]
    assert Due.objects.get(member=world.bob, month=APR).basis.income_fen == 200000


def test_a_student_pays_the_fixed_amount_whatever_income_is_typed(client, world):
    client.force_login(world.secretary_a)
    client.post(url("set_basis", world.bob), {"category": "student", "income_yuan": "9000", "applies_from": "2026-06"})
    basis = Basis.objects.get(member=world.bob)
    assert (basis.income_fen, basis.fixed_fen) == (None, None)
    assert dues_of(world.bob) == [("2026-06", 20, False)]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"category": "salary", "applies_from": "2026-01"}, "income_yuan", "此类别须填写月收入。"),
        ({"category": "salary", "income_yuan": "-1", "applies_from": "2026-01"}, "income_yuan", "0"),
        ({"category": "salary", "income_yuan": "4000", "applies_from": "2026-13"}, "applies_from", "2026-06"),
        ({"category": "salary", "income_yuan": "4000", "applies_from": "2027-07"}, "applies_from", "一年以后"),
        ({"category": "farmer", "fixed_yuan": "1.50", "applies_from": "2026-01"}, "fixed_yuan", "0.20 至 1.00 元"),
        ({"category": "nobody", "income_yuan": "4000", "applies_from": "2026-01"}, "category", "nobody"),
    ],
)
def test_a_bad_basis_is_refused_with_a_chinese_message_and_nothing_written(client, world, data, field, message):
    client.force_login(world.secretary_a)
    response = client.post(url("set_basis", world.bob), data, headers={"accept-language": "zh-hans"})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors, errors
    assert not Basis.objects.exists() and not Due.objects.exists()


def test_a_farmer_pays_the_amount_entered(client, world):
    client.force_login(world.secretary_a)
    client.post(url("set_basis", world.bob), {"category": "farmer", "fixed_yuan": "0.50", "applies_from": "2026-06"})
    assert dues_of(world.bob) == [("2026-06", 50, False)]


# --- Reliefs --------------------------------------------------------------------------------


def relief_data(**changes) -> dict:
    data = {
        "kind": "exempt",
        "first_month": "2026-04",
        "last_month": "2026-06",
        "reason": "家庭遭遇重大变故，经支部大会讨论同意",
        "approved_on": "2026-04-02",
        "approved_by_name": "矿党委",
    }
    return data | changes


def test_an_exemption_sets_its_unpaid_months_to_nothing(client, world):
    salary(world.bob, 4000)
    client.force_login(world.secretary_a)
    response = client.post(url("add_relief", world.bob), relief_data())
    assert response.status_code == 302
    relief = Relief.objects.get(member=world.bob)
    assert (relief.kind, relief.first_month, relief.last_month, relief.entered_by) == (
        Relief.Kind.EXEMPT,
        APR,
        JUN,
        world.secretary_a,
    )
    assert [amount for _m, amount, _paid in dues_of(world.bob)] == [4000, 4000, 4000, 0, 0, 0]


def test_a_reduction_sets_the_reduced_amount(client, world):
    salary(world.bob, 4000)
    client.force_login(world.secretary_a)
    client.post(url("add_relief", world.bob), relief_data(kind="reduced", amount_yuan="5"))
    assert [amount for _m, amount, _paid in dues_of(world.bob)] == [4000, 4000, 4000, 500, 500, 500]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_month": "2026-06", "last_month": "2026-04"}, "last_month", "截止月份早于起始月份。"),
        ({"kind": "reduced"}, "amount_yuan", "减交须填写减交后每月金额。"),
        ({"kind": "reduced", "amount_yuan": "-2"}, "amount_yuan", "0"),
        ({"approved_on": "2026-07-01"}, "approved_on", "批准日期不能晚于今天。"),
        ({"reason": ""}, "reason", "这个字段是必填项。"),
    ],
)
def test_a_bad_relief_is_refused_and_nothing_changes(client, world, changes, field, message):
    salary(world.bob, 4000)
    client.force_login(world.secretary_a)
    response = client.post(url("add_relief", world.bob), relief_data(**changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Relief.objects.exists()
    assert [amount for _m, amount, _paid in dues_of(world.bob)] == [4000] * 6


def test_an_overlapping_relief_is_refused(client, world):
    salary(world.bob, 4000)
    client.force_login(world.secretary_a)
    client.post(url("add_relief", world.bob), relief_data())
    response = client.post(url("add_relief", world.bob), relief_data(first_month="2026-06", last_month="2026-08"))
    assert "重叠" in " ".join(response.context["form"].errors["first_month"])
    assert Relief.objects.count() == 1


# --- Recording a payment --------------------------------------------------------------------


def payment_data(**changes) -> dict:
    data = {
        "first_month": "2026-04",
        "last_month": "2026-06",
        "amount_yuan": "120.00",
        "paid_on": "2026-06-14",
        "method": "cash",
        "payer_name": "",
        "note": "支部活动日现场交纳",
    }
    return data | changes


def test_the_form_offers_the_oldest_unpaid_month_to_this_one_and_what_they_come_to(client, world):
    salary(world.bob, 4000)
    paid(world.bob, JAN, MAR, 12000)
    client.force_login(world.secretary_a)
    response = client.get(url("record_payment", world.bob))
    form = response.context["form"]
    assert (form.initial["first_month"], form.initial["last_month"], form.initial["amount_yuan"]) == (
        APR,
        JUN,
        "120.00",
    )
    body = response.content.decode()
    assert 'value="2026-04"' in body and 'type="month"' in body
    assert "2026-04 至 2026-06 共应交 120.00 元。" in body


def test_a_payment_on_behalf_with_an_extra_settles_the_months(client, world):
    salary(world.bob, 4000)
    client.force_login(world.secretary_a)
    response = client.post(
        url("record_payment", world.bob),
        payment_data(first_month="2026-05", last_month="2026-08", amount_yuan="200", payer_name="鲍勃的妻子"),
    )
    assert response.status_code == 302
    payment = Payment.objects.get(member=world.bob)
    assert (payment.status, payment.amount_fen, payment.dues_fen, payment.extra_fen, payment.payer_name) == (
        Payment.Status.CONFIRMED,
        20000,
        16000,
        4000,
        "鲍勃的妻子",
    )
    assert (payment.entered_by, payment.decided_by, payment.note) == (
        world.secretary_a,
        world.secretary_a,
        "支部活动日现场交纳",
    )
    # Paid ahead: July and August are written and settled by it.
    assert dues_of(world.bob)[4:] == [(m, 4000, True) for m in ("2026-05", "2026-06", "2026-07", "2026-08")]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount_yuan": "119.99"}, "amount_yuan", "这些月份应交 120.00 元，119.99 元不够。"),
        ({"amount_yuan": "-120"}, "amount_yuan", "0"),
        ({"amount_yuan": "0"}, "amount_yuan", "请填写大于零的金额。"),
        ({"first_month": "2026-06", "last_month": "2026-04"}, "last_month", "截止月份早于起始月份。"),
        ({"last_month": "2027-07"}, "last_month", "不能超过一年以后。"),
        ({"paid_on": "2026-06-16"}, "paid_on", "交纳日期不能晚于今天。"),
        ({"first_month": "2026-01"}, "first_month", "已交过：2026-01, 2026-02, 2026-03。"),
        ({"first_month": "2026/04"}, "first_month", "2026-06"),
        ({"method": "online"}, "method", "online"),
    ],
)
def test_a_bad_payment_is_refused_in_chinese_and_nothing_is_written(client, world, changes, field, message):
    salary(world.bob, 4000)
    paid(world.bob, JAN, MAR, 12000)
    before = dues_of(world.bob)
    client.force_login(world.secretary_a)
    response = client.post(url("record_payment", world.bob), payment_data(**changes))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors, errors
    assert Payment.objects.count() == 1
    assert dues_of(world.bob) == before


def test_months_without_a_basis_cannot_be_paid(client, world):
    client.force_login(world.secretary_a)
    response = client.post(url("record_payment", world.bob), payment_data(amount_yuan="1"))
    assert "尚无这些月份的党费基数" in " ".join(response.context["form"].errors["first_month"])
    assert not Payment.objects.exists() and not Due.objects.exists()


def test_working_out_the_months_fills_the_amount_and_records_nothing(client, world):
    salary(world.bob, 4000)
    client.force_login(world.secretary_a)
    response = client.post(
        url("record_payment", world.bob),
        payment_data(first_month="2026-06", last_month="2026-09", amount_yuan="", work_out="1"),
    )
    assert response.status_code == 200
    assert response.context["owed"].total_fen == 16000
    assert response.context["form"].initial["amount_yuan"] == "160.00"
    assert "2026-06 至 2026-09 共应交 160.00 元。" in response.content.decode()
    assert not Payment.objects.exists()
    # Nothing is written ahead either.
    assert Due.objects.filter(member=world.bob, month__gt=JUN).count() == 0
