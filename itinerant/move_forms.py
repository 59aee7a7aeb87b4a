"""The member's move report forms (one per kind), the code form for a new number, the secretary's decision."""

from __future__ import annotations

from allauth.account.forms import BaseConfirmCodeForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from branches.widgets import DateInput
from members.forms import SMSCodeField, SMSCodeFormMixin
from members.models import Member
from members.validators import normalize_phone

from .models import MoveReport
from .moves import MoveError, check_new_phone


class MoveForm(forms.ModelForm):
    """The fields of one kind of report; ``required`` are those the kind cannot do without."""

    kind: str = ""
    required: tuple[str, ...] = ()

    class Meta:
        model = MoveReport
        fields: list[str] = []
        widgets = {
            "from_date": DateInput(),
            "contact": forms.TextInput(attrs={"autocomplete": "tel"}),
        }

    def __init__(self, *args, member: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        for name, field in self.fields.items():
            field.required = name in self.required


class LeavingForm(MoveForm):
    kind = MoveReport.Kind.LEAVING
    required = ("reason", "from_date", "province", "city", "contact")

    class Meta(MoveForm.Meta):
        fields = ["reason", "from_date", "province", "city", "workplace", "contact"]
        labels = {
            "reason": _("Why you are going away"),
            "from_date": _("Leaving on"),
            "province": _("Destination province"),
            "city": _("Destination city"),
            "workplace": _("Workplace (if known)"),
            "contact": _("How to reach you while away"),
        }
        help_texts = {
            "reason": _("For example: work, study, looking after family."),
            "contact": _("A phone number or WeChat ID your branch can reach you at."),
        }


class LocationForm(MoveForm):
    kind = MoveReport.Kind.LOCATION
    required = ("province", "city")

    class Meta(MoveForm.Meta):
        fields = ["province", "city", "workplace", "from_date", "contact"]
        labels = {
            "province": _("Province you are in now"),
            "city": _("City you are in now"),
            "workplace": _("Workplace"),
            "from_date": _("Since"),
            "contact": _("How to reach you (if it changed)"),
        }

    def __init__(self, *args, member: Member, **kwargs) -> None:
        # The roster's place as the starting point: a new workplace in the same city changes one field.
        kwargs.setdefault("initial", {"province": member.province, "city": member.city, "workplace": member.workplace})
        super().__init__(*args, member=member, **kwargs)


class ReturnForm(MoveForm):
    kind = MoveReport.Kind.RETURN
    required = ("from_date",)

    class Meta(MoveForm.Meta):
        fields = ["from_date", "reason"]
        labels = {"from_date": _("Back home on"), "reason": _("Note (optional)")}


class NewPhoneForm(forms.Form):
    """The new number; a code goes to it next, and the report is sent only once the code is entered."""

    kind = MoveReport.Kind.PHONE

    new_phone = forms.CharField(
        label=_("New mobile phone"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "placeholder": _("e.g. 138 0013 8000")}
        ),
        help_text=_("We send a code to the new number. Your branch changes the number once the secretary confirms."),
    )

    def __init__(self, *args, member: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_new_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["new_phone"])
        try:
            check_new_phone(self.member, phone)
        except MoveError as error:
            raise ValidationError(str(error), code=error.code) from None
        return phone


FORMS: dict[str, type[MoveForm] | type[NewPhoneForm]] = {
    form.kind: form for form in (LeavingForm, LocationForm, ReturnForm, NewPhoneForm)
}


class PhoneCodeForm(SMSCodeFormMixin, BaseConfirmCodeForm):
    """The code from the SMS sent to the new number."""

    code = SMSCodeField()

    def clean_code(self) -> str:
        try:
            return super().clean_code()
        except ValidationError:
            raise ValidationError(
                _("That is not the code we sent to the new number. Check the SMS and try again."),
                code="incorrect_code",
            ) from None


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "confirm"), ("ask_again", "ask_again")])
    note = forms.CharField(required=False, max_length=300)
