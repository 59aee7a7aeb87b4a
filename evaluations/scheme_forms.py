"""Forms of the scheme editor: copying a scheme, its header and ratings, its sections and items.

A scheme is edited only until a round uses it; the views check that with
``services.check_editable`` before every change. The forms check the rest:
points are 0 or more in tenths, clear-to-zero and reverse sections carry no
points, an automatic rule measures the scheme's own subject, and the ratings'
thresholds go down from the best rating to the lowest.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization

from . import access, library, rules, services
from .models import POINTS, Item, Rating, Scheme, Section, Subject

# The ratings a scheme of each subject gives, best first; the last is the floor.
RATINGS = {
    Subject.MEMBER: [Rating.EXCELLENT, Rating.QUALIFIED, Rating.BASICALLY_QUALIFIED, Rating.UNQUALIFIED],
    Subject.BRANCH: [Rating.ADVANCED, Rating.QUALIFIED, Rating.LAGGING],
}
FIRST_YEAR, LAST_YEAR = 2000, 2100


def points_field(label, **kwargs) -> forms.DecimalField:
    """0 to 9999.9 in steps of 0.1, typed on a phone's number pad."""
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_digits=POINTS["max_digits"],
        decimal_places=POINTS["decimal_places"],
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **kwargs,
    )


def copy_sources(user):
    """Schemes a user may copy: those of the organizations they manage and of the organizations above them."""
    return access.usable_schemes(user).order_by("-year", "subject", "name", "-version")


class CopySchemeForm(forms.Form):
    """A new editable scheme for an organization and a year: from the library, or from an existing scheme."""

    organization = forms.ModelChoiceField(label=_("For the organization"), queryset=Organization.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    library = forms.ChoiceField(label=_("From the library"), required=False, choices=())
    scheme = forms.ModelChoiceField(
        label=_("Or from an existing scheme"),
        required=False,
        queryset=Scheme.objects.none(),
        help_text=_("Copy last year's scheme, or make a new version of a scheme a round already uses."),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["year"].initial = timezone.localdate().year
        organizations = self.fields["organization"]
        # A round runs over a branch or an organization above it, never a group.
        organizations.queryset = (
            access.managed_organizations(user).exclude(kind=Organization.Kind.GROUP).order_by("path")
        )
        organizations.label_from_instance = lambda org: f"{'· ' * org.depth}{org.name}"
        self.fields["library"].choices = [("", "—")] + [(key, spec.name) for key, spec in library.SCHEMES.items()]
        schemes = self.fields["scheme"]
        schemes.queryset = copy_sources(user)
        schemes.label_from_instance = lambda s: f"{s.year} {s.name} v{s.version} · {s.organization.name}"

    def clean(self):
        cleaned = super().clean()
        key, source = cleaned.get("library"), cleaned.get("scheme")
        if "scheme" in self.errors or "library" in self.errors:
            return cleaned
        if key and source:
            raise ValidationError(_("Choose a scheme from the library or an existing scheme, not both."))
        if not key and not source:
            raise ValidationError(_("Choose what to copy: a scheme from the library or an existing scheme."))
        return cleaned

    def save(self) -> Scheme:
        data = self.cleaned_data
        if data["scheme"] is not None:
            return services.copy_scheme(data["scheme"], data["organization"], data["year"], self.user)
        return services.copy_from_library(data["library"], data["organization"], data["year"], self.user)


class SchemeForm(forms.Form):
    """The scheme's name, description, publicity and the lowest total of each rating."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    publicity_days = forms.IntegerField(
        label=_("Publicity (days)"),
        min_value=1,
        max_value=60,
        help_text=_("How long the results are published to the branch, for objections, before they become final."),
    )

    def __init__(self, scheme: Scheme, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.fields["name"].initial = scheme.name
        self.fields["description"].initial = scheme.description
        self.fields["publicity_days"].initial = scheme.publicity_days
        current = dict(scheme.ratings)
        self.ratings = RATINGS[scheme.subject]
        for rating in self.ratings:
            self.fields[f"rating_{rating}"] = points_field(
                _("%(rating)s from") % {"rating": rating.label},
                initial=current.get(rating.value),
                help_text=_("The lowest total that earns this rating."),
            )
        floor = self.ratings[-1]
        self.fields[f"rating_{floor}"].help_text = _(
            "Also given, whatever the total, when a clear-to-zero or reverse situation is found."
        )

    def main_fields(self):
        return [self["name"], self["description"], self["publicity_days"]]

    def rating_fields(self):
        return [self[f"rating_{rating}"] for rating in self.ratings]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Scheme.objects.filter(
            organization_id=self.scheme.organization_id, year=self.scheme.year, name=name, version=self.scheme.version
        ).exclude(pk=self.scheme.pk)
        if clash.exists():
            raise ValidationError(
                _("The organization already has a scheme of this name and version for %(year)s."),
                params={"year": self.scheme.year},
            )
        return name

    def clean(self):
        cleaned = super().clean()
        thresholds = [(rating, cleaned.get(f"rating_{rating}")) for rating in self.ratings]
        for (better, high), (worse, low) in pairwise(thresholds):
            if high is not None and low is not None and high <= low:
                self.add_error(
                    f"rating_{worse}",
                    _(
                        "%(worse)s must start below %(better)s (%(high)s): each rating needs a lower total "
                        "than the one above it."
                    )
                    % {"worse": worse.label, "better": better.label, "high": high},
                )
        return cleaned

    def save(self) -> Scheme:
        data = self.cleaned_data
        scheme = self.scheme
        scheme.name = data["name"]
        scheme.description = data["description"].strip()
        scheme.publicity_days = data["publicity_days"]
        scheme.ratings = [[rating.value, str(data[f"rating_{rating}"])] for rating in self.ratings]
        scheme.save(update_fields=["name", "description", "publicity_days", "ratings"])
        return scheme


class SectionForm(forms.ModelForm):
    cap = points_field(
        _("Points"),
        initial=Decimal("0"),
        help_text=_(
            "Basic and bonus: the most the section gives. Deduction: what it starts from. Clear-to-zero and reverse: 0."
        ),
    )

    class Meta:
        model = Section
        fields = ["title", "kind", "cap", "branch_type"]

    def __init__(self, scheme: Scheme, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        if scheme.subject == Subject.BRANCH:
            self.fields["branch_type"].choices = [("", _("All branches")), *Organization.BranchType.choices]
            self.fields["branch_type"].help_text = _(
                "A section for one type of branch only: the individual part of the branch index."
            )
        else:
            del self.fields["branch_type"]

    def clean(self):
        cleaned = super().clean()
        kind, cap = cleaned.get("kind"), cleaned.get("cap")
        if kind in (Section.Kind.VETO, Section.Kind.REVERSE):
            if cap:
                self.add_error(
                    "cap", _("Clear-to-zero and reverse sections have no points: a situation is found or not. Enter 0.")
                )
            if self.instance.pk and (self.instance.items.filter(~Q(method=Item.MANUAL) | Q(points__gt=0)).exists()):
                self.add_error(
                    "kind",
                    _(
                        "Items of a clear-to-zero or reverse section have no points and are not scored automatically. "
                        "Set this section's items to 0 points, by hand, first."
                    ),
                )
        return cleaned

    @transaction.atomic
    def save(self, commit: bool = True) -> Section:
        section = super().save(commit=False)
        if section.pk is None:
            section.scheme = self.scheme
            last = self.scheme.sections.aggregate(p=Max("position"))["p"]
            section.position = 0 if last is None else last + 1
        if self.scheme.subject != Subject.BRANCH:
            section.branch_type = ""
        section.save()
        return section


class ItemForm(forms.ModelForm):
    points = points_field(_("Points"), initial=Decimal("0"))
    method = forms.ChoiceField(label=_("Scored"), choices=())

    class Meta:
        model = Item
        fields = ["title", "rule", "points", "method"]
        widgets = {"rule": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, section: Section, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section
        subject = section.scheme.subject
        self.fields["rule"].help_text = _("How the points are given, as the people evaluated will read it.")
        if section.is_list:
            # A situation is found or not, by a reviewer with a written reason.
            del self.fields["points"]
            del self.fields["method"]
            return
        method = self.fields["method"]
        method.choices = [(Item.MANUAL, _("By hand, by a reviewer")), *rules.choices(subject)]
        method.initial = Item.MANUAL
        method.error_messages["invalid_choice"] = _(
            "Choose “by hand” or one of the automatic rules for %(subject)s."
        ) % {"subject": Subject(subject).label}
        method.help_text = _(
            "An automatic rule scores the item from netbranch's own records; deductions are scored by hand."
        )

    def clean_method(self):
        method = self.cleaned_data["method"]
        if method == Item.MANUAL:
            return method
        rule = rules.RULES.get(method)
        if rule is None or rule.subject != self.section.scheme.subject:
            raise ValidationError(self.fields["method"].error_messages["invalid_choice"])
        if self.section.kind == Section.Kind.DEDUCTION:
            raise ValidationError(
                _("An automatic rule gives points for what was done; it cannot deduct. Score deductions by hand.")
            )
        return method

    @transaction.atomic
    def save(self, commit: bool = True) -> Item:
        item = super().save(commit=False)
        if item.pk is None:
            item.section = self.section
            last = self.section.items.aggregate(p=Max("position"))["p"]
            item.position = 0 if last is None else last + 1
        if self.section.is_list:
            item.points, item.method = Decimal("0"), Item.MANUAL
        item.save()
        return item
