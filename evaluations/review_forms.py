"""Forms of the reviewers' workspace: opening a round, scoring items, answering objections."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.uploads import FILE_TYPES, clean_attachment
from branches.widgets import DateInput

from . import access, services
from .models import Item, Subject

MAX_EVIDENCE_FILES = 5
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Up to five files, each checked like a report attachment (size, type, structure; images re-encoded)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Evidence files"))
        kwargs.setdefault(
            "help_text",
            _("Optional: up to %(n)d files, each a PDF, Word (DOC, DOCX), JPG or PNG of at most 10 MB.")
            % {"n": MAX_EVIDENCE_FILES},
        )
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(FILE_TYPES)}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        uploads = list(data) if isinstance(data, (list, tuple)) else [data]
        if len(uploads) > MAX_EVIDENCE_FILES:
            raise ValidationError(
                _("Attach at most %(n)d files at a time."), code="too_many", params={"n": MAX_EVIDENCE_FILES}
            )
        cleaned = []
        for upload in uploads:
            upload = super().clean(upload, initial)
            try:
                # An image comes back re-encoded without its camera and location tags.
                cleaned.append(clean_attachment(upload))
            except ValidationError as error:
                raise ValidationError(
                    _("%(name)s: %(error)s"), params={"name": upload.name, "error": " ".join(error.messages)}
                ) from None
        return cleaned


def _points_field() -> forms.CharField:
    return forms.CharField(
        label=_("Points"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class PointsMixin:
    """Points are checked by the same rule the service applies, so the error sits on the field."""

    item: Item

    def clean_points(self):
        raw = self.cleaned_data["points"]
        try:
            services.parse_points(raw, self.item)
        except services.EvaluationError as error:
            raise ValidationError(str(error), code=error.code) from None
        return raw


class ScoreForm(PointsMixin, forms.Form):
    points = _points_field()
    note = forms.CharField(label=_("Note (why)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), strip=True)
    files = EvidenceField()

    def __init__(self, item: Item, *args, **kwargs):
        self.item = item
        kwargs.setdefault("prefix", f"item{item.pk}")
        super().__init__(*args, **kwargs)
        self.fields["points"].help_text = _("From 0 to %(max)s.") % {"max": item.points}


class FoundForm(forms.Form):
    found = forms.TypedChoiceField(
        label=_("Found?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Written reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), strip=True
    )
    files = EvidenceField()

    def __init__(self, item: Item, *args, **kwargs):
        self.item = item
        kwargs.setdefault("prefix", f"item{item.pk}")
        super().__init__(*args, **kwargs)


class RestForm(PointsMixin, forms.Form):
    """The same points for every result not yet scored on one item."""

    points = _points_field()
    note = forms.CharField(label=_("Note (why)"), max_length=2000, strip=True)

    def __init__(self, item: Item, *args, **kwargs):
        self.item = item
        kwargs.setdefault("prefix", f"rest{item.pk}")
        super().__init__(*args, **kwargs)
        self.fields["points"].help_text = _("From 0 to %(max)s.") % {"max": item.points}


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Is the objection upheld?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reply = forms.CharField(
        label=_("Reply to the member"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )

    def __init__(self, *args, objection_pk: int, **kwargs):
        kwargs.setdefault("prefix", f"objection{objection_pk}")
        super().__init__(*args, **kwargs)


def usable_schemes(user, today):
    """Schemes of this year and the last two that the user's organizations, or those above them, own."""
    return (
        access.usable_schemes(user)
        .filter(year__gte=today.year - 2, year__lte=today.year + 1)
        .order_by("-year", "subject", "name", "-version")
    )


class OpenRoundForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Who runs the round"), queryset=Organization.objects.none())
    scheme = forms.TypedChoiceField(label=_("Scheme"), coerce=int, choices=())
    self_assessment_ends_on = forms.DateField(
        label=_("Self-assessment until (optional)"),
        required=False,
        widget=DateInput(),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.fields["organization"].queryset = (
            access.managed_organizations(user).exclude(kind=Organization.Kind.GROUP).order_by("path")
        )
        self.fields["organization"].label_from_instance = lambda org: f"{'· ' * org.depth}{org.name}"
        self.schemes = {scheme.pk: scheme for scheme in usable_schemes(user, self.today)}
        groups = []
        for subject, label in Subject.choices:
            options = [
                (pk, f"{s.year} {s.name} v{s.version} · {s.organization.name}")
                for pk, s in self.schemes.items()
                if s.subject == subject
            ]
            if options:
                groups.append((label, options))
        self.fields["scheme"].choices = [("", "—"), *groups]

    @property
    def has_schemes(self) -> bool:
        return bool(self.schemes)

    def clean_self_assessment_ends_on(self):
        day = self.cleaned_data.get("self_assessment_ends_on")
        if day is not None and day < self.today:
            raise ValidationError(_("Choose today or a later day."))
        return day

    def clean(self):
        cleaned = super().clean()
        organization, pk = cleaned.get("organization"), cleaned.get("scheme")
        if organization is None or pk is None:
            return cleaned
        scheme = self.schemes.get(pk)
        if scheme is None or not services.schemes_for(organization, scheme.year, scheme.subject).filter(pk=pk).exists():
            self.add_error(
                "scheme",
                _("This scheme belongs neither to %(org)s nor to an organization above it.")
                % {"org": organization.name},
            )
            return cleaned
        cleaned["scheme"] = scheme
        return cleaned
