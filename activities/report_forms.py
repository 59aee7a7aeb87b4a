from __future__ import annotations

import uuid
from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.uploads import FILE_TYPES, clean_attachment

from .models import Report


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["kind", "title", "body", "attachment"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "attachment": forms.ClearableFileInput(attrs={"accept": ",".join(FILE_TYPES)}),
        }
        help_texts = {"attachment": _("Optional: PDF, Word (DOC, DOCX), JPG or PNG, at most 10 MB.")}

    def __init__(self, *args, itinerant: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not itinerant:
            # The report on life away is for members away from home.
            field = self.fields["kind"]
            field.choices = [(value, label) for value, label in field.choices if value != Report.Kind.AWAY]

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return upload
        # An image comes back re-encoded without its camera and location tags.
        upload = clean_attachment(upload)
        # The stored name is random: it never carries the member's own file name
        # (often their name) and cannot be guessed.
        upload.name = f"{uuid.uuid4().hex}{PurePath(upload.name).suffix.lower()}"
        return upload


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
