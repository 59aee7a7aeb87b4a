"""Members in arrears and members without a basis, and the dues to-dos of the workspace."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Role
from branches.tests.factories import RoleFactory
from dues import services
from dues.models import Category, Relief
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory
from notifications.digest import arrivals

from .secretary_world import JAN, JUN, MAR, NOW, TODAY, World, build_world, frozen, paid, reported, salary

pytestmark = pytest.mark.django_db
ARREARS = "/dues/arrears/"


@pytest.fixture(autouse=True)
def _clock():
    with frozen():
        yield


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def owing(world):
    """bob owes April and May; ann January to May; cat has no basis; dan is exempt; two others do not count."""
    salary(world.bob, 4000)
    paid(world.bob, JAN, MAR, 12000)
    ann = MemberFactory(name="安", organization=world.branch_a)
    salary(ann, 4000)
    cat = MemberFactory(name="猫", organization=world.branch_a)
    dan = MemberFactory(name="丹", organization=world.branch_a)
    salary(dan, 2000)
    services.add_relief(
        dan,
        kind=Relief.Kind.EXEMPT,
        first_month=JAN,
        last_month=dt.date(2026, 12, 1),
        reason="重病",
        approved_on=JAN,
        approved_by_name="党委",
        today=TODAY,
    )
    gone = MemberFactory(name="已转出", organization=world.branch_a)
    salary(gone, 4000)
    Member.objects.filter(pk=gone.pk).update(state=Member.State.TRANSFERRED_OUT)
    other = MemberFactory(name="别支部", organization=world.branch_b)
    salary(other, 4000)
    return {"ann": ann, "cat": cat, "dan": dan}


def listed(response) -> list[str]:
    return [member.name for member in response.context["page"]]


def test_the_arrears_list_has_months_amount_and_oldest_month_most_months_first(client, world, owing):
    client.force_login(world.secretary_a)
    response = client.get(ARREARS)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert listed(response) == ["安", "鲍勃"]
    ann, bob = response.context["page"]
    # June is this month: not in arrears yet.
    assert (ann.dues_owing.months, ann.dues_owing.amount_fen, ann.dues_owing.oldest) == (5, 20000, JAN)
    assert (bob.dues_owing.months, bob.dues_owing.amount_fen, bob.dues_owing.oldest) == (2, 8000, dt.date(2026, 4, 1))
    body = response.content.decode()
    assert '<span class="warn">欠交 5 个月，共 200.00 元，自 2026-01 起</span>' in body
    assert "<span>欠交 2 个月，共 80.00 元，自 2026-04 起</span>" in body
    assert reverse("dues:member", args=[world.bob.pk]) in body


def test_three_months_or_more_narrows_the_list(client, world, owing):
    client.force_login(world.secretary_a)
    assert listed(client.get(ARREARS, {"min": "3"})) == ["安"]
    assert listed(client.get(ARREARS, {"min": "²"})) == ["安", "鲍勃"]


def test_the_members_without_a_basis_are_listed_apart(client, world, owing):
    client.force_login(world.secretary_a)
    response = client.get(ARREARS, {"show": "nobasis"})
    assert listed(response) == ["猫"]
    assert reverse("dues:set_basis", args=[owing["cat"].pk]) in response.content.decode()


@pytest.mark.parametrize("persona", ["group_leader", "bob"])
def test_those_without_the_dues_capability_are_refused(client, world, persona):
    client.force_login(world.bob.user if persona == "bob" else world.group_leader)
    assert client.get(ARREARS).status_code == 403


def test_the_secretary_of_b_sees_only_bs_arrears(client, world, owing):
    client.force_login(world.secretary_b)
    assert listed(client.get(ARREARS)) == ["别支部"]


def test_the_arrears_list_refuses_a_post(client, world):
    client.force_login(world.secretary_a)
    assert client.post(ARREARS).status_code == 405


@pytest.mark.parametrize("show", ["arrears", "nobasis"])
def test_the_arrears_list_costs_the_same_queries_for_5_and_50_members(client, world, show):
    client.force_login(world.secretary_a)
    counts = []
    for size in (5, 45):
        for _ in range(size):
            member = MemberFactory(organization=world.branch_a)
            if show == "arrears":
                salary(member, 3500)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(ARREARS, {"show": show})
        counts.append(len(queries))
    assert len(response.context["page"]) == 50
    assert counts[0] == counts[1], counts


# --- The workspace --------------------------------------------------------------------------


def counts(response) -> dict[str, int]:
    return {item.key: item.count for item in response.context["todos"] if item.key.startswith("dues_")}


def test_the_workspace_counts_what_waits_and_the_long_arrears_of_the_scope(client, world, owing):
    reported(world.bob, dt.date(2026, 4, 1), JUN, 12000)
    services.declare_basis(world.bob, category=Category.SALARY, income_fen=500000, applies_from=JUN)
    services.declare_basis(owing["cat"], category=Category.STUDENT, applies_from=JUN)
    other = Member.objects.get(name="别支部")
    other.user = UserFactory()
    other.save(update_fields=["user"])
    reported(other, JUN, JUN, 4000)
    client.force_login(world.secretary_a)
    response = client.get(reverse("workspace:home"))
    # bob (a payment and a declaration) and cat wait; ann alone owes three months or more.
    assert counts(response) == {"dues_pending": 2, "dues_arrears": 1}
    body = response.content.decode()
    assert f'href="{reverse("dues:queue")}"' in body
    assert f'href="{reverse("dues:arrears")}?min=3"' in body
    assert "欠交三个月以上的党员" in body


def test_the_workspace_to_dos_are_not_a_group_leaders(client, world, owing):
    client.force_login(world.group_leader)
    assert counts(client.get(reverse("workspace:home"))) == {}


def test_an_organizer_keeps_the_books_too(client, world, owing):
    organizer = RoleFactory(organization=world.branch_a, kind=Role.Kind.ORGANIZER).user
    client.force_login(organizer)
    assert counts(client.get(reverse("workspace:home"))) == {"dues_pending": 0, "dues_arrears": 1}
    assert client.get(ARREARS).status_code == 200


def test_the_daily_digest_hears_of_new_payments_and_declarations_in_their_place(world):
    salary(world.bob, 4000)
    payment = reported(world.bob, JUN, JUN, 4000)
    services.declare_basis(world.bob, category=Category.SALARY, income_fen=500000, applies_from=JUN)
    found = arrivals(NOW - dt.timedelta(hours=1), TODAY)["dues_pending"]
    assert sorted(found) == [(world.branch_a.path, world.group.path, payment.entered_at)] * 2
