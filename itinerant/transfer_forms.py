"""Forms of the transfer pages; the rules themselves are checked by ``itinerant.transfers``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.access import Capability
from branches.models import Organization
from branches.widgets import DateInput
from members.roster.services import managed_branches

from .models import Transfer


class BranchChoiceField(forms.ModelChoiceField):
    """Branches of netbranch by name only: choosing one tells nothing else about it."""

    def label_from_instance(self, obj: Organization) -> str:
        return obj.name


class DestinationForm(forms.Form):
    to_organization = BranchChoiceField(
        label=_("To a branch in netbranch"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— not in netbranch —"),
    )
    to_name = forms.CharField(
        label=_("Or to an organization outside netbranch"),
        max_length=200,
        required=False,
        help_text=_("The full name of the receiving Party organization, as the letter will carry it."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. settled for work in another city for more than six months"),
    )

    def __init__(self, *args, member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = (
            Organization.objects.branches().exclude(pk=member.organization_id).order_by("path").only("pk", "name")
        )

    def clean(self):
        data = super().clean()
        if data.get("to_organization") and (data.get("to_name") or "").strip():
            raise forms.ValidationError(
                _("Choose a branch in netbranch or give the name of an organization outside it, one of the two.")
            )
        if not data.get("to_organization") and not (data.get("to_name") or "").strip():
            self.add_error("to_name", _("Choose the receiving branch, or give the organization's name."))
        return data


class RequestForm(DestinationForm):
    """The member asks for their relationship to be transferred."""


class StartForm(DestinationForm):
    """The secretary starts a transfer; it is approved at once."""

    across_provinces = forms.BooleanField(
        label=_("To another province"), required=False, help_text=_("The letter is then valid six months, not three.")
    )


class IssueForm(forms.Form):
    letter_number = forms.CharField(label=_("Letter number"), max_length=40)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput(), initial=timezone.localdate)
    across_provinces = forms.BooleanField(
        label=_("To another province"), required=False, help_text=_("The letter is then valid six months, not three.")
    )


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label=_("Receipt came back on"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=100, required=False)


class ReasonForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class RegisterIncomingForm(forms.Form):
    to_organization = BranchChoiceField(label=_("Receiving branch"), queryset=Organization.objects.none())
    from_name = forms.CharField(label=_("Issued by (organization outside netbranch)"), max_length=200)
    letter_number = forms.CharField(label=_("Letter number"), max_length=40)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())
    across_provinces = forms.BooleanField(
        label=_("From another province"),
        required=False,
        help_text=_("The letter is then valid six months, not three."),
    )
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        branches = managed_branches(user, Capability.APPROVE_TRANSFERS)
        self.fields["to_organization"].queryset = branches
        if len(branches) == 1:
            self.fields["to_organization"].initial = branches[0].pk


SIDES = [("", _("Both")), ("out", _("Outgoing")), ("in", _("Incoming"))]


class TransferFilterForm(forms.Form):
    side = forms.ChoiceField(label=_("Direction"), choices=SIDES, required=False)
    state = forms.ChoiceField(label=_("State"), choices=[("", _("Any")), *Transfer.State.choices], required=False)
    expiring = forms.BooleanField(label=_("Letter about to expire"), required=False)
