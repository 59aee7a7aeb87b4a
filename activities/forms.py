from django import forms
from django.utils.translation import gettext_lazy as _

from branches.uploads import PHOTO_MAX_SIDE, check_photo
from branches.widgets import DateInput

from .models import Activity, Leave, StudyMaterial, Track
from .photos import SHRINK_QUALITY


class ActivityForm(forms.ModelForm):
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    tracks = forms.MultipleChoiceField(
        label=_("Tracks"), choices=Track.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Activity
        fields = ["date", "theme", "tracks", "agenda", "materials", "online_link", "place"]
        widgets = {
            "date": DateInput(),
            "materials": forms.CheckboxSelectMultiple,
            "agenda": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, materials=None, **kwargs):
        super().__init__(*args, **kwargs)
        if materials is not None:
            self.fields["materials"].queryset = materials

    def clean_tracks(self) -> list[str]:
        # Stored in the five tracks' own order, whatever order they were ticked.
        chosen = set(self.cleaned_data["tracks"])
        return [value for value in Track.values if value in chosen]


def materials_for(organization) -> "forms.QuerySet[StudyMaterial]":
    """Material a branch may attach: published to it or above it, or to nobody yet (the library)."""
    from django.db.models import Q

    ancestors = [*organization.ancestor_ids(), organization.pk]
    return (
        StudyMaterial.objects.filter(Q(organizations__in=ancestors) | Q(organizations__isnull=True))
        .distinct()
        .order_by("handbook_chapter", "-created_at")
    )


class CheckInForm(forms.Form):
    # A fresh value with every page load: a double tap or a resent form carries
    # the same one, so the stored check-in shows which submission made it.
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    city = forms.CharField(
        label=_("City (optional)"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 8 MB. Location data is removed."),
        widget=forms.FileInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp",
                # static/js/photo-shrink.js sends no more pixels than the worker keeps.
                "data-shrink": PHOTO_MAX_SIDE,
                "data-quality": SHRINK_QUALITY,
            }
        ),
    )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        return check_photo(photo) if photo else None


class LeaveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for leave"), max_length=Leave.REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class MakeUpForm(forms.Form):
    note = forms.CharField(
        label=_("What did you study?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A few sentences on the material you studied and why you missed the day."),
    )
