"""The member's own ledger page and receipts: what it shows, to whom, and at what cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from dues import services
from dues.member_ledger import add_month
from dues.models import Basis, Category, Payment, Relief
from dues.tests.member_helpers import NOW, TODAY, jpeg_bytes, month, salary_from
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def page(client, user, lang="en"):
    client.force_login(user)
    return client.get(reverse("dues:mine"), headers={"accept-language": lang})


def test_the_ledger_shows_this_month_arrears_and_how_each_month_was_worked_out(client, member):
    salary_from(member, month(1))
    services.record_payment(
        member, first_month=month(1), last_month=month(2), amount_fen=8000, paid_on=dt.date(2026, 2, 20), today=TODAY
    )
    response = page(client, member.user)
    assert response.status_code == 200
    ledger = response.context["ledger"]
    assert ledger.current.state == "open" and ledger.current.due.amount_fen == 4000
    assert [row.month for row in ledger.arrears] == [month(3), month(4), month(5)]
    assert ledger.arrears_total == "120.00"
    assert [(row.month, row.state) for row in ledger.months] == [
        (month(6), "open"),
        (month(5), "unpaid"),
        (month(4), "unpaid"),
        (month(3), "unpaid"),
        (month(2), "paid"),
        (month(1), "paid"),
    ]
    body = response.content.decode()
    assert "On the job (monthly net salary): 4,000.00 yuan × 1 %, rounded to the fen" in body
    assert "2026-03, 2026-04, 2026-05" in body and "120.00 yuan" in body
    assert "Paid on 2026-02-20 (payment for 2026-01 to 2026-02)" in body
    # The rates and the rounding in words.
    assert "up to 3,000.00 yuan: 0.5 %" in body
    assert "above 3,000.00 up to 5,000.00 yuan: 1 %" in body
    assert "above 10,000.00 yuan: 2 %" in body
    assert "above 5,000.00 yuan: 1 %" in body  # retired
    assert "halves up" in body
    assert f'href="{reverse("dues:report")}"' in body
    assert f'href="{reverse("dues:declare")}"' in body


def test_the_ledger_is_chinese_by_default(client, member):
    salary_from(member, month(5))
    body = page(client, member.user, lang="zh-hans").content.decode()
    assert "我的党费" in body
    assert "欠交" in body
    assert "40.00 元" in body


def test_payments_show_on_behalf_voluntary_extra_status_and_the_reason_for_refusal(client, member, secretary):
    salary_from(member, month(1))
    services.record_payment(
        member,
        first_month=month(1),
        last_month=month(2),
        amount_fen=10000,
        paid_on=dt.date(2026, 2, 1),
        payer_name="王芳",
        today=TODAY,
    )
    refused = services.report_payment(
        member, first_month=month(3), last_month=month(3), amount_fen=4000, paid_on=dt.date(2026, 3, 5)
    )
    services.decide_payment(refused, accept=False, note="回单看不清", today=TODAY)
    services.report_payment(
        member, first_month=month(4), last_month=month(5), amount_fen=8000, paid_on=dt.date(2026, 6, 1)
    )
    response = page(client, member.user)
    body = response.content.decode()
    assert "Paid on your behalf by 王芳" in body
    assert "Dues 80.00 yuan" in body and "voluntary extra 20.00 yuan" in body
    assert "Reason: 回单看不清" in body
    assert "Not accepted" in body and "Confirmed" in body and "Awaiting confirmation" in body
    ledger = response.context["ledger"]
    # April and May are covered by the report waiting for the secretary; March is still owed.
    assert [row.month for row in ledger.arrears] == [month(3)]
    assert [row.month for row in ledger.waiting] == [month(4), month(5)]


def test_the_basis_history_shows_every_change_with_its_status(client, member, secretary):
    salary_from(member, month(1))
    services.declare_basis(member, category=Category.SALARY, income_fen=600000, applies_from=month(4), by=member.user)
    services.declare_basis(member, category=Category.RETIRED, income_fen=300000, applies_from=month(5), by=member.user)
    services.add_relief(
        member,
        kind=Relief.Kind.EXEMPT,
        first_month=month(2),
        last_month=month(2),
        reason="因病住院",
        approved_on=dt.date(2026, 1, 20),
        approved_by_name="矿党委",
        today=TODAY,
    )
    response = page(client, member.user)
    body = response.content.decode()
    statuses = [row.basis.status for row in response.context["ledger"].bases]
    assert sorted(statuses) == sorted([Basis.Status.CONFIRMED, Basis.Status.REJECTED, Basis.Status.DECLARED])
    assert "Declared, awaiting confirmation" in body
    assert "Monthly net income 6,000.00 yuan" in body
    assert "Exempt: 因病住院" in body
    assert "Approved by 矿党委 on 2026-01-20" in body
    february = next(row for row in response.context["ledger"].months if row.month == month(2))
    assert february.state == "exempt"


def test_a_member_without_a_basis_is_told_how_to_get_one(client, member):
    body = page(client, member.user).content.decode()
    assert "Your dues basis is not set yet" in body


def test_a_login_without_a_roster_entry_has_no_dues_pages(client):
    client.force_login(UserFactory())
    for name in ("dues:mine", "dues:report", "dues:declare"):
        assert client.get(reverse(name)).status_code == 404, name
    assert client.get(reverse("dues:my_receipt", args=[1])).status_code == 404


def test_a_former_member_reads_the_ledger_but_reports_nothing(client, member):
    salary_from(member, month(4))
    Member.objects.filter(pk=member.pk).update(state=Member.State.TRANSFERRED_OUT)
    response = page(client, member.user)
    assert response.status_code == 200
    assert reverse("dues:report") not in response.content.decode()
    assert client.get(reverse("dues:report")).status_code == 404
    assert client.post(reverse("dues:declare"), {"category": "student", "applies_from": "2026-06"}).status_code == 404
    assert not Basis.objects.filter(category="student").exists()


def with_receipt(member) -> Payment:
    payment = services.report_payment(member, first_month=month(6), last_month=month(6), amount_fen=4000, paid_on=TODAY)
    payment.receipt = ContentFile(jpeg_bytes(), name="r.jpg")
    payment.save(update_fields=["receipt"])
    return payment


def test_the_member_opens_their_own_receipt(client, member):
    salary_from(member, month(6))
    payment = with_receipt(member)
    client.force_login(member.user)
    response = client.get(reverse("dues:my_receipt", args=[payment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert f'href="{reverse("dues:my_receipt", args=[payment.pk])}"' in page(client, member.user).content.decode()


def test_another_members_receipt_is_not_found(client, member, outsider, branch_a):
    salary_from(member, month(6))
    payment = with_receipt(member)
    neighbour = MemberFactory(organization=branch_a, user=UserFactory())
    for user in (outsider.user, neighbour.user):
        client.force_login(user)
        assert client.get(reverse("dues:my_receipt", args=[payment.pk])).status_code == 404
    # A payment of one's own without a receipt is not found either.
    own = services.record_payment(
        member, first_month=month(7), last_month=month(7), amount_fen=4000, paid_on=TODAY, today=TODAY
    )
    client.force_login(member.user)
    assert client.get(reverse("dues:my_receipt", args=[own.pk])).status_code == 404


def history(member, months: int, payments: int) -> None:
    """``months`` of dues up to June, a raise in March, and ``payments`` payments, every other one 代交."""
    salary_from(member, add_month(month(6), 1 - months))
    services.set_basis(member, category=Category.SALARY, income_fen=650000, applies_from=month(3), today=TODAY)
    for n, due in enumerate(member.dues.order_by("month")[:payments]):
        services.record_payment(
            member,
            first_month=due.month,
            last_month=due.month,
            amount_fen=due.amount_fen + 100,
            paid_on=due.month,
            payer_name="代交人" if n % 2 else "",
            today=TODAY,
        )


@pytest.mark.parametrize(("months", "payments"), [(12, 3), (24, 10)])
def test_the_ledger_query_count_stays_flat_with_history(
    client, member, months, payments, django_assert_max_num_queries
):
    history(member, months, payments)
    assert member.dues.count() == months
    client.force_login(member.user)
    # session, user, member (with the navigation's count), the months, the payments, the bases,
    # the reliefs, the rate brackets
    with django_assert_max_num_queries(8):
        response = client.get(reverse("dues:mine"))
    assert response.status_code == 200
    assert len(response.context["ledger"].months) == months
    assert len(response.context["ledger"].payments) == payments


def test_the_me_page_links_to_the_ledger(client, member):
    client.force_login(member.user)
    body = client.get(reverse("members:me"), headers={"accept-language": "zh-hans"}).content.decode()
    assert f'href="{reverse("dues:mine")}"' in body
    assert "我的党费" in body
