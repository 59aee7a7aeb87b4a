from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.params import parse_id
from branches.uploads import clean_attachment, clean_photo
from branches.widgets import DateInput, TimeInput
from members.models import Member

from ..models import Activity, Attendee

# Planned by a secretary; the activity day is planned by itself each month.
PLANNED_KINDS = [(value, label) for value, label in Activity.Kind.choices if value != Activity.Kind.THEME_DAY]


class MeetingDetailsForm(forms.ModelForm):
    """When, where and what: the fields of a meeting's plan, shared by planning and editing."""

    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")

    class Meta:
        model = Activity
        fields = ["name", "date", "starts_at", "place", "online_link", "theme", "agenda", "lecturer", "is_election"]
        widgets = {
            "date": DateInput(),
            "starts_at": TimeInput(),
            "agenda": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"name": _("Only for a meeting of another kind.")}

    def __init__(self, *args, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind is None:
            # A saved meeting shows its own kind's fields; a new one (the plan form) every kind's.
            kind = self.instance.kind if self.instance.pk else ""
        # Each kind shows only the fields that mean something for it.
        if kind and kind != Activity.Kind.OTHER:
            self.fields.pop("name")
        if kind and kind != Activity.Kind.LECTURE:
            self.fields.pop("lecturer")
        if kind and kind != Activity.Kind.GENERAL:
            self.fields.pop("is_election")


class MeetingPlanForm(MeetingDetailsForm):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=PLANNED_KINDS)
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Only for a Party group meeting."),
    )

    field_order = ["branch", "kind", "group", "name", "date", "starts_at", "place", "online_link", "theme", "agenda"]

    def __init__(self, *args, branches=None, **kwargs):
        # Every kind's fields are offered on the plan: the kind is chosen on the same form.
        super().__init__(*args, kind=None, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["group"].queryset = Organization.objects.filter(
            kind=Organization.Kind.GROUP, parent__in=branches
        ).order_by("parent__path", "name")
        only = list(branches[:2])
        if len(only) == 1:
            # One branch to choose from is no choice: it is filled in.
            self.fields["branch"].initial = only[0].pk
        self.fields["name"].required = False

    def clean(self):
        data = super().clean()
        kind, branch, group = data.get("kind"), data.get("branch"), data.get("group")
        if kind == Activity.Kind.OTHER and not (data.get("name") or "").strip():
            self.add_error("name", _("Give the meeting a name."))
        if kind == Activity.Kind.GROUP:
            if group is None:
                self.add_error("group", _("Choose the group whose meeting this is."))
            elif branch is not None and group.parent_id != branch.pk:
                self.add_error("group", _("The group must be one of the branch's groups."))
        return data

    def _post_clean(self):
        # The instance is built by the service, which checks it in full; nothing to validate on it here.
        pass

    def details(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        details = {
            name: data[name]
            for name in ("date", "starts_at", "place", "online_link", "theme", "agenda")
            if name in data
        }
        if kind == Activity.Kind.OTHER:
            details["name"] = data["name"].strip()
        if kind == Activity.Kind.LECTURE:
            details["lecturer"] = data.get("lecturer", "")
        if kind == Activity.Kind.GENERAL:
            details["is_election"] = data.get("is_election", False)
        return details


class RecordForm(forms.ModelForm):
    """What happened: the minutes and who ran the meeting."""

    class Meta:
        model = Activity
        fields = ["host", "recorder", "outside_guests", "minutes", "decisions"]
        widgets = {
            "minutes": forms.Textarea(attrs={"rows": 10}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "outside_guests": _("Names and posts of people from elsewhere who sat in, e.g. 矿党委组织部 王明."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = Member.objects.active().filter(organization_id=self.instance.organization_id).order_by("name_pinyin")
        for name in ("host", "recorder"):
            self.fields[name].queryset = people


class FileForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or document"),
        help_text=_("Photos (JPEG, PNG, WebP) lose their location data; documents: PDF, DOC, DOCX, up to 10 MB."),
    )
    is_photo = forms.BooleanField(label=_("This is a photo of the meeting"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None:
            return data
        try:
            data["content"] = clean_photo(upload) if data.get("is_photo") else clean_attachment(upload)
        except ValidationError as error:
            self.add_error("file", error)
        return data


class MemberChoicesField(forms.ModelMultipleChoiceField):
    """Members by id; an id no database could hold is refused like any unknown one, before the query."""

    def _check_values(self, value):
        ids = [parse_id(item) for item in value]
        if any(pk is None for pk in ids):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""})
        return super()._check_values([str(pk) for pk in ids])


class AddAttendeesForm(forms.Form):
    members = MemberChoicesField(
        label=_("Members of the branch"), queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    role = forms.ChoiceField(label=_("On the list as"), choices=Attendee.Role.choices, initial=Attendee.Role.EXPECTED)

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        listed = Attendee.objects.filter(activity=activity).values("member_id")
        self.fields["members"].queryset = (
            Member.objects.active()
            .filter(organization_id=activity.organization_id)
            .exclude(pk__in=listed)
            .order_by("name_pinyin", "name")
        )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    comment = forms.CharField(
        label=_("Comment (required when returning)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
