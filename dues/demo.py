"""Demo Party dues for the demo mine: a year of the online branch's dues, a few months of the others'.

Builds on the roster demo (``members.demo``). The online branch's members get
a dues basis a year back (salaries of every bracket, one raise, one
self-employed member, one retired member, one student on the fixed 0.20),
monthly or quarterly payments up to last month, and the cases a secretary
meets: one member exempted for three months on hardship, three in arrears
(one for five months), a payment made by a member's wife (代交), a voluntary
extra payment for 1 July, a reported transfer with its receipt waiting for
confirmation and a declared new salary waiting too. The branch's last
half-year is published to its members. The mine's other branches have a
basis from three months back and have paid up to last month.

Idempotent like the other demos: a member who has a basis already is left
alone, and the publication is looked up by branch, year and half; the
payments are written set-based for the members set up in this run.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter, defaultdict

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from branches.dates import shift_month
from branches.models import Organization, Role
from members.demo import ITINERANT_PHONES_FROM, ONLINE_BRANCH_CODE, ORDINARY_BRANCHES
from members.models import Member, User

from . import committee_data, services
from .models import Basis, Category, Due, Payment, Publication, Relief

# Any fixed seed would do; fixed so every run draws the same incomes.
SEED = 20260701
YEAR_OF_DUES = 12
ORDINARY_MONTHS = 3
PAY_DAY = 6  # the online branch's activity day: most pay then

# Positions in the roster demo's itinerant list (its phone numbers), so the same people play these parts.
RETIRED_SLOT = 40
STUDENT_SLOT = 52  # a probationary member, studying
SELF_EMPLOYED_SLOT = 6
RAISE_SLOTS = (2, 9)
EXEMPT_SLOT = 21  # the roster demo's member whose site stopped for three months
ARREARS = {27: 5, 36: 2, 50: 1}  # slot → months unpaid before this one
ON_BEHALF_SLOT = 10
EXTRA_SLOT = 3
REPORTED_SLOT = 15
DECLARED_SLOT = 18
QUARTERLY_EVERY = 4  # one member in four pays a quarter at a time
EXTRA_FEN = 10000
EXEMPTION_REASON = "所在工地停工三个月，工资被拖欠，本人申请免交党费，经党委研究同意。"
APPROVED_BY = "示范煤矿党委"


def _month(today: dt.date, offset: int) -> dt.date:
    return dt.date(*shift_month(today.year, today.month, offset), 1)


def _slot(member: Member) -> int | None:
    number = int(member.phone[-4:]) - ITINERANT_PHONES_FROM
    return number if 0 <= number < 100 else None


def _secretary(branch: Organization) -> User | None:
    role = Role.objects.filter(organization=branch, kind=Role.Kind.SECRETARY).select_related("user").order_by("pk")
    first = role.first()
    return first.user if first else None


def receipt_jpeg(amount: str, day: dt.date) -> bytes:
    """A small picture of a bank transfer slip; ASCII only, as Pillow ships no CJK font."""
    image = Image.new("RGB", (480, 300), "#fdfdf8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 479, 56), fill="#b71c1c")
    draw.text((20, 20), "TRANSFER RECEIPT", fill="#ffffff")
    for n, (label, value) in enumerate(
        (("Date", f"{day:%Y-%m-%d}"), ("Amount", f"CNY {amount}"), ("Payee", "Party branch account"))
    ):
        y = 90 + n * 50
        draw.text((24, y), label, fill="#616161")
        draw.text((160, y), value, fill="#212121")
        draw.line((24, y + 28, 456, y + 28), fill="#e0e0e0")
    draw.ellipse((360, 200, 450, 290), outline="#b71c1c", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@transaction.atomic
def seed(today: dt.date | None = None) -> dict[str, int]:
    """Create whatever part of the demo dues is missing; see the module docstring."""
    today = today or timezone.localdate()
    online = Organization.objects.filter(code=ONLINE_BRANCH_CODE).first()
    if online is None:
        return {}
    created: Counter[str] = Counter()
    secretary = _secretary(online)
    _online_year(online, secretary, today, created)
    ordinary = Organization.objects.filter(code__in=[code for code, *_rest in ORDINARY_BRANCHES])
    for branch in ordinary.order_by("code"):
        _ordinary_months(branch, _secretary(branch) or secretary, today, created)
    year, half = committee_data.last_published_half(today)
    if not Publication.objects.filter(organization=online, year=year, half=half).exists():
        committee_data.publish(online, year=year, half=half, by=secretary, today=today)
        created["publications"] += 1
    return {key: n for key, n in created.items() if n}


def _new_members(branch: Organization) -> list[Member]:
    """Active members of the branch without any basis yet: the ones this run sets up."""
    with_basis = Basis.objects.filter(member__organization=branch).values("member_id")
    return list(Member.objects.active().filter(organization=branch).exclude(pk__in=with_basis).order_by("phone"))


def _online_year(branch: Organization, secretary: User | None, today: dt.date, created: Counter) -> None:
    members = _new_members(branch)
    if not members:
        return
    start, this_month, last_month = _month(today, 1 - YEAR_OF_DUES), _month(today, 0), _month(today, -1)
    rng = random.Random(SEED)  # noqa: S311 -- repeatable demo data
    # One draw per slot, whoever is set up, so the same member always gets the same income.
    incomes = {slot: rng.randrange(2500, 12001, 100) * 100 for slot in range(100)}
    slots = {member.pk: _slot(member) for member in members}
    by_slot = {slot: member for member in members if (slot := slots[member.pk]) is not None}
    for member in members:
        slot = slots[member.pk]
        if slot == RETIRED_SLOT:
            basis = {"category": Category.RETIRED, "income_fen": 420000, "note": "退休金"}
        elif slot == STUDENT_SLOT:
            basis = {"category": Category.STUDENT, "note": "在读研究生"}
        elif slot == SELF_EMPLOYED_SLOT:
            basis = {"category": Category.SELF_EMPLOYED, "income_fen": 560000, "note": "个体运输，上季度月均纯收入"}
        else:
            basis = {"category": Category.SALARY, "income_fen": incomes.get(slot, 450000)}
        services.set_basis(member, applies_from=start, by=secretary, today=today, **basis)
        created["bases"] += 1
        if slot in RAISE_SLOTS:
            services.set_basis(
                member,
                category=Category.SALARY,
                income_fen=incomes[slot] + 80000,
                applies_from=_month(today, -5),
                note="调岗后工资上调",
                by=secretary,
                today=today,
            )
            created["bases"] += 1
    if exempt := by_slot.get(EXEMPT_SLOT):
        services.add_relief(
            exempt,
            kind=Relief.Kind.EXEMPT,
            first_month=_month(today, -7),
            last_month=_month(today, -5),
            reason=EXEMPTION_REASON,
            approved_on=dt.date(*shift_month(today.year, today.month, -8), 20),
            approved_by_name=APPROVED_BY,
            by=secretary,
            today=today,
        )
        created["reliefs"] += 1

    # The cases paid through the services, so they read as a secretary and a member made them.
    handled: set[tuple[int, dt.date]] = set()
    if helped := by_slot.get(ON_BEHALF_SLOT):
        first = _month(today, -4)
        owed = _owed(helped, first, last_month)
        services.record_payment(
            helped,
            first_month=first,
            last_month=last_month,
            amount_fen=owed,
            paid_on=dt.date(first.year, first.month, PAY_DAY),
            method=Payment.Method.TRANSFER,
            payer_name=helped.emergency_contact or "家属代交",
            note="本人在外务工，家属代交",
            by=secretary,
            today=today,
        )
        handled.update((helped.pk, month) for month in services.months_between(first, last_month))
        created["payments"] += 1
    if generous := by_slot.get(EXTRA_SLOT):
        # For the Party's birthday on 1 July when the year of dues holds a July that is over, else last month.
        july = dt.date(today.year if today.month > 7 else today.year - 1, 7, 1)
        month, note = (july, "七一自愿多交党费一百元") if july >= start else (last_month, "自愿多交党费一百元")
        services.record_payment(
            generous,
            first_month=month,
            last_month=month,
            amount_fen=_owed(generous, month, month) + EXTRA_FEN,
            paid_on=month,
            note=note,
            by=secretary,
            today=today,
        )
        handled.add((generous.pk, month))
        created["payments"] += 1
    if reporter := by_slot.get(REPORTED_SLOT):
        owed = _owed(reporter, last_month, last_month)
        paid_on = dt.date(last_month.year, last_month.month, 25)
        services.report_payment(
            reporter,
            first_month=last_month,
            last_month=last_month,
            amount_fen=owed,
            paid_on=paid_on,
            receipt=ContentFile(receipt_jpeg(f"{owed / 100:.2f}", paid_on), name="receipt.jpg"),
            note="银行转账，回单见附件",
            by=reporter.user,
        )
        handled.add((reporter.pk, last_month))
        created["reported payments"] += 1
    if declarer := by_slot.get(DECLARED_SLOT):
        services.declare_basis(
            declarer,
            category=Category.SALARY,
            income_fen=incomes[DECLARED_SLOT] + 50000,
            applies_from=this_month,
            note="换了新工地，本月起工资调整",
            by=declarer.user,
        )
        created["declared bases"] += 1

    unpaid = {
        member.pk: {_month(today, -n) for n in range(1, months + 1)}
        for slot, months in ARREARS.items()
        if (member := by_slot.get(slot))
    }

    def pays(member: Member, month: dt.date) -> bool:
        slot = slots[member.pk]
        if (member.pk, month) in handled or month in unpaid.get(member.pk, ()):
            return False
        if month < this_month:
            return True
        # This month: a third have paid on the activity day, never the demo login (left for a visitor).
        return today.day >= PAY_DAY and slot not in (None, 0) and slot % 3 == 0 and member.pk not in unpaid

    created["payments"] += _pay(members, pays, secretary, today)


def _ordinary_months(branch: Organization, secretary: User | None, today: dt.date, created: Counter) -> None:
    members = _new_members(branch)
    if not members:
        return
    start = _month(today, -ORDINARY_MONTHS)
    rng = random.Random(f"{SEED}-{branch.code}")  # noqa: S311 -- repeatable demo data
    for member in members:
        income = rng.randrange(3500, 9001, 100) * 100
        services.set_basis(
            member, category=Category.SALARY, income_fen=income, applies_from=start, by=secretary, today=today
        )
        created["bases"] += 1
    this_month = _month(today, 0)
    created["payments"] += _pay(members, lambda member, month: month < this_month, secretary, today)


def _owed(member: Member, first: dt.date, last: dt.date) -> int:
    dues = Due.objects.filter(member=member, month__gte=first, month__lte=last)
    return sum(dues.values_list("amount_fen", flat=True))


def _pay(members: list[Member], pays, secretary: User | None, today: dt.date) -> int:
    """Settle the months ``pays(member, month)`` says were paid: set-based, a payment per month or per quarter.

    One in ``QUARTERLY_EVERY`` members hands over three months at once on
    the first month's activity day; the others pay each month. Months with
    nothing due (an exemption) need no payment.
    """
    members_by_pk = {member.pk: member for member in members}
    dues = defaultdict(list)
    for due in Due.objects.filter(member_id__in=members_by_pk, payment__isnull=True, amount_fen__gt=0).order_by(
        "member_id", "month"
    ):
        if pays(members_by_pk[due.member_id], due.month):
            dues[due.member_id].append(due)
    now = timezone.now()
    payments, covered = [], []
    for position, (member_id, owed) in enumerate(dues.items()):
        member = members_by_pk[member_id]
        size = 3 if position % QUARTERLY_EVERY == 1 else 1
        for chunk in _runs(owed, size):
            first, last = chunk[0].month, chunk[-1].month
            day = PAY_DAY if size == 3 else PAY_DAY + position % 10
            paid_on = min(dt.date(first.year, first.month, day), today)
            amount = sum(due.amount_fen for due in chunk)
            payments.append(
                Payment(
                    member=member,
                    organization_id=member.organization_id,
                    first_month=first,
                    last_month=last,
                    amount_fen=amount,
                    dues_fen=amount,
                    method=Payment.Method.CASH if position % 2 else Payment.Method.TRANSFER,
                    paid_on=paid_on,
                    status=Payment.Status.CONFIRMED,
                    entered_by=secretary,
                    entered_at=now,
                    decided_by=secretary,
                    decided_at=now,
                )
            )
            covered.append(chunk)
    Payment.objects.bulk_create(payments, batch_size=500)
    settled = []
    for payment, chunk in zip(payments, covered, strict=True):
        for due in chunk:
            due.payment = payment
            settled.append(due)
    Due.objects.bulk_update(settled, ["payment"], batch_size=500)
    return len(payments)


def _runs(dues: list[Due], size: int) -> list[list[Due]]:
    """Consecutive months in chunks of at most ``size``: a payment never skips a month."""
    runs: list[list[Due]] = []
    for due in dues:
        current = runs[-1] if runs else None
        if (
            current
            and len(current) < size
            and services.month_index(due.month) == services.month_index(current[-1].month) + 1
        ):
            current.append(due)
        else:
            runs.append([due])
    return runs
