"""The secretary's dues forms: a basis, a reduction or exemption, a payment, a decision.

Yuan are typed with at most two decimals and turned into fen with
``amounts.fen_from_yuan``; months are ``<input type="month">`` values
(``2026-06``), the same in every language.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.dates import shift_month
from branches.widgets import DateInput

from .models import Basis, Category, Payment, Relief

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# The Party's dues cannot be older than the Party; later than this is a typing mistake.
FIRST_YEAR, LAST_YEAR = 1921, 2200
# A payment may settle months ahead, and a new salary may be entered before it is first paid, up to a year.
MONTHS_AHEAD = 12


def months_ahead(today: dt.date, months: int = MONTHS_AHEAD) -> dt.date:
    return dt.date(*shift_month(today.year, today.month, months), 1)


class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.Field):
    """A calendar month, as the first day of it."""

    widget = MonthInput
    default_error_messages = {"invalid": _("Enter a month as year and month, for example 2026-06.")}

    def to_python(self, value) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        match = _MONTH.fullmatch(str(value).strip())
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(match[1]), int(match[2])
        if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return dt.date(year, month, 1)


def _yuan(label, *, required: bool = True, max_digits: int = 12, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=max_digits,
        decimal_places=2,
        min_value=Decimal("0"),
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


def _not_after(day: dt.date | None, latest: dt.date, field: str, form: forms.Form) -> None:
    if day is not None and day > latest:
        form.add_error(field, _("This is more than a year ahead."))


class BasisForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    income_yuan = _yuan(
        _("Monthly net income (yuan)"),
        required=False,
        help_text=_(
            "On the job: the monthly net salary; self-employed: the previous quarter's average monthly net income; "
            "retired: the monthly pension."
        ),
    )
    fixed_yuan = _yuan(
        _("Fixed monthly amount (yuan)"),
        required=False,
        help_text=_("Farmers only: 0.20 to 1.00 yuan. Students, members without work or on relief pay 0.20 yuan."),
    )
    applies_from = MonthField(label=_("Applies from (month)"), help_text=_("The month the income is first paid."))
    note = forms.CharField(label=_("Note"), max_length=Basis._meta.get_field("note").max_length, required=False)

    def __init__(self, *args, today: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self):
        data = super().clean()
        _not_after(data.get("applies_from"), months_ahead(self.today), "applies_from", self)
        return data


class ReliefForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Relief.Kind.choices, widget=forms.RadioSelect)
    # The column holds at most 2^31 fen; no reduced due comes near it.
    amount_yuan = _yuan(
        _("Reduced monthly amount (yuan)"),
        required=False,
        max_digits=8,
        help_text=_("For a reduction only: what the member pays a month instead."),
    )
    first_month = MonthField(label=_("From (month)"))
    last_month = MonthField(label=_("Until (month)"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=Relief._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    approved_on = forms.DateField(label=_("Approved on"), widget=DateInput())
    approved_by_name = forms.CharField(
        label=_("Approved by"),
        max_length=Relief._meta.get_field("approved_by_name").max_length,
        help_text=_("The organization above that approved the application."),
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("approved_on") and data["approved_on"] > self.today:
            self.add_error("approved_on", _("The approval cannot be in the future."))
        return data


SECRETARY_METHODS = [(value, label) for value, label in Payment.Method.choices if value != Payment.Method.ONLINE]


class PaymentForm(forms.Form):
    first_month = MonthField(label=_("From (month)"))
    last_month = MonthField(label=_("Until (month)"))
    amount_yuan = _yuan(_("Amount (yuan)"), help_text=_("Anything above what the months come to is a voluntary extra."))
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    method = forms.ChoiceField(label=_("Method"), choices=SECRETARY_METHODS, initial=Payment.Method.CASH)
    payer_name = forms.CharField(
        label=_("Paid by (if not the member)"),
        max_length=Payment._meta.get_field("payer_name").max_length,
        required=False,
        help_text=_("For dues paid on the member's behalf."),
    )
    note = forms.CharField(label=_("Note"), max_length=Payment._meta.get_field("note").max_length, required=False)

    def __init__(self, *args, today: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self):
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", _("The last month comes before the first."))
        _not_after(last, months_ahead(self.today), "last_month", self)
        if data.get("paid_on") and data["paid_on"] > self.today:
            self.add_error("paid_on", _("The payment cannot be in the future."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Confirm")), ("refuse", _("Not accepted"))])
    note = forms.CharField(
        label=_("Reason for not accepting (the member sees it)"),
        max_length=Payment._meta.get_field("decision_note").max_length,
        required=False,
    )
