"""What waits for the secretary: reported payments with their receipts and declared bases, decided once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dues import services
from dues.models import Basis, Category, Due, Payment
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

from .secretary_world import APR, JUN, MAY, World, build_world, frozen, reported, salary

pytestmark = pytest.mark.django_db
QUEUE = "/dues/queue/"


@pytest.fixture(autouse=True)
def _clock():
    with frozen():
        yield


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def waiting(world):
    """bob at 40.00 a month reports April to June with 130.00 and a receipt, and declares 6,000 yuan from July."""
    salary(world.bob, 4000)
    payment = reported(world.bob, APR, JUN, 13000)
    basis = services.declare_basis(
        world.bob, category=Category.SALARY, income_fen=600000, applies_from=JUN, note="六月起涨工资", by=world.bob.user
    )
    return payment, basis


def decide(client, name: str, pk: int, decision: str, note: str = "", **extra):
    return client.post(reverse(f"dues:{name}", args=[pk]), {"decision": decision, "note": note, **extra})


def notices(member) -> list[Notification]:
    return list(Notification.objects.filter(member=member, kind__startswith="dues_").order_by("pk"))


# --- The queue ------------------------------------------------------------------------------


def test_the_queue_lists_reported_payments_with_receipts_and_declared_bases_of_the_scope(client, world, waiting):
    payment, basis = waiting
    charlie = MemberFactory(name="查理", organization=world.branch_b, user=UserFactory())
    salary(charlie, 3000)
    reported(charlie, JUN, JUN, 1500)
    client.force_login(world.secretary_a)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert [p.pk for p, _owed, _extra in response.context["payments"]] == [payment.pk]
    assert [b.pk for b in response.context["bases"]] == [basis.pk]
    body = response.content.decode()
    receipt = reverse("dues:receipt", args=[payment.pk])
    assert f'<img class="receipt-thumb" src="{receipt}"' in body
    # April to June come to 120.00; the 10.00 above it is a voluntary extra.
    assert "这些月份应交 120.00 元" in body and "自愿多交 10.00 元" in body
    assert "六月起涨工资" in body
    assert "查理" not in body


def test_a_payment_short_of_its_months_is_marked(client, world):
    salary(world.bob, 4000)
    reported(world.bob, MAY, JUN, 5000)
    client.force_login(world.secretary_a)
    assert "少于这些月份的应交金额" in client.get(QUEUE).content.decode()


@pytest.mark.parametrize("persona", ["group_leader", "bob"])
def test_those_without_the_dues_capability_are_refused_the_queue(client, world, persona):
    client.force_login(world.bob.user if persona == "bob" else world.group_leader)
    assert client.get(QUEUE).status_code == 403


def test_the_queue_refuses_a_post(client, world):
    client.force_login(world.secretary_a)
    assert client.post(QUEUE).status_code == 405


def _fill(world, size: int) -> None:
    for _ in range(size):
        member = MemberFactory(organization=world.branch_a, group=world.group, user=UserFactory())
        salary(member, 5000)
        reported(member, MAY, JUN, 10000)
        services.declare_basis(member, category=Category.RETIRED, income_fen=300000, applies_from=JUN)


def test_the_queue_costs_the_same_queries_for_5_and_50_waiting(client, world):
    client.force_login(world.secretary_a)
    counts = []
    for size in (5, 45):
        _fill(world, size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE)
        counts.append(len(queries))
    assert len(response.context["payments"]) == 50
    assert counts[0] == counts[1], counts


def test_a_long_queue_shows_the_oldest_and_counts_them_all(client, world):
    _fill(world, 51)
    client.force_login(world.secretary_a)
    response = client.get(QUEUE)
    assert (len(response.context["payments"]), response.context["payment_count"]) == (50, 51)
    assert "51 笔交纳待确认" in response.content.decode()


# --- Deciding a payment ---------------------------------------------------------------------


def test_confirming_a_payment_settles_its_months_and_tells_the_member_once(client, world, waiting):
    payment, _basis = waiting
    client.force_login(world.secretary_a)
    response = decide(client, "decide_payment", payment.pk, "accept", next=QUEUE)
    assert response.status_code == 302 and response["Location"] == QUEUE
    payment.refresh_from_db()
    assert (payment.status, payment.decided_by, payment.dues_fen, payment.extra_fen) == (
        Payment.Status.CONFIRMED,
        world.secretary_a,
        12000,
        1000,
    )
    assert set(Due.objects.filter(member=world.bob, month__gte=APR).values_list("payment_id", flat=True)) == {
        payment.pk
    }
    [notice] = notices(world.bob)
    assert notice.title == "您 2026-04–2026-06 的党费已确认"
    assert notice.url == reverse("dues:mine")


def test_a_second_confirmation_is_refused_and_counts_nothing_twice(client, world, waiting):
    payment, _basis = waiting
    client.force_login(world.secretary_a)
    decide(client, "decide_payment", payment.pk, "accept")
    response = decide(client, "decide_payment", payment.pk, "accept")
    assert response.status_code == 302
    assert "该交纳记录已处理过。" in [str(m) for m in response.wsgi_request._messages]
    assert len(notices(world.bob)) == 1
    assert Payment.objects.get(pk=payment.pk).extra_fen == 1000
    # Refusing what is confirmed is refused too.
    decide(client, "decide_payment", payment.pk, "refuse", "弄错了")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CONFIRMED


def test_refusing_needs_a_reason_which_the_member_reads(client, world, waiting):
    payment, _basis = waiting
    client.force_login(world.secretary_a)
    response = decide(client, "decide_payment", payment.pk, "refuse")
    assert "请说明退回交纳记录的理由。" in [str(m) for m in response.wsgi_request._messages]
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REPORTED
    decide(client, "decide_payment", payment.pk, "refuse", "回单看不清，请重新上传")
    payment.refresh_from_db()
    assert (payment.status, payment.decision_note) == (Payment.Status.REJECTED, "回单看不清，请重新上传")
    assert not Due.objects.filter(payment=payment).exists()
    [notice] = notices(world.bob)
    assert (notice.title, notice.body) == ("您报送的 2026-04–2026-06 党费未被确认", "理由：回单看不清，请重新上传")


def test_confirming_a_payment_short_of_its_months_is_refused(client, world):
    salary(world.bob, 4000)
    payment = reported(world.bob, MAY, JUN, 5000)
    client.force_login(world.secretary_a)
    response = decide(client, "decide_payment", payment.pk, "accept")
    assert "这些月份应交 80.00 元，50.00 元不够。" in [str(m) for m in response.wsgi_request._messages]
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REPORTED
    assert not notices(world.bob)


@pytest.mark.parametrize(
    "data", [{}, {"decision": "maybe"}, {"decision": "refuse", "note": "长" * 201}], ids=["none", "other", "long"]
)
def test_a_decision_that_is_neither_is_refused(client, world, waiting, data):
    payment, _basis = waiting
    client.force_login(world.secretary_a)
    client.post(reverse("dues:decide_payment", args=[payment.pk]), data)
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REPORTED


def test_deciding_never_returns_to_another_site(client, world, waiting):
    payment, _basis = waiting
    client.force_login(world.secretary_a)
    response = decide(client, "decide_payment", payment.pk, "accept", next="https://evil.example/")
    assert response["Location"] == QUEUE


# --- Deciding a declared basis --------------------------------------------------------------


def test_confirming_a_declared_basis_recomputes_the_unpaid_months(client, world, waiting):
    _payment, basis = waiting
    client.force_login(world.secretary_a)
    decide(client, "decide_basis", basis.pk, "accept")
    basis.refresh_from_db()
    assert (basis.status, basis.decided_by) == (Basis.Status.CONFIRMED, world.secretary_a)
    # 6,000 x 1.5 % = 90.00 from June.
    assert Due.objects.get(member=world.bob, month=JUN).amount_fen == 9000
    [notice] = notices(world.bob)
    assert notice.title == "您自 2026-06 起的党费基数已确认"


def test_refusing_a_declared_basis_keeps_the_dues_and_says_why(client, world, waiting):
    _payment, basis = waiting
    client.force_login(world.secretary_a)
    decide(client, "decide_basis", basis.pk, "refuse", "请附工资条")
    basis.refresh_from_db()
    assert (basis.status, basis.decision_note) == (Basis.Status.REJECTED, "请附工资条")
    assert Due.objects.get(member=world.bob, month=JUN).amount_fen == 4000
    decide(client, "decide_basis", basis.pk, "accept")
    assert Basis.objects.get(pk=basis.pk).status == Basis.Status.REJECTED
    assert [n.body for n in notices(world.bob)] == ["理由：请附工资条"]


# --- Who may decide -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["secretary_b", "group_leader", "bob"])
def test_others_get_404_on_deciding_and_nothing_changes(client, world, waiting, persona):
    payment, basis = waiting
    client.force_login(world.bob.user if persona == "bob" else getattr(world, persona))
    assert decide(client, "decide_payment", payment.pk, "accept").status_code == 404
    assert decide(client, "decide_basis", basis.pk, "accept").status_code == 404
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REPORTED
    assert Basis.objects.get(pk=basis.pk).status == Basis.Status.DECLARED
    assert not notices(world.bob)


@pytest.mark.parametrize("name", ["decide_payment", "decide_basis"])
def test_deciding_takes_a_post_only(client, world, waiting, name):
    payment, basis = waiting
    client.force_login(world.secretary_a)
    pk = payment.pk if name == "decide_payment" else basis.pk
    assert client.get(reverse(f"dues:{name}", args=[pk])).status_code == 405


# --- The receipt ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["secretary_a", "bob"])
def test_the_receipt_is_served_privately_to_the_member_and_the_secretary(client, world, waiting, persona):
    payment, _basis = waiting
    client.force_login(world.bob.user if persona == "bob" else world.secretary_a)
    response = client.get(reverse("dues:receipt", args=[payment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize("persona", ["secretary_b", "group_leader", "another_member"])
def test_anyone_else_gets_404_for_the_receipt(client, world, waiting, persona):
    payment, _basis = waiting
    if persona == "another_member":
        user = UserFactory()
        MemberFactory(organization=world.branch_a, user=user, phone=user.phone)
    else:
        user = getattr(world, persona)
    client.force_login(user)
    assert client.get(reverse("dues:receipt", args=[payment.pk])).status_code == 404


def test_a_payment_without_a_receipt_has_none_to_show(client, world):
    salary(world.bob, 4000)
    payment = reported(world.bob, JUN, JUN, 4000, receipt=False)
    client.force_login(world.secretary_a)
    assert client.get(reverse("dues:receipt", args=[payment.pk])).status_code == 404


def test_the_member_finds_the_secretarys_decision_in_the_inbox(client, world, waiting):
    payment, _basis = waiting
    client.force_login(world.secretary_a)
    decide(client, "decide_payment", payment.pk, "accept")
    client.force_login(world.bob.user)
    response = client.get(reverse("notifications:inbox"), headers={"accept-language": "en"})
    assert "Your dues payment for 2026-04–2026-06 is confirmed" in response.content.decode()
