"""A branch's dues ledger for a year: rows, strip, totals, filters, bounded queries, who may open it, links to it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dues import services
from dues.models import Category
from members.models import Member
from members.tests.factories import MemberFactory

from .secretary_world import APR, JAN, MAR, TODAY, World, build_world, frozen, paid, salary

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with frozen():
        yield


@pytest.fixture
def world(db) -> World:
    return build_world()


def ledger_url(world: World, **query) -> str:
    url = reverse("dues:ledger", args=[world.branch_a.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def books(world):
    """bob 40.00 a month, paid January to March; ann retired at 15.00, nothing paid; cat no basis; dan a student."""
    salary(world.bob, 4000)
    paid(world.bob, JAN, MAR, 12000)
    ann = MemberFactory(name="安", organization=world.branch_a)
    services.set_basis(ann, category=Category.RETIRED, income_fen=300000, applies_from=JAN, today=TODAY)
    cat = MemberFactory(name="猫", organization=world.branch_a)
    dan = MemberFactory(name="丹", organization=world.branch_a)
    services.set_basis(dan, category=Category.STUDENT, applies_from=MAR, today=TODAY)
    paid(dan, MAR, TODAY.replace(day=1), 80)
    MemberFactory(name="已转出", organization=world.branch_a, state=Member.State.TRANSFERRED_OUT)
    other = MemberFactory(name="别支部", organization=world.branch_b)
    salary(other, 5000)
    return {"ann": ann, "cat": cat, "dan": dan, "other": other}


def rows_by_name(response) -> dict:
    return {row.member.name: row for row in response.context["rows"]}


def test_the_ledger_has_a_row_per_active_member_with_basis_strip_and_arrears(client, world, books):
    client.force_login(world.secretary_a)
    response = client.get(ledger_url(world))
    assert response.status_code == 200
    rows = rows_by_name(response)
    assert set(rows) == {"鲍勃", "安", "猫", "丹"}
    bob = rows["鲍勃"]
    assert [cell.state for cell in bob.cells] == ["paid"] * 3 + ["unpaid"] * 2 + ["open"] + ["none"] * 6
    assert (bob.latest_due_fen, bob.member.dues_arrears, bob.member.dues_category) == (4000, 2, Category.SALARY)
    assert (rows["安"].latest_due_fen, rows["安"].member.dues_arrears) == (1500, 5)
    assert rows["丹"].latest_due_fen == 20 and rows["丹"].member.dues_arrears == 0
    assert rows["猫"].member.dues_category is None
    body = response.content.decode()
    assert "无基数" in body
    assert reverse("dues:member", args=[world.bob.pk]) in body
    assert response["Cache-Control"] == "no-store"


def test_the_ledger_totals_the_years_due_paid_and_outstanding(client, world, books):
    client.force_login(world.secretary_a)
    totals = client.get(ledger_url(world)).context["totals"]
    # bob 6 x 40.00 + ann 6 x 15.00 + dan 4 x 0.20; paid bob 120.00 + dan 0.80. B's member is not in A's books.
    assert totals == {"due": 24000 + 9000 + 80, "paid": 12000 + 80, "outstanding": 21000}


def test_the_ledger_filters_arrears_and_members_without_a_basis(client, world, books):
    client.force_login(world.secretary_a)
    assert set(rows_by_name(client.get(ledger_url(world, arrears=1)))) == {"鲍勃", "安"}
    assert set(rows_by_name(client.get(ledger_url(world, nobasis=1)))) == {"猫"}


def test_an_earlier_year_shows_its_own_months_and_a_bad_year_falls_back_to_this_one(client, world, books):
    client.force_login(world.secretary_a)
    response = client.get(ledger_url(world, year=2025))
    assert response.context["year"] == 2025
    assert response.context["totals"] == {"due": 0, "paid": 0, "outstanding": 0}
    assert all(cell.state == "none" for row in response.context["rows"] for cell in row.cells)
    assert client.get(ledger_url(world, year="²⁰²⁵")).context["year"] == 2026


@pytest.mark.parametrize("persona", ["secretary_b", "group_leader"])
def test_others_get_404_on_branch_as_ledger(client, world, books, persona):
    client.force_login(getattr(world, persona))
    assert client.get(ledger_url(world)).status_code == 404


def test_a_plain_member_gets_404_and_a_visitor_goes_to_log_in(client, world, books):
    client.force_login(world.bob.user)
    assert client.get(ledger_url(world)).status_code == 404
    client.logout()
    response = client.get(ledger_url(world))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_the_ledger_refuses_a_post(client, world):
    client.force_login(world.secretary_a)
    assert client.post(ledger_url(world)).status_code == 405


def _fill(world: World, size: int) -> None:
    for n in range(size):
        member = MemberFactory(organization=world.branch_a, group=world.group if n % 2 else None)
        salary(member, 3000 + n * 100)
        if n % 3 == 0:
            paid(member, JAN, APR, 4 * services.Due.objects.get(member=member, month=JAN).amount_fen)


def test_the_ledger_costs_the_same_queries_for_5_and_50_members(client, world):
    client.force_login(world.secretary_a)
    counts = []
    for size in (5, 45):
        _fill(world, size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(ledger_url(world))
        assert response.status_code == 200
        counts.append(len(queries))
    assert len(response.context["rows"]) == 50
    assert counts[0] == counts[1], counts
    assert counts[1] <= 10, [q["sql"] for q in queries.captured_queries]


# --- Reaching it ----------------------------------------------------------------------------


def test_the_workspace_links_each_branch_ledger_and_the_dues_pages(client, world):
    client.force_login(world.secretary_a)
    body = client.get(reverse("workspace:home")).content.decode()
    assert f'href="{reverse("dues:ledger", args=[world.branch_a.pk])}"' in body
    assert f'href="{reverse("dues:queue")}"' in body
    assert f'href="{reverse("dues:arrears")}"' in body
    assert "党费台账" in body


def test_the_group_leader_has_no_dues_links_in_the_workspace(client, world):
    client.force_login(world.group_leader)
    body = client.get(reverse("workspace:home")).content.decode()
    assert "/dues/" not in body


def test_the_roster_entry_links_to_the_members_dues_for_those_who_record_them(client, world):
    dues_url = reverse("dues:member", args=[world.bob.pk])
    client.force_login(world.secretary_a)
    body = client.get(reverse("roster:detail", args=[world.bob.pk])).content.decode()
    assert f'href="{dues_url}"' in body and "党费" in body
    # The group leader manages bob's roster entry but not his dues.
    client.force_login(world.group_leader)
    response = client.get(reverse("roster:detail", args=[world.bob.pk]))
    assert response.status_code == 200
    assert dues_url not in response.content.decode()
