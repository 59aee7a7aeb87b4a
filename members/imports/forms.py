"""The upload form: a branch where the user imports, and a file of reasonable size."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Organization

# A full 20,000-row roster as .xlsx is a few MB; anything far larger is not a roster.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=gettext_lazy("Branch"))
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy("Excel workbook (.xlsx) or CSV, at most 20,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = branches

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload
