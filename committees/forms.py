from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.widgets import DateInput
from members.models import Member

from .models import Post


class PostDatesForm(forms.Form):
    started_on = forms.DateField(label=_("Holds it from"), widget=DateInput())
    ended_on = forms.DateField(
        label=_("Held it until"), widget=DateInput(), required=False, help_text=_("Leave empty while the post is held.")
    )

    def clean(self):
        cleaned = super().clean()
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("The end date cannot be before the start date."))
        return cleaned


class PostForm(PostDatesForm):
    member = forms.ModelChoiceField(label=_("Holder"), queryset=Member.objects.none())
    kind = forms.ChoiceField(label=_("Post"), choices=Post.Kind.choices)
    field_order = ["member", "kind", "started_on", "ended_on"]

    def __init__(self, *args, branch, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.active().filter(organization=branch).order_by("name", "pk")


class EndPostForm(forms.Form):
    ended_on = forms.DateField(label=_("Held it until"), widget=DateInput())


class ElectionForm(forms.Form):
    elected_on = forms.DateField(label=_("Elected on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
