"""Forms a member fills in: the self-assessment (自评) and an objection during publicity."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Item, ItemScore


class SelfAssessmentForm(forms.Form):
    """A summary of the year and, for each item scored by hand, optional points and a note.

    Points are checked by the same rule the service applies, so an error sits
    on the field it belongs to; the service checks them again when it saves.
    """

    summary = forms.CharField(
        label=_("My year in a few lines"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write a few lines about your year.")},
    )

    def __init__(
        self,
        items: list[Item],
        *args,
        scores: dict[int, ItemScore] | None = None,
        deducting: set[int] = frozenset(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.items = items
        scores = scores or {}
        for item in items:
            score = scores.get(item.pk)
            label = _("Points to deduct (0 to %(max)s)") if item.pk in deducting else _("Points (0 to %(max)s)")
            self.fields[f"points_{item.pk}"] = forms.CharField(
                label=label % {"max": _points(item.points)},
                required=False,
                max_length=10,
                initial=_points(score.self_points) if score and score.self_points is not None else "",
                widget=forms.NumberInput(
                    attrs={"min": "0", "max": str(item.points), "step": "0.1", "inputmode": "decimal"}
                ),
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=2000,
                initial=score.self_note if score else "",
                # One line: twenty-odd items of two textareas each make a very long page on a phone.
                widget=forms.TextInput(),
            )

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            name = f"points_{item.pk}"
            raw = cleaned.get(name, "")
            if raw:
                try:
                    services.parse_points(raw, item)
                except services.EvaluationError as error:
                    self.add_error(name, ValidationError(str(error), code=error.code))
        return cleaned

    def rows(self):
        """Each item with its two fields, for the template."""
        for item in self.items:
            yield item, self[f"points_{item.pk}"], self[f"note_{item.pk}"]

    def claims(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (self.cleaned_data.get(f"points_{item.pk}", ""), self.cleaned_data.get(f"note_{item.pk}", ""))
            for item in self.items
        }


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("What do you object to, and why?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write what you object to and why.")},
    )


def _points(value) -> str:
    """10.0 → "10", 45.5 → "45.5"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
