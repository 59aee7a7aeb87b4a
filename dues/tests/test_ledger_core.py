"""The ledger's arithmetic and its writes: brackets, fixed amounts, rounding, bases over time, payments once."""

from __future__ import annotations

import datetime as dt

import pytest

from dues import services
from dues.amounts import RateTables, monthly_due
from dues.errors import DuesError
from dues.models import Basis, Category, Due, Payment, Relief
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 6, 1)


def due_on(income_yuan: str, category: str = Category.SALARY) -> int:
    from decimal import Decimal

    fen = int(Decimal(income_yuan) * 100)
    return monthly_due(category=category, income_fen=fen, fixed_fen=None, month=MONTH, tables=RateTables())[0]


@pytest.mark.parametrize(
    ("income", "fen"),
    [
        ("3000.00", 1500),  # 0.5 %, the bound belongs to the lower bracket
        ("3000.01", 3000),  # 1 %: 3,000.01 x 1 % = 30.0001 → 30.00
        ("5000.00", 5000),
        ("5000.01", 7500),  # 1.5 %: 75.00015 → 75.00
        ("10000.00", 15000),
        ("10000.01", 20000),  # 2 %: 200.0002 → 200.00
        ("0.00", 0),
        ("2345.67", 1173),  # 11.72835 → 11.73, halves up
    ],
)
def test_it_uses_the_salary_bracket_including_its_upper_bound(income, fen):
    assert due_on(income) == fen


@pytest.mark.parametrize(("income", "fen"), [("5000.00", 2500), ("5000.01", 5000), ("1234.50", 617)])
def test_it_uses_the_retired_brackets(income, fen):
    # 1,234.50 x 0.5 % = 6.1725 → 6.17
    assert due_on(income, Category.RETIRED) == fen


def test_it_rounds_half_a_fen_up():
    # 1,000.10 x 0.5 % = 5.0005 yuan = 500.05 fen → 500
    assert due_on("1000.10") == 500
    # 1,000.30 x 0.5 % = 500.15 fen → 500; 1,001.00 x 0.5 % = 500.5 fen → 501
    assert due_on("1001.00") == 501


@pytest.mark.parametrize(("category", "fixed", "fen"), [(Category.STUDENT, None, 20), (Category.FARMER, 50, 50)])
def test_it_uses_fixed_amounts(category, fixed, fen):
    assert monthly_due(category=category, income_fen=None, fixed_fen=fixed, month=MONTH, tables=RateTables())[0] == fen


def test_it_refuses_a_farmer_amount_outside_the_range():
    with pytest.raises(DuesError) as refused:
        monthly_due(category=Category.FARMER, income_fen=None, fixed_fen=150, month=MONTH, tables=RateTables())
    assert refused.value.code == "fixed_out_of_range"


def test_a_salary_change_applies_from_its_month_and_leaves_paid_months_alone():
    member = MemberFactory()
    today = dt.date(2026, 6, 15)
    services.set_basis(
        member, category=Category.SALARY, income_fen=400000, applies_from=dt.date(2026, 1, 1), today=today
    )
    assert list(Due.objects.filter(member=member).values_list("amount_fen", flat=True)) == [4000] * 6
    services.record_payment(
        member,
        first_month=dt.date(2026, 1, 1),
        last_month=dt.date(2026, 3, 1),
        amount_fen=12000,
        paid_on=today,
        today=today,
    )
    services.set_basis(
        member, category=Category.SALARY, income_fen=800000, applies_from=dt.date(2026, 2, 1), today=today
    )
    amounts = dict(Due.objects.filter(member=member).values_list("month__month", "amount_fen"))
    # February and March were paid at the old amount; April on follows the new salary.
    assert amounts == {1: 4000, 2: 4000, 3: 4000, 4: 12000, 5: 12000, 6: 12000}


def test_an_exemption_makes_its_months_free_and_neutral():
    member = MemberFactory()
    today = dt.date(2026, 6, 15)
    services.set_basis(
        member, category=Category.SALARY, income_fen=200000, applies_from=dt.date(2026, 1, 1), today=today
    )
    services.add_relief(
        member,
        kind=Relief.Kind.EXEMPT,
        first_month=dt.date(2026, 3, 1),
        last_month=dt.date(2026, 4, 1),
        reason="因病",
        approved_on=dt.date(2026, 2, 20),
        approved_by_name="矿党委",
        today=today,
    )
    amounts = dict(Due.objects.filter(member=member).values_list("month__month", "amount_fen"))
    assert amounts == {1: 1000, 2: 1000, 3: 0, 4: 0, 5: 1000, 6: 1000}
    assert services.arrears_months([member.pk], today)[member.pk] == [dt.date(2026, m, 1) for m in (1, 2, 5)]


def test_the_sweep_writes_each_month_once():
    members = MemberFactory.create_batch(3)
    for member in members[:2]:
        Basis.objects.create(
            member=member,
            category=Category.SALARY,
            income_fen=600000,
            applies_from=dt.date(2026, 1, 1),
            entered_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
    today = dt.date(2026, 6, 2)
    assert services.write_due_months(today) == {"dues_written": 6}
    assert services.write_due_months(today) == {"dues_written": 0}
    assert Due.objects.count() == 6
    assert set(Due.objects.values_list("amount_fen", flat=True)) == {9000}


def test_probationary_members_pay_from_the_month_they_were_accepted():
    member = MemberFactory(joined_party_on=dt.date(2026, 4, 20))
    services.set_basis(
        member, category=Category.SALARY, income_fen=300000, applies_from=dt.date(2026, 1, 1), today=dt.date(2026, 6, 1)
    )
    assert list(Due.objects.filter(member=member).values_list("month__month", flat=True)) == [4, 5, 6]


def test_a_reported_payment_confirmed_twice_counts_once():
    member = MemberFactory()
    today = dt.date(2026, 6, 15)
    services.set_basis(
        member, category=Category.SALARY, income_fen=400000, applies_from=dt.date(2026, 1, 1), today=today
    )
    payment = services.report_payment(
        member, first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 2, 1), amount_fen=10000, paid_on=today
    )
    services.decide_payment(payment, accept=True, today=today)
    with pytest.raises(DuesError) as refused:
        services.decide_payment(payment, accept=True, today=today)
    assert refused.value.code == "already_decided"
    payment.refresh_from_db()
    assert (payment.dues_fen, payment.extra_fen) == (8000, 2000)
    assert Due.objects.filter(payment=payment).count() == 2


def test_a_payment_ahead_writes_the_months_it_covers():
    member = MemberFactory()
    today = dt.date(2026, 6, 15)
    services.set_basis(
        member, category=Category.SALARY, income_fen=400000, applies_from=dt.date(2026, 6, 1), today=today
    )
    services.record_payment(
        member, first_month=dt.date(2026, 6, 1), last_month=dt.date(2026, 8, 1), amount_fen=12000, paid_on=today
    )
    assert Due.objects.filter(member=member, payment__isnull=False).count() == 3


def test_a_payment_short_of_the_dues_changes_nothing():
    member = MemberFactory()
    today = dt.date(2026, 6, 15)
    services.set_basis(
        member, category=Category.SALARY, income_fen=400000, applies_from=dt.date(2026, 1, 1), today=today
    )
    with pytest.raises(DuesError) as refused:
        services.record_payment(
            member, first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 3, 1), amount_fen=100, paid_on=today
        )
    assert refused.value.code == "not_enough"
    assert not Payment.objects.exists()
    assert not Due.objects.filter(payment__isnull=False).exists()


def test_a_provider_callback_retried_records_one_payment():
    member = MemberFactory()
    today = dt.date(2026, 6, 15)
    services.set_basis(
        member, category=Category.SALARY, income_fen=400000, applies_from=dt.date(2026, 6, 1), today=today
    )
    kwargs = {
        "provider": "wechatpay",
        "external_id": "4200001234",
        "member": member,
        "first_month": dt.date(2026, 6, 1),
        "last_month": dt.date(2026, 6, 1),
        "amount_fen": 4000,
        "paid_on": today,
        "today": today,
    }
    first, created = services.record_provider_payment(**kwargs)
    again, created_again = services.record_provider_payment(**kwargs)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Payment.objects.count() == 1
