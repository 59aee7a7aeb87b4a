"""The demo dues: a year of the online branch with its cases, a few months elsewhere, a re-run changing nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from PIL import Image

from branches.models import Organization
from dues import committee_data, services
from dues import demo as dues_demo
from dues.models import Basis, Category, Due, Payment, Publication, Relief
from members import demo as member_demo
from members.models import Member
from notifications.models import Notification

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)
MODELS = (Basis, Relief, Payment, Due, Publication)


def seed(today: dt.date = TODAY) -> dict[str, int]:
    member_demo.seed(today)
    return dues_demo.seed(today)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once for the tests that only read it, rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield
        transaction.set_rollback(True)


def online() -> Organization:
    return Organization.objects.get(code=member_demo.ONLINE_BRANCH_CODE)


def at_slot(slot: int) -> Member:
    return Member.objects.get(phone=member_demo.demo_phone(member_demo.ITINERANT_PHONES_FROM + slot))


def snapshot() -> dict:
    return {
        "counts": {model.__name__: model.objects.count() for model in MODELS},
        "dues": list(Due.objects.order_by("pk").values_list("pk", "member_id", "month", "amount_fen", "payment_id")),
        "payments": list(
            Payment.objects.order_by("pk").values_list("pk", "status", "amount_fen", "dues_fen", "extra_fen")
        ),
        "bases": list(Basis.objects.order_by("pk").values_list("pk", "status", "income_fen", "applies_from")),
        "notices": Notification.objects.count(),
    }


def test_every_online_member_has_a_year_of_dues_on_a_basis(seeded):
    members = Member.objects.active().filter(organization=online())
    assert members.count() == member_demo.ITINERANT_COUNT
    assert not members.exclude(dues_bases__status=Basis.Status.CONFIRMED).exists()
    first = dt.date(2026, 1, 1)
    months = set(Due.objects.filter(organization=online()).values_list("month", flat=True))
    assert min(months) == first
    assert max(months) == dt.date(2026, 12, 1)
    categories = Basis.objects.filter(member__organization=online(), status=Basis.Status.CONFIRMED)
    assert categories.filter(category=Category.RETIRED).count() == 1
    student = categories.get(category=Category.STUDENT)
    assert set(Due.objects.filter(member=student.member).values_list("amount_fen", flat=True)) == {20}
    # Incomes over every bracket of the salary table.
    incomes = list(categories.filter(category=Category.SALARY).values_list("income_fen", flat=True))
    assert min(incomes) <= 300000 < 500000 < 1000000 < max(incomes)


def test_the_cases_a_secretary_meets_are_there(seeded):
    branch = online()
    exemption = Relief.objects.get(member__organization=branch)
    assert exemption.kind == Relief.Kind.EXEMPT
    assert len(services.months_between(exemption.first_month, exemption.last_month)) == 3
    assert "停工" in exemption.reason
    assert set(
        Due.objects.filter(
            member=exemption.member, month__gte=exemption.first_month, month__lte=exemption.last_month
        ).values_list("amount_fen", flat=True)
    ) == {0}

    member_ids = Member.objects.filter(organization=branch).values_list("pk", flat=True)
    arrears = services.arrears_months(member_ids, TODAY)
    reported = Payment.objects.get(status=Payment.Status.REPORTED)
    # The member whose transfer waits for the secretary is not in arrears in the sense of owing; the rest are.
    arrears.pop(reported.member_id, None)
    assert sorted(len(months) for months in arrears.values()) == [1, 2, 5]

    on_behalf = Payment.objects.exclude(payer_name="").get()
    assert on_behalf.on_behalf and on_behalf.status == Payment.Status.CONFIRMED
    extra = Payment.objects.get(extra_fen__gt=0)
    assert extra.extra_fen == dues_demo.EXTRA_FEN
    assert extra.first_month == dt.date(2026, 7, 1)

    assert reported.receipt
    with reported.receipt.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "JPEG"
        assert not image.getexif()
    assert not Due.objects.filter(member=reported.member, month=reported.first_month, payment__isnull=False).exists()

    declared = Basis.objects.get(status=Basis.Status.DECLARED)
    assert declared.member.organization == branch
    assert declared.applies_from == dt.date(2026, 12, 1)


def test_payments_settle_exactly_their_months(seeded):
    for payment in Payment.objects.filter(status=Payment.Status.CONFIRMED):
        months = services.months_between(payment.first_month, payment.last_month)
        settled = Due.objects.filter(payment=payment)
        assert sorted(settled.values_list("month", flat=True)) == months
        assert payment.dues_fen == sum(settled.values_list("amount_fen", flat=True))
        assert payment.amount_fen == payment.dues_fen + payment.extra_fen
        assert payment.paid_on <= TODAY
    # Most pay monthly, some a quarter at a time.
    spans = {len(services.months_between(p.first_month, p.last_month)) for p in Payment.objects.all()}
    assert {1, 3} <= spans


def test_the_demo_login_has_this_month_left_to_report(seeded):
    login = at_slot(member_demo.MEMBER_LOGIN_SLOT)
    unpaid = list(Due.objects.filter(member=login, payment__isnull=True).values_list("month", flat=True))
    assert unpaid == [dt.date(2026, 12, 1)]


def test_the_ordinary_branches_have_a_few_months(seeded):
    for code, *_rest in member_demo.ORDINARY_BRANCHES:
        months = set(Due.objects.filter(organization__code=code).values_list("month", flat=True))
        assert months == {dt.date(2026, m, 1) for m in (9, 10, 11, 12)}
        assert not Due.objects.filter(organization__code=code, month__lt=dt.date(2026, 12, 1), payment=None).exists()


def test_the_last_half_year_is_published_and_its_members_told(seeded):
    publication = Publication.objects.get(organization=online())
    assert (publication.year, publication.half, publication.show_amounts) == (2026, 1, False)
    told = Notification.objects.filter(kind=committee_data.PUBLICATION_KIND)
    assert told.count() == member_demo.ITINERANT_COUNT


def test_the_committees_totals_add_up(seeded):
    committee = Organization.objects.get(code=member_demo.COMMITTEE_CODE)
    totals = committee_data.branch_totals(committee, committee_data.Quarter(2026, 4))
    quarter = Due.objects.filter(month__gte=dt.date(2026, 10, 1), month__lte=dt.date(2026, 12, 1))
    assert totals.total.due_fen == sum(quarter.values_list("amount_fen", flat=True))
    assert totals.total.paid_fen == sum(quarter.exclude(payment=None).values_list("amount_fen", flat=True))
    assert len(totals.rows) == 1 + len(member_demo.ORDINARY_BRANCHES)
    assert all(row.remit_fen > 0 for row in totals.rows)


def test_seeding_twice_changes_nothing(seeded):
    before = snapshot()
    assert before["counts"]["Basis"] > member_demo.ITINERANT_COUNT
    assert seed() == {}
    assert snapshot() == before


def test_a_later_day_leaves_what_is_there_alone(seeded):
    before = snapshot()
    assert dues_demo.seed(dt.date(2027, 1, 10)) == {"publications": 1}
    after = snapshot()
    assert after["payments"] == before["payments"]
    assert after["bases"] == before["bases"]


def test_seed_demo_runs_the_dues_demo(seeded, settings):
    settings.DEBUG = True
    Due.objects.all().delete()
    for model in (Payment, Relief, Basis, Publication):
        model.objects.all().delete()
    call_command("seed_demo", stdout=io.StringIO())
    assert Basis.objects.filter(member__organization=online()).count() > member_demo.ITINERANT_COUNT
    assert Payment.objects.filter(status=Payment.Status.REPORTED).count() == 1
    assert Publication.objects.filter(organization=online()).exists()
