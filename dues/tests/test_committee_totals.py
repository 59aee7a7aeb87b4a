"""The committee's dues totals: per branch due, paid, outstanding and what to remit for a quarter, and its .xlsx."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from dues import committee_data, services
from dues.models import Category
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

# The first quarter of 2026, seen from mid-March.
TODAY = dt.date(2026, 3, 20)
JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))
Q1 = {"year": "2026", "quarter": "1"}


def committee_with(branches: int, name: str = "党委") -> tuple[Organization, list[Organization]]:
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name=name)
    return committee, [OrganizationFactory(parent=committee, name=f"{name}第{n}支部") for n in range(branches)]


def on_salary(branch: Organization, income_fen: int, **extra) -> Member:
    member = MemberFactory(organization=branch, **extra)
    services.set_basis(member, category=Category.SALARY, income_fen=income_fen, applies_from=JAN, today=TODAY)
    return member


def holder(organization: Organization, kind: str = Role.Kind.SECRETARY):
    user = UserFactory()
    RoleFactory(user=user, organization=organization, kind=kind)
    return user


@pytest.fixture
def books():
    """Two branches under a committee, with a quarter of dues and payments.

    Branch one: ann (4,000 yuan → 40.00 a month) pays January to March with 10.00 extra in March;
    ben (2,000 yuan → 10.00) pays January in January. Branch two: cat (6,000 → 90.00) pays nothing;
    she reports February, not confirmed yet.
    """
    committee, (one, two) = committee_with(2)
    ann = on_salary(one, 400000, name="ann")
    ben = on_salary(one, 200000, name="ben")
    cat = on_salary(two, 600000, name="cat")
    services.record_payment(
        ann, first_month=JAN, last_month=MAR, amount_fen=13000, paid_on=dt.date(2026, 3, 6), today=TODAY
    )
    services.record_payment(ben, first_month=JAN, last_month=JAN, amount_fen=1000, paid_on=JAN, today=TODAY)
    services.report_payment(cat, first_month=FEB, last_month=FEB, amount_fen=9000, paid_on=dt.date(2026, 3, 1))
    return committee, one, two


def row_of(totals, organization):
    return next(row for row in totals.rows if row.organization == organization)


def test_each_branch_has_its_due_paid_outstanding_and_remittance(books):
    committee, one, two = books
    totals = committee_data.branch_totals(committee, committee_data.Quarter(2026, 1))
    first, second = row_of(totals, one), row_of(totals, two)
    assert (first.members, first.due_fen, first.paid_fen, first.outstanding_fen) == (2, 15000, 13000, 2000)
    # ann's 120.00 of dues and 10.00 extra, ben's 10.00: all confirmed and paid in the quarter.
    assert (first.remit_fen, first.extra_fen) == (14000, 1000)
    # cat's reported payment is not money received until the secretary confirms it.
    assert (second.members, second.due_fen, second.paid_fen, second.remit_fen) == (1, 27000, 0, 0)
    assert (totals.total.members, totals.total.due_fen, totals.total.outstanding_fen) == (3, 42000, 29000)
    assert totals.total.remit_fen == 14000
    assert [row.organization for row in totals.rows] == [one, two]


def test_money_is_remitted_in_the_quarter_it_was_paid_not_the_one_it_pays_for(books):
    committee, one, _two = books
    dan = on_salary(one, 400000, name="dan")
    # Paid in April for January to March: Q1's dues are settled, the money is Q2's to remit.
    services.record_payment(dan, first_month=JAN, last_month=MAR, amount_fen=12000, paid_on=APR, today=APR)
    first = row_of(committee_data.branch_totals(committee, committee_data.Quarter(2026, 1)), one)
    assert (first.paid_fen, first.remit_fen) == (25000, 14000)
    second = row_of(committee_data.branch_totals(committee, committee_data.Quarter(2026, 2)), one)
    assert second.remit_fen == 12000


def test_a_member_who_moved_stays_in_the_old_branchs_books_for_the_months_before(books):
    committee, one, two = books
    ben = Member.objects.get(name="ben")
    ben.organization = two
    ben.save()
    services.write_month(APR)
    q1 = committee_data.branch_totals(committee, committee_data.Quarter(2026, 1))
    assert row_of(q1, one).members == 2
    q2 = committee_data.branch_totals(committee, committee_data.Quarter(2026, 2))
    assert row_of(q2, two).members == 2  # cat and ben
    assert row_of(q2, one).members == 1  # ann


def test_the_page_shows_the_figures_in_yuan(client, books):
    committee, one, _two = books
    client.force_login(holder(committee))
    response = client.get(reverse("dues:totals"), Q1)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    for figure in ("150.00", "130.00", "20.00", "140.00", "270.00", "420.00", "290.00"):
        assert figure in page, figure
    assert reverse("dues:publish", args=[one.pk]) in page


def test_a_branch_secretary_sees_only_their_branch(client, books):
    committee, one, two = books
    client.force_login(holder(one))
    page = client.get(reverse("dues:totals"), Q1).content.decode()
    assert one.name in page
    assert two.name not in page


def test_another_committees_organization_is_not_found(client, books):
    committee, one, _two = books
    _other, (elsewhere,) = committee_with(1, name="别处党委")
    client.force_login(holder(committee))
    assert client.get(reverse("dues:totals"), {**Q1, "org": elsewhere.pk}).status_code == 404
    assert client.get(reverse("dues:totals_xlsx"), {**Q1, "org": elsewhere.pk}).status_code == 404
    # A branch secretary cannot look at the committee above them either.
    client.force_login(holder(one))
    assert client.get(reverse("dues:totals"), {**Q1, "org": committee.pk}).status_code == 404


def test_a_committee_secretary_can_narrow_to_one_branch(client, books):
    committee, one, two = books
    client.force_login(holder(committee))
    page = client.get(reverse("dues:totals"), {**Q1, "org": one.pk}).content.decode()
    assert "150.00" in page
    assert "270.00" not in page


def test_a_plain_member_and_a_group_leader_are_refused(client, books):
    committee, one, _two = books
    member = Member.objects.get(name="ann")
    member.user = UserFactory(phone=member.phone)
    member.save()
    client.force_login(member.user)
    assert client.get(reverse("dues:totals")).status_code == 403
    assert client.get(reverse("dues:totals_xlsx")).status_code == 403
    client.force_login(holder(GroupFactory(parent=one), Role.Kind.GROUP_ADMIN))
    assert client.get(reverse("dues:totals")).status_code == 403


def test_anonymous_visitors_go_to_the_login(client):
    response = client.get(reverse("dues:totals"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_period_that_makes_no_sense_falls_back_to_this_quarter(client, books):
    committee, _one, _two = books
    client.force_login(holder(committee))
    for params in ({"year": "abc", "quarter": "9"}, {"year": "1700"}, {"quarter": "-1"}, {"org": "x²"}):
        assert client.get(reverse("dues:totals"), params).status_code == 200, params


@pytest.mark.parametrize("branches", [3, 30])
def test_the_page_costs_the_same_queries_for_3_and_30_branches(client, branches, settings):
    committee, organizations = committee_with(branches)
    for branch in organizations:
        member = on_salary(branch, 400000)
        services.record_payment(member, first_month=JAN, last_month=JAN, amount_fen=4000, paid_on=JAN, today=TODAY)
    client.force_login(holder(committee))
    client.get(reverse("dues:totals"), Q1)  # warm up: content types, translations
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("dues:totals"), Q1)
    with CaptureQueriesContext(connection) as export:
        client.get(reverse("dues:totals_xlsx"), Q1)
    assert response.content.decode().count(reverse("dues:publish", args=[organizations[0].pk])) == 1
    # session, user, roles, the organizations to choose from, the four of branch_totals; the page's
    # navigation adds the inbox's unread count
    assert len(page) == 9, "\n".join(q["sql"][:150] for q in page.captured_queries)
    assert len(export) == 8


def xlsx_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content))
    return [tuple(cell for cell in row) for row in workbook.active.iter_rows()]


def test_the_spreadsheet_has_the_same_table_with_yuan_as_numbers(client, books):
    committee, one, two = books
    Organization.objects.filter(pk=two.pk).update(name="=HYPERLINK(1)")
    client.force_login(holder(committee))
    response = client.get(reverse("dues:totals_xlsx"), Q1)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "2026-q1.xlsx" in response["Content-Disposition"]
    rows = xlsx_rows(response)
    values = [[cell.value for cell in row] for row in rows]
    assert len(values[0]) == 7
    assert values[1] == [one.name, 2, 150, 130, 20, 140, 10]
    # The name that looks like a formula stays text.
    assert values[2][0] == "'=HYPERLINK(1)"
    assert rows[2][0].data_type == "s"
    assert values[3][1:6] == [3, 420, 130, 290, 140]
    assert rows[1][2].number_format == committee_data.YUAN_FORMAT
    assert isinstance(rows[1][2].value, int | float)
