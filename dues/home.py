"""The dues section of the member's home page: this month's due, paid or not, and any arrears.

Its figures are read with the member's own row (``dues_facts``), so the home
page spends no query on them; a member loaded without them costs one.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BigIntegerField, Exists, F, Func, IntegerField, OuterRef, Subquery
from django.http import HttpRequest

from members.home import register_home_annotations, register_home_section
from members.models import Member

from .amounts import yuan
from .models import Due, Payment, first_of_month
from .services import unpaid

FACTS = (
    "home_dues_month_fen",
    "home_dues_month_paid",
    "home_dues_arrears",
    "home_dues_arrears_fen",
    "home_dues_waiting",
)


@register_home_annotations
def dues_facts(today: dt.date) -> dict:
    # No sort: the model's default one orders by member, which joins the member table into each subquery.
    this_month = Due.objects.filter(member=OuterRef("pk"), month=first_of_month(today)).order_by()
    arrears = unpaid(today).filter(member=OuterRef("pk")).order_by()
    return {
        "home_dues_month_fen": Subquery(this_month.values("amount_fen")[:1], output_field=BigIntegerField()),
        "home_dues_month_paid": Exists(this_month.filter(payment__isnull=False)),
        # COUNT and SUM as plain functions, so the subqueries have no GROUP BY.
        "home_dues_arrears": Subquery(
            arrears.annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("n"),
            output_field=IntegerField(),
        ),
        "home_dues_arrears_fen": Subquery(
            arrears.annotate(fen=Func(F("amount_fen"), function="SUM", output_field=BigIntegerField())).values("fen"),
            output_field=BigIntegerField(),
        ),
        "home_dues_waiting": Exists(Payment.objects.filter(member=OuterRef("pk"), status=Payment.Status.REPORTED)),
    }


@register_home_section
def dues_card(request: HttpRequest, member: Member, today: dt.date) -> dict | None:
    """Nothing for a member without dues (no basis yet); no query when the member's row carries the facts."""
    facts = member.__dict__
    if not all(name in facts for name in FACTS):
        facts = Member.objects.filter(pk=member.pk).annotate(**dues_facts(today)).values(*FACTS).first() or {}
    month_fen = facts.get("home_dues_month_fen")
    arrears = facts.get("home_dues_arrears") or 0
    if month_fen is None and not arrears:
        return None
    return {
        "template": "dues/member/_home.html",
        "month": first_of_month(today),
        "has_month": month_fen is not None,
        "month_amount": yuan(month_fen) if month_fen is not None else "",
        "month_settled": bool(facts.get("home_dues_month_paid")) or month_fen == 0,
        "month_free": month_fen == 0,
        "arrears": arrears,
        "arrears_amount": yuan(facts.get("home_dues_arrears_fen") or 0),
        "waiting": bool(facts.get("home_dues_waiting")),
    }
