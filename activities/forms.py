from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Activity, StudyMaterial, Track


class ActivityForm(forms.ModelForm):
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    tracks = forms.MultipleChoiceField(
        label=_("Tracks"), choices=Track.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Activity
        fields = ["date", "theme", "tracks", "agenda", "materials", "online_link", "place"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
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
