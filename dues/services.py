"""Dues use cases: bases, reliefs, the monthly ledger, payments. Views, tasks and the demo call these.

Every write that touches a member's dues locks the member's row first, so a
payment confirmed while a new basis recomputes the same months sees one or
the other, never half of both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.dates import shift_month
from members.models import Member

from .amounts import RateTables, monthly_due, yuan
from .errors import DuesError
from .models import Basis, Due, Payment, Relief, first_of_month

# A beat down for up to this many months is caught up by the next sweep; months
# further back are written when a basis is confirmed (``write_member_dues``).
SWEEP_MONTHS = 3
# Back payment (补交) beyond this many months is flagged to the secretary (the rules: generally within six).
BACK_PAYMENT_MONTHS = 6
BATCH = 2000


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every first-of-month from ``first`` to ``last``, both included."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(dt.date(year, month, 1))
        year, month = shift_month(year, month, 1)
    return months


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def first_due_month(member: Member) -> dt.date:
    """Probationary members pay from the month the branch meeting accepted them (``joined_party_on``)."""
    return first_of_month(member.joined_party_on)


# --- Bases and reliefs -------------------------------------------------------------------


def _check_basis(category: str, income_fen: int | None, fixed_fen: int | None, month: dt.date) -> None:
    monthly_due(category=category, income_fen=income_fen, fixed_fen=fixed_fen, month=month, tables=RateTables())


@transaction.atomic
def set_basis(
    member: Member,
    *,
    category: str,
    applies_from: dt.date,
    income_fen: int | None = None,
    fixed_fen: int | None = None,
    note: str = "",
    by=None,
    today: dt.date | None = None,
) -> Basis:
    """The secretary enters a basis: confirmed at once, and the member's unpaid dues from that month follow it."""
    applies_from = first_of_month(applies_from)
    _check_basis(category, income_fen, fixed_fen, applies_from)
    Member.objects.select_for_update().filter(pk=member.pk).first()
    now = timezone.now()
    basis = Basis.objects.create(
        member=member,
        category=category,
        income_fen=income_fen,
        fixed_fen=fixed_fen,
        applies_from=applies_from,
        status=Basis.Status.CONFIRMED,
        note=note,
        entered_by=by,
        entered_at=now,
        decided_by=by,
        decided_at=now,
    )
    write_member_dues(member, today or timezone.localdate())
    return basis


@transaction.atomic
def declare_basis(
    member: Member,
    *,
    category: str,
    applies_from: dt.date,
    income_fen: int | None = None,
    fixed_fen: int | None = None,
    note: str = "",
    by=None,
) -> Basis:
    """The member declares their income; nothing is due on it until the secretary confirms."""
    applies_from = first_of_month(applies_from)
    _check_basis(category, income_fen, fixed_fen, applies_from)
    # A newer declaration replaces one still waiting, so the queue holds one per member.
    Basis.objects.filter(member=member, status=Basis.Status.DECLARED).update(
        status=Basis.Status.REJECTED, decided_at=timezone.now(), decision_note=_("Replaced by a newer declaration.")
    )
    return Basis.objects.create(
        member=member,
        category=category,
        income_fen=income_fen,
        fixed_fen=fixed_fen,
        applies_from=applies_from,
        status=Basis.Status.DECLARED,
        note=note,
        entered_by=by,
        entered_at=timezone.now(),
    )


@transaction.atomic
def decide_basis(basis: Basis, *, accept: bool, by=None, note: str = "", today: dt.date | None = None) -> Basis:
    """Confirm or refuse a declared basis, once: a second decision is refused, not applied twice."""
    locked = Basis.objects.select_for_update().get(pk=basis.pk)
    if locked.status != Basis.Status.DECLARED:
        raise DuesError(_("This declaration has already been decided."), code="already_decided")
    if not accept and not note.strip():
        raise DuesError(_("Say why the declaration is not accepted."), code="reason_missing", field="note")
    locked.status = Basis.Status.CONFIRMED if accept else Basis.Status.REJECTED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_note = "" if accept else note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if accept:
        write_member_dues(locked.member, today or timezone.localdate())
    return locked


@transaction.atomic
def add_relief(
    member: Member,
    *,
    kind: str,
    first_month: dt.date,
    last_month: dt.date,
    reason: str,
    approved_on: dt.date,
    approved_by_name: str,
    amount_fen: int | None = None,
    by=None,
    today: dt.date | None = None,
) -> Relief:
    """Record an approved reduction or exemption; the unpaid dues of its months follow it."""
    first_month, last_month = first_of_month(first_month), first_of_month(last_month)
    if last_month < first_month:
        raise DuesError(_("The last month comes before the first."), code="bad_period", field="last_month")
    if kind == Relief.Kind.REDUCED and amount_fen is None:
        raise DuesError(_("A reduction needs the reduced monthly amount."), code="amount_missing", field="amount_yuan")
    overlapping = Relief.objects.filter(member=member, first_month__lte=last_month, last_month__gte=first_month)
    if overlapping.exists():
        raise DuesError(
            _("These months overlap a reduction or exemption already recorded."), code="overlap", field="first_month"
        )
    Member.objects.select_for_update().filter(pk=member.pk).first()
    relief = Relief.objects.create(
        member=member,
        kind=kind,
        amount_fen=amount_fen if kind == Relief.Kind.REDUCED else None,
        first_month=first_month,
        last_month=last_month,
        reason=reason,
        approved_on=approved_on,
        approved_by_name=approved_by_name,
        entered_by=by,
        entered_at=timezone.now(),
    )
    write_member_dues(member, today or timezone.localdate())
    return relief


# --- The ledger --------------------------------------------------------------------------


@dataclass
class _Inputs:
    """What a batch of members' dues for some months is computed from, read in three queries."""

    bases: dict[int, list[Basis]]
    reliefs: dict[int, list[Relief]]
    tables: RateTables

    @classmethod
    def load(cls, member_ids: Iterable[int], up_to: dt.date) -> _Inputs:
        ids = list(member_ids)
        bases: dict[int, list[Basis]] = {}
        for basis in Basis.objects.filter(
            member_id__in=ids, status=Basis.Status.CONFIRMED, applies_from__lte=up_to
        ).order_by("member_id", "-applies_from", "-entered_at", "-pk"):
            bases.setdefault(basis.member_id, []).append(basis)
        reliefs: dict[int, list[Relief]] = {}
        for relief in Relief.objects.filter(member_id__in=ids, first_month__lte=up_to):
            reliefs.setdefault(relief.member_id, []).append(relief)
        return cls(bases=bases, reliefs=reliefs, tables=RateTables())

    def due(self, member_id: int, month: dt.date) -> tuple[int, Basis, Relief | None, dict] | None:
        """The member's due for ``month``, or None when no confirmed basis covers it yet."""
        basis = next((b for b in self.bases.get(member_id, ()) if b.applies_from <= month), None)
        if basis is None:
            return None
        relief = next(
            (r for r in self.reliefs.get(member_id, ()) if r.first_month <= month <= r.last_month),
            None,
        )
        amount, how = monthly_due(
            category=basis.category,
            income_fen=basis.income_fen,
            fixed_fen=basis.fixed_fen,
            month=month,
            tables=self.tables,
            relief=relief,
        )
        return amount, basis, relief, how


def write_member_dues(member: Member, today: dt.date, *, through: dt.date | None = None) -> int:
    """Write the member's missing dues up to this month (or ``through``) and recompute the unpaid ones.

    Called after a basis or relief changes; paid months keep what they were
    paid at. Returns the rows written or changed.
    """
    last = first_of_month(max(today, through) if through else today)
    inputs = _Inputs.load([member.pk], last)
    if not inputs.bases.get(member.pk):
        return 0
    start = max(first_due_month(member), min(b.applies_from for b in inputs.bases[member.pk]))
    existing = {due.month: due for due in Due.objects.filter(member=member, month__gte=start, month__lte=last)}
    new, changed = [], []
    for month in months_between(start, last):
        computed = inputs.due(member.pk, month)
        if computed is None:
            continue
        amount, basis, relief, how = computed
        due = existing.get(month)
        if due is None:
            new.append(
                Due(
                    member=member,
                    organization_id=member.organization_id,
                    month=month,
                    amount_fen=amount,
                    basis=basis,
                    relief=relief,
                    how=how,
                )
            )
        elif due.payment_id is None and (due.amount_fen, due.basis_id, due.relief_id) != (
            amount,
            basis.pk,
            relief.pk if relief else None,
        ):
            due.amount_fen, due.basis, due.relief, due.how = amount, basis, relief, how
            changed.append(due)
    Due.objects.bulk_create(new, ignore_conflicts=True)
    Due.objects.bulk_update(changed, ["amount_fen", "basis", "relief", "how"])
    return len(new) + len(changed)


def write_month(month: dt.date, *, batch: int = BATCH) -> int:
    """Every active member's due for ``month`` that is not written yet. Idempotent by (member, month).

    Set-based: the members with a basis are read in batches, each batch's
    months already written in one more query by the (member, month) key and
    its bases and reliefs in two more, and the dues go in with one
    ``bulk_create`` per batch; a row a concurrent run wrote first is skipped.
    """
    month = first_of_month(month)
    next_month = dt.date(*shift_month(month.year, month.month, 1), 1)

    def candidates(after: int) -> list[tuple[int, int]]:
        # The bases bounded too: a merge join otherwise reads them from the first member every batch.
        bases = Basis.objects.filter(
            member=OuterRef("pk"), member_id__gt=after, status=Basis.Status.CONFIRMED, applies_from__lte=month
        )
        members = Member.objects.active().filter(pk__gt=after, joined_party_on__lt=next_month).filter(Exists(bases))
        return list(members.order_by("pk").values_list("pk", "organization_id")[:batch])

    written = 0
    last_pk = 0
    while True:
        rows = candidates(last_pk)
        if not rows:
            return written
        last_pk = rows[-1][0]
        # Not a NOT EXISTS in the candidates' query: PostgreSQL plans it on statistics taken before the
        # run, which know no row of a new month, and made it a nested loop over every due the run
        # had written so far, quadratic in the members (bench/dues_sweep.py: 100,000 took minutes).
        # A range of members rather than their list, so the (member, month) key answers it.
        written_already = set(
            Due.objects.filter(month=month, member_id__gte=rows[0][0], member_id__lte=last_pk).values_list(
                "member_id", flat=True
            )
        )
        rows = [row for row in rows if row[0] not in written_already]
        if not rows:
            continue
        inputs = _Inputs.load((pk for pk, _org in rows), month)
        dues = []
        for pk, organization_id in rows:
            computed = inputs.due(pk, month)
            if computed is None:
                continue
            amount, basis, relief, how = computed
            dues.append(
                Due(
                    member_id=pk,
                    organization_id=organization_id,
                    month=month,
                    amount_fen=amount,
                    basis=basis,
                    relief=relief,
                    how=how,
                )
            )
        written += len(Due.objects.bulk_create(dues, ignore_conflicts=True))


def write_due_months(today: dt.date) -> dict[str, int]:
    """The monthly sweep: this month's dues and those of the months a stopped beat missed."""
    months = [dt.date(*shift_month(today.year, today.month, -offset), 1) for offset in range(SWEEP_MONTHS - 1, -1, -1)]
    return {"dues_written": sum(write_month(month) for month in months)}


# --- Payments ----------------------------------------------------------------------------


def _settle(payment: Payment, today: dt.date) -> None:
    """Attach the payment's months to it, writing dues paid ahead; refuse months already paid or short money."""
    member = Member.objects.select_for_update().get(pk=payment.member_id)
    write_member_dues(member, today, through=payment.last_month)
    months = months_between(payment.first_month, payment.last_month)
    dues = list(Due.objects.select_for_update().filter(member=member, month__in=months).order_by("month"))
    found = {due.month for due in dues}
    without = [month for month in months if month not in found]
    if without:
        raise DuesError(
            _("No due can be worked out for %(months)s: the member has no dues basis for them yet.")
            % {"months": ", ".join(f"{m:%Y-%m}" for m in without)},
            code="no_basis",
            field="first_month",
        )
    paid = [due for due in dues if due.payment_id is not None and due.payment_id != payment.pk]
    if paid:
        raise DuesError(
            _("Already paid: %(months)s.") % {"months": ", ".join(f"{due.month:%Y-%m}" for due in paid)},
            code="already_paid",
            field="first_month",
        )
    owed = sum(due.amount_fen for due in dues)
    if payment.amount_fen < owed:
        raise DuesError(
            _("These months come to %(owed)s yuan; %(amount)s yuan is not enough.")
            % {"owed": yuan(owed), "amount": yuan(payment.amount_fen)},
            code="not_enough",
            field="amount_yuan",
        )
    payment.dues_fen = owed
    payment.extra_fen = payment.amount_fen - owed
    Due.objects.filter(pk__in=[due.pk for due in dues]).update(payment=payment)


@transaction.atomic
def record_payment(
    member: Member,
    *,
    first_month: dt.date,
    last_month: dt.date,
    amount_fen: int,
    paid_on: dt.date,
    method: str = Payment.Method.CASH,
    payer_name: str = "",
    note: str = "",
    by=None,
    today: dt.date | None = None,
) -> Payment:
    """The secretary records money handed over: confirmed at once, the months settled."""
    payment = _new_payment(member, first_month, last_month, amount_fen, paid_on, method, payer_name, note, by)
    payment.status = Payment.Status.CONFIRMED
    payment.decided_by, payment.decided_at = by, payment.entered_at
    payment.save()
    _settle(payment, today or timezone.localdate())
    payment.save(update_fields=["dues_fen", "extra_fen"])
    return payment


def _new_payment(member, first_month, last_month, amount_fen, paid_on, method, payer_name, note, by) -> Payment:
    first_month, last_month = first_of_month(first_month), first_of_month(last_month)
    if last_month < first_month:
        raise DuesError(_("The last month comes before the first."), code="bad_period", field="last_month")
    if amount_fen <= 0:
        raise DuesError(_("Enter an amount above zero."), code="no_amount", field="amount_yuan")
    return Payment(
        member=member,
        organization_id=member.organization_id,
        first_month=first_month,
        last_month=last_month,
        amount_fen=amount_fen,
        paid_on=paid_on,
        method=method,
        payer_name=payer_name.strip(),
        note=note,
        entered_by=by,
        entered_at=timezone.now(),
    )


@transaction.atomic
def report_payment(
    member: Member,
    *,
    first_month: dt.date,
    last_month: dt.date,
    amount_fen: int,
    paid_on: dt.date,
    method: str = Payment.Method.TRANSFER,
    receipt=None,
    payer_name: str = "",
    note: str = "",
    by=None,
) -> Payment:
    """The member reports a payment, usually with a receipt; the months are settled when it is confirmed."""
    overlap = Payment.objects.filter(
        member=member,
        status=Payment.Status.REPORTED,
        first_month__lte=first_of_month(last_month),
        last_month__gte=first_of_month(first_month),
    )
    if overlap.exists():
        raise DuesError(_("A payment for these months is already waiting for the secretary."), code="already_reported")
    payment = _new_payment(member, first_month, last_month, amount_fen, paid_on, method, payer_name, note, by)
    payment.status = Payment.Status.REPORTED
    if receipt is not None:
        payment.receipt = receipt
    payment.save()
    return payment


@transaction.atomic
def decide_payment(payment: Payment, *, accept: bool, by=None, note: str = "", today: dt.date | None = None) -> Payment:
    """Confirm or refuse a reported payment, once: a second confirmation is refused, never counted twice."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != Payment.Status.REPORTED:
        raise DuesError(_("This payment has already been decided."), code="already_decided")
    if not accept and not note.strip():
        raise DuesError(_("Say why the payment is not accepted."), code="reason_missing", field="note")
    locked.decided_by, locked.decided_at = by, timezone.now()
    if accept:
        locked.status = Payment.Status.CONFIRMED
        _settle(locked, today or timezone.localdate())
    else:
        locked.status = Payment.Status.REJECTED
        locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "dues_fen", "extra_fen"])
    return locked


def record_provider_payment(
    *,
    provider: str,
    external_id: str,
    member: Member,
    first_month: dt.date,
    last_month: dt.date,
    amount_fen: int,
    paid_on: dt.date,
    today: dt.date | None = None,
) -> tuple[Payment, bool]:
    """A payment confirmed by an online provider: recorded once per (provider, id), however often it calls back.

    Returns the payment and whether this call recorded it. A callback whose
    months cannot be settled raises ``DuesError`` and records nothing.
    """
    if not provider or not external_id:
        raise DuesError(_("An online payment needs its provider and id."), code="no_external_id")
    existing = Payment.objects.filter(provider=provider, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            payment = _new_payment(
                member, first_month, last_month, amount_fen, paid_on, Payment.Method.ONLINE, "", "", None
            )
            payment.provider, payment.external_id = provider, external_id
            payment.status = Payment.Status.CONFIRMED
            payment.decided_at = payment.entered_at
            payment.save()
            _settle(payment, today or timezone.localdate())
            payment.save(update_fields=["dues_fen", "extra_fen"])
    except IntegrityError:
        # The same callback, delivered twice at once: the other one recorded it.
        return Payment.objects.get(provider=provider, external_id=external_id), False
    return payment, True


# --- Reading the ledger ------------------------------------------------------------------


def unpaid(today: dt.date):
    """Dues of months before this one that still need money (arrears)."""
    return Due.objects.filter(payment__isnull=True, amount_fen__gt=0, month__lt=first_of_month(today))


def arrears_months(member_ids: Iterable[int], today: dt.date) -> dict[int, list[dt.date]]:
    """Each member's unpaid months before this one, oldest first (members without arrears are left out)."""
    months: dict[int, list[dt.date]] = {}
    for member_id, month in (
        unpaid(today)
        .filter(member_id__in=list(member_ids))
        .order_by("member_id", "month")
        .values_list("member_id", "month")
    ):
        months.setdefault(member_id, []).append(month)
    return months


def is_back_payment(payment: Payment) -> bool:
    """Paid more than six months after the first month it covers (补交 beyond what the rules generally allow)."""
    return month_index(payment.paid_on) - month_index(payment.first_month) > BACK_PAYMENT_MONTHS


def totals(dues) -> dict[str, int]:
    """Due, paid and outstanding fen over a queryset of dues, in one query."""
    row = dues.aggregate(
        due=Sum("amount_fen", default=0),
        paid=Sum("amount_fen", filter=Q(payment__isnull=False), default=0),
    )
    return {"due": row["due"], "paid": row["paid"], "outstanding": row["due"] - row["paid"]}
