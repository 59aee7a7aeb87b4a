"""Forms of the permit, warning and proposal pages; the rules are in ``permits``, ``warnings_`` and ``proposals``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.widgets import DateInput
from members.models import Member

from .models import LifeWarning, Permit
from .permits import FIELDS


class HostChoiceField(forms.ModelChoiceField):
    """Branches of netbranch by name only: choosing one tells nothing else about it."""

    def label_from_instance(self, obj: Organization) -> str:
        return obj.name


class PermitForm(forms.ModelForm):
    class Meta:
        model = Permit
        fields = list(FIELDS)
        widgets = {
            "issued_on": DateInput(),
            "valid_until": DateInput(),
            "checked_on": DateInput(),
        }
        help_texts = {
            "number": _("As printed on the permit."),
            "issued_by": _("The primary-level Party committee that issued and registered it."),
            "host_name": _("The Party organization at the destination, if it is not in netbranch."),
        }

    def __init__(self, *args, member: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = HostChoiceField(
            label=Permit._meta.get_field("host_organization").verbose_name,
            queryset=Organization.objects.branches()
            .exclude(pk=member.organization_id)
            .order_by("path")
            .only("pk", "name"),
            required=False,
            empty_label=_("— not in netbranch —"),
        )
        self.fields["host_organization"] = field
        self.order_fields(FIELDS)

    def clean(self):
        data = super().clean()
        if data.get("host_organization") and (data.get("host_name") or "").strip():
            raise forms.ValidationError(
                _("Choose an organization in netbranch or give the name of one outside it, one of the two.")
            )
        return data

    def _post_clean(self) -> None:
        # The model's own checks (the number's uniqueness among them) are the service's: it says which
        # field to blame in the same words whoever calls it.
        pass


class PermitDateForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)


class PermitFilterForm(forms.Form):
    STATES = [("held", _("Held")), ("returned", _("Returned")), ("all", _("All"))]

    state = forms.ChoiceField(label=_("Permits"), choices=STATES, required=False)


class WarningFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("Both")), *LifeWarning.Level.choices], required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "e.g. talked with him by phone on 3 May; works on a ship with no signal, reports each month ashore"
        ),
    )


class DismissForm(forms.Form):
    note = forms.CharField(
        label=_("Why no transfer"),
        max_length=200,
        help_text=_("e.g. moves between sites every few months; has a permit"),
    )
