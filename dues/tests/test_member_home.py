"""The dues card on the member's home page: this month's due, paid or not, arrears, at no query more."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dues import home, services
from dues.models import Relief
from dues.tests.member_helpers import NOW, TODAY, month, salary_from

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def dues_section(response) -> dict | None:
    return next((s for s in response.context["sections"] if s["template"] == "dues/member/_home.html"), None)


def test_the_card_says_this_months_due_unpaid_and_the_months_outstanding(client, member):
    salary_from(member, month(3))
    client.force_login(member.user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    section = dues_section(response)
    assert section["month_amount"] == "40.00" and not section["month_settled"]
    assert (section["arrears"], section["arrears_amount"]) == (3, "120.00")
    body = response.content.decode()
    assert "This month&#x27;s dues: 40.00 yuan" in body or "This month's dues: 40.00 yuan" in body
    assert "Not paid yet" in body
    assert "Outstanding: 3 months" in body and "120.00 yuan in all" in body
    assert f'href="{reverse("dues:mine")}"' in body


def test_the_card_in_chinese(client, member):
    salary_from(member, month(5))
    client.force_login(member.user)
    body = client.get(reverse("home"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "本月党费 40.00 元" in body
    assert "未交" in body
    assert "欠交 1 个月" in body


def test_a_paid_month_shows_paid_and_no_arrears(client, member):
    salary_from(member, month(6))
    services.record_payment(
        member, first_month=month(6), last_month=month(6), amount_fen=4000, paid_on=TODAY, today=TODAY
    )
    client.force_login(member.user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    section = dues_section(response)
    assert section["month_settled"] and section["arrears"] == 0
    assert "Outstanding" not in response.content.decode()


def test_an_exempt_month_has_nothing_to_pay(client, member):
    salary_from(member, month(6))
    services.add_relief(
        member,
        kind=Relief.Kind.EXEMPT,
        first_month=month(6),
        last_month=month(12),
        reason="失业",
        approved_on=TODAY,
        approved_by_name="矿党委",
        today=TODAY,
    )
    client.force_login(member.user)
    section = dues_section(client.get(reverse("home")))
    assert section["month_free"] and section["month_settled"]


def test_a_reported_payment_says_it_awaits_confirmation(client, member):
    salary_from(member, month(5))
    services.report_payment(member, first_month=month(5), last_month=month(6), amount_fen=8000, paid_on=TODAY)
    client.force_login(member.user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    assert dues_section(response)["waiting"]
    assert "A payment you reported is awaiting confirmation" in response.content.decode()


def test_a_member_without_dues_sees_no_card(client, member):
    client.force_login(member.user)
    assert dues_section(client.get(reverse("home"))) is None


def test_a_member_loaded_without_the_facts_costs_one_query(member, rf, django_assert_num_queries):
    salary_from(member, month(4))
    plain = type(member).objects.get(pk=member.pk)
    with django_assert_num_queries(1):
        section = home.dues_card(rf.get("/"), plain, TODAY)
    assert section["arrears"] == 2


@pytest.mark.parametrize("months", [1, 6])
def test_the_home_query_budget_is_unchanged(client, member, months, django_assert_max_num_queries):
    salary_from(member, month(7 - months))
    client.force_login(member.user)
    # session, user, member (with the navigation's count, the home facts of every section, the dues
    # card's figures among them), "due this month" (the activities): the dues card adds none.
    with django_assert_max_num_queries(4):
        response = client.get(reverse("home"))
    assert dues_section(response)["arrears"] == months - 1
