"""Party dues (党费): what each member owes a month, what they paid, and on what basis.

Amounts are integers in fen (分); yuan appear only on pages and in exports.
The rates are rows with a date from which they apply (``RateBracket``), so a
change of the rules adds rows and never rewrites a month already due.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from members.models import Member


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


class Category(models.TextChoices):
    """How a member's monthly due is found: a bracket of their income, or a fixed amount."""

    SALARY = "salary", _("On the job (monthly net salary)")
    SELF_EMPLOYED = "self_employed", _("Self-employed (previous quarter's average monthly net income)")
    RETIRED = "retired", _("Retired (monthly pension)")
    FARMER = "farmer", _("Farmer (fixed, 0.20–1.00 yuan)")
    STUDENT = "student", _("Student (fixed 0.20 yuan)")
    UNEMPLOYED = "unemployed", _("Without work (fixed 0.20 yuan)")
    RELIEF = "relief", _("On minimum living allowance (fixed 0.20 yuan)")


# Categories whose due is a percentage of income, and the bracket table each uses.
INCOME_CATEGORIES = {
    Category.SALARY: "salary",
    Category.SELF_EMPLOYED: "salary",
    Category.RETIRED: "retired",
}
# Fixed monthly amounts in fen: (lowest, highest); equal bounds mean the amount is set by the rules.
FIXED_AMOUNTS = {
    Category.FARMER: (20, 100),
    Category.STUDENT: (20, 20),
    Category.UNEMPLOYED: (20, 20),
    Category.RELIEF: (20, 20),
}


class RateBracket(models.Model):
    """One bracket of a rate table: incomes up to ``upper_fen`` (inclusive) pay ``rate``.

    The open-ended top bracket has no upper bound. A table is every bracket of
    one ``table`` with the same ``valid_from``; the table in force for a month
    is the latest one that starts on or before it.
    """

    class Table(models.TextChoices):
        SALARY = "salary", _("On the job and self-employed")
        RETIRED = "retired", _("Retired")

    table = models.CharField(_("table"), max_length=10, choices=Table.choices)
    valid_from = models.DateField(_("valid from"))
    upper_fen = models.BigIntegerField(_("up to (fen, inclusive)"), null=True, blank=True)
    rate = models.DecimalField(_("rate"), max_digits=6, decimal_places=4)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rate bracket")
        verbose_name_plural = _("rate brackets")
        ordering = ["table", "-valid_from", models.F("upper_fen").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["table", "valid_from", "upper_fen"], name="dues_bracket_unique"),
            models.UniqueConstraint(
                fields=["table", "valid_from"], condition=Q(upper_fen__isnull=True), name="dues_bracket_one_top"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.valid_from} ≤{self.upper_fen}: {self.rate}"


class Basis(models.Model):
    """What a member's due is computed from, from a month on. Rows are never edited: a change is a new row.

    Declared by the member (awaiting the secretary's confirmation) or entered
    by the secretary (confirmed at once). The confirmed basis with the latest
    ``applies_from`` on or before a month is the one for that month; the rows
    together are the basis's audit trail (who, when, what).
    """

    class Status(models.TextChoices):
        DECLARED = "declared", _("Declared, awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Not accepted")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues_bases", verbose_name=_("member"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    income_fen = models.BigIntegerField(_("monthly net income (fen)"), null=True, blank=True)
    fixed_fen = models.PositiveIntegerField(_("fixed monthly amount (fen)"), null=True, blank=True)
    applies_from = models.DateField(_("applies from (month)"), help_text=_("The month the income is first paid."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason for not accepting"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dues basis")
        verbose_name_plural = _("dues bases")
        ordering = ["member", "-applies_from", "-entered_at"]
        indexes = [
            # The basis in force for a month: confirmed rows of a member, latest month first.
            models.Index(fields=["member", "status", "-applies_from"], name="dues_basis_current_idx"),
            # The secretary's queue of declarations.
            models.Index(fields=["status"], condition=Q(status="declared"), name="dues_basis_declared_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(income_fen__isnull=True) | Q(income_fen__gte=0), name="dues_basis_income_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.category} {self.applies_from}"


class Relief(models.Model):
    """A reduction or exemption approved on the member's application, for a run of months (both inclusive)."""

    class Kind(models.TextChoices):
        REDUCED = "reduced", _("Reduced")
        EXEMPT = "exempt", _("Exempt")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues_reliefs", verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount_fen = models.PositiveIntegerField(_("reduced monthly amount (fen)"), null=True, blank=True)
    first_month = models.DateField(_("from (month)"))
    last_month = models.DateField(_("until (month)"))
    reason = models.CharField(_("reason"), max_length=300)
    approved_on = models.DateField(_("approved on"))
    approved_by_name = models.CharField(_("approved by"), max_length=100, help_text=_("The organization above."))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("reduction or exemption")
        verbose_name_plural = _("reductions and exemptions")
        ordering = ["member", "-first_month"]
        constraints = [
            models.CheckConstraint(condition=Q(last_month__gte=models.F("first_month")), name="dues_relief_period"),
            models.CheckConstraint(
                condition=Q(kind="exempt") | Q(amount_fen__isnull=False), name="dues_relief_reduced_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.first_month}–{self.last_month}"


class Payment(models.Model):
    """Money handed over for one member, settling whole months from ``first_month`` to ``last_month``.

    Recorded by the secretary (confirmed at once) or reported by the member
    with a receipt (confirmed by the secretary). What exceeds the months'
    dues is a voluntary extra payment, shown apart. ``payer_name`` set means
    someone else paid for the member (代交). An online provider records a
    confirmed payment with its own id; the unique constraint makes a retried
    callback record it once.
    """

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        TRANSFER = "transfer", _("Bank transfer")
        ONLINE = "online", _("Online payment")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported, awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Not accepted")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues_payments", verbose_name=_("member"))
    # The branch the money was handed to, kept when the member moves on.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    first_month = models.DateField(_("from (month)"))
    last_month = models.DateField(_("until (month)"))
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    dues_fen = models.PositiveBigIntegerField(_("of which dues (fen)"), default=0)
    extra_fen = models.PositiveBigIntegerField(_("of which voluntary (fen)"), default=0)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.CASH)
    paid_on = models.DateField(_("paid on"))
    payer_name = models.CharField(
        _("paid by (if not the member)"),
        max_length=50,
        blank=True,
        help_text=_("For dues paid on the member's behalf."),
    )
    receipt = models.ImageField(_("receipt"), upload_to="dues/receipts/%Y/%m/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    external_id = models.CharField(_("provider's payment id"), max_length=64, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason for not accepting"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["-paid_on", "-entered_at"]
        indexes = [
            models.Index(fields=["member", "-paid_on"], name="dues_payment_member_idx"),
            # The secretary's queue of reported payments, per branch.
            models.Index(
                fields=["organization", "status"], condition=Q(status="reported"), name="dues_payment_reported_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(last_month__gte=models.F("first_month")), name="dues_payment_period"),
            models.UniqueConstraint(
                fields=["provider", "external_id"], condition=~Q(external_id=""), name="dues_payment_external_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.first_month}–{self.last_month} {self.amount_fen}"

    @property
    def on_behalf(self) -> bool:
        return bool(self.payer_name)


class Due(models.Model):
    """One member's due for one month, written once by the monthly sweep (or when a payment covers it ahead).

    ``amount_fen`` is fixed when the row is written from the basis, the relief
    and the rate table in force for that month; ``how`` keeps what it was
    computed from, so the page can say why. A due is settled by the payment
    that covered it; an exempt or zero due needs no payment.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues", verbose_name=_("member"))
    # The branch the member belonged to that month: the branch's books keep the month when the member moves.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    basis = models.ForeignKey(Basis, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    relief = models.ForeignKey(Relief, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    how = models.JSONField(_("computed from"), default=dict, blank=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="dues", verbose_name=_("payment")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("monthly due")
        verbose_name_plural = _("monthly dues")
        ordering = ["member", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_due_once_a_month"),
        ]
        indexes = [
            # A branch's ledger of a period and its arrears list.
            models.Index(fields=["organization", "month"], name="dues_due_branch_month_idx"),
            # Unpaid months of a member (arrears), only rows that still need money.
            models.Index(
                fields=["member", "month"],
                condition=Q(payment__isnull=True) & Q(amount_fen__gt=0),
                name="dues_due_unpaid_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m} {self.amount_fen}"

    @property
    def settled(self) -> bool:
        return self.payment_id is not None or self.amount_fen == 0


class Publication(models.Model):
    """A branch's half-yearly account of collection to its members (党费收缴情况公示)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="dues_publications")
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half"), choices=[(1, _("January–June")), (2, _("July–December"))])
    show_amounts = models.BooleanField(
        _("show amounts"), default=False, help_text=_("Members see each person's months paid; amounts only if set.")
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("dues publication")
        verbose_name_plural = _("dues publications")
        ordering = ["organization", "-year", "-half"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "half"], name="dues_publication_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}H{self.half}"

    @property
    def months(self) -> list[dt.date]:
        start = 1 if self.half == 1 else 7
        return [dt.date(self.year, month, 1) for month in range(start, start + 6)]
