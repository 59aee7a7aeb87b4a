"""The member's dues forms: reporting a payment with its receipt, declaring an income or a category."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.uploads import clean_photo
from branches.widgets import DateInput

from .amounts import fen_from_yuan
from .models import FIXED_AMOUNTS, INCOME_CATEGORIES, Category, Payment

MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class MonthInput(forms.TextInput):
    """``<input type="month">``: the browser sends and shows ISO year-month (2026-06) in every language."""

    input_type = "month"

    def format_value(self, value):
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.Field):
    """A month typed as ``2026-06``; cleaned to its first day."""

    widget = MonthInput
    default_error_messages = {"invalid": _("Enter a month as year and month, for example 2026-06.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        match = MONTH.match(str(value))
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return dt.date(int(match[1]), int(match[2]), 1)


def yuan_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


RECEIPT_MESSAGES = {
    "too_big": _("The receipt image is larger than 8 MB."),
    "too_many_pixels": _("The receipt image has too many pixels."),
    "not_an_image": _("The receipt must be a JPEG, PNG or WebP image."),
    "damaged": _("The receipt image is damaged or incomplete."),
}


class ReportPaymentForm(forms.Form):
    first_month = MonthField(label=_("From (month)"))
    last_month = MonthField(label=_("Until (month)"))
    amount_yuan = yuan_field(
        _("Amount (yuan)"), help_text=_("What you paid in all; more than is due counts as a voluntary extra payment.")
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    method = forms.ChoiceField(
        label=_("How you paid"),
        choices=[(m.value, m.label) for m in (Payment.Method.TRANSFER, Payment.Method.CASH, Payment.Method.OTHER)],
    )
    receipt = forms.FileField(
        label=_("Receipt (photo or screenshot)"),
        required=False,
        help_text=_(
            "Helps the secretary confirm it. JPEG, PNG or WebP, up to 8 MB; location and camera data are removed."
        ),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    payer_name = forms.CharField(
        label=_("Paid by (if someone paid for you)"),
        max_length=50,
        required=False,
        help_text=_("Leave empty if you paid yourself."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, today: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_paid_on(self) -> dt.date:
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > self.today:
            raise ValidationError(_("The day of payment cannot be in the future."), code="future")
        return paid_on

    def clean_receipt(self):
        receipt = self.cleaned_data.get("receipt")
        if not receipt:
            return None
        try:
            clean = clean_photo(receipt)
        except ValidationError as error:
            raise ValidationError(RECEIPT_MESSAGES.get(error.code, error.messages[0]), code=error.code) from None
        # A random name: the member's own file name never reaches the disk.
        clean.name = f"{uuid.uuid4().hex}.jpg"
        return clean

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_month"), cleaned.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", _("The last month comes before the first."))
        return cleaned

    @property
    def amount_fen(self) -> int:
        return fen_from_yuan(self.cleaned_data["amount_yuan"])


class DeclareBasisForm(forms.Form):
    category = forms.ChoiceField(label=_("What your dues are based on"), choices=Category.choices)
    income_yuan = yuan_field(
        _("Monthly net income (yuan)"),
        required=False,
        help_text=_(
            "On the job: the monthly net salary. Self-employed: the previous quarter's average monthly net income. "
            "Retired: the monthly pension."
        ),
    )
    fixed_yuan = yuan_field(
        _("Fixed monthly amount (yuan)"), required=False, help_text=_("Farmers: 0.20 to 1.00 yuan a month.")
    )
    applies_from = MonthField(label=_("From (month)"), help_text=_("The month the new income is first paid."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def amounts(self) -> tuple[int | None, int | None]:
        """Income and fixed amount in fen, each kept only where the category uses it."""
        category = self.cleaned_data["category"]
        income: Decimal | None = self.cleaned_data.get("income_yuan")
        fixed: Decimal | None = self.cleaned_data.get("fixed_yuan")
        low, high = FIXED_AMOUNTS.get(Category(category), (None, None))
        return (
            fen_from_yuan(income) if income is not None and category in INCOME_CATEGORIES else None,
            fen_from_yuan(fixed) if fixed is not None and low is not None and low != high else None,
        )
