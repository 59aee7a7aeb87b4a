"""Widgets that write their markup in Python instead of through Django's widget templates.

Django renders a ``<select>`` through one template and one more template per
``<option>``: the roster's filter form, with its provinces, statuses and
groups, took about 15 ms a request of a page that should cost 30 in all.
These widgets write the same markup (the name, the attributes with Django's
rules for True, False and None, ``selected`` on the chosen options, optgroups)
from ``get_context``, so choices, ids and values stay Django's own.

``render_field`` (the ``light_field`` filter of ``{% load light_forms %}``)
writes ``components/field.html`` the same way, label and all.

Use them on forms shown on busy pages; any other form keeps the stock widgets.
"""

from __future__ import annotations

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext


def attributes(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html`` in Python: True is a bare name, False is left out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


class LightInputMixin:
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        value_part = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
        return mark_safe(  # noqa: S308 -- every part is escaped above
            f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f"{value_part}{attributes(widget['attrs'])}>"
        )


class LightTextInput(LightInputMixin, forms.TextInput):
    pass


class LightNumberInput(LightInputMixin, forms.NumberInput):
    pass


class LightSelect(forms.Select):
    """Django's ``select.html`` and ``select_option.html``, with ``optgroups``' rules for what is selected."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        values = self.format_value(value)
        parts = [f'<select name="{_escape(name)}"{attributes(attrs)}>']
        has_selected = False
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                group, options = option_value, option_label
                parts.append(f'<optgroup label="{_escape(group)}">')
            else:
                group, options = None, ((option_value, option_label),)
            for subvalue, sublabel in options:
                subvalue = "" if subvalue is None else subvalue
                # As optgroups(): a single select marks its first match only.
                selected = (not has_selected or self.allow_multiple_selected) and str(subvalue) in values
                has_selected |= selected
                parts.append(
                    f'<option value="{_escape(subvalue)}"{" selected" if selected else ""}>{_escape(sublabel)}</option>'
                )
            if group is not None:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 -- every part is escaped


def _escape(value) -> str:
    """``conditional_escape`` for the many short strings of a select: Django's ``escape`` is ``html.escape``."""
    return str(value) if isinstance(value, SafeData) else html.escape(str(value))


class CachedModelChoiceIterator(ModelChoiceIterator):
    """Choices from the queryset's own cache: no server-side cursor, one query however often it is read."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class CachedModelChoiceField(forms.ModelChoiceField):
    iterator = CachedModelChoiceIterator
    widget = LightSelect


# Looked up in Django's catalog (a variable, so the project's catalog does not copy it).
LABEL_PUNCTUATION = ":?.!"


def label_tag(field: forms.BoundField) -> SafeString:
    """``BoundField.label_tag()`` without its template: the same suffix rule, ``for`` and required class."""
    contents = field.label
    suffix = field.field.label_suffix if field.field.label_suffix is not None else field.form.label_suffix
    # Django's rule: no suffix after a label ending in punctuation, as Django's own catalog translates it.
    if suffix and contents and contents[-1] not in gettext(LABEL_PUNCTUATION):
        contents = format_html("{}{}", contents, suffix)
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    if not id_:
        return conditional_escape(contents)
    attrs = {}
    id_for_label = widget.id_for_label(id_)
    if id_for_label:
        attrs["for"] = id_for_label
    if field.field.required and hasattr(field.form, "required_css_class"):
        attrs["class"] = field.form.required_css_class
    return mark_safe(f"<label{attributes(attrs)}>{conditional_escape(contents)}</label>")  # noqa: S308


def render_field(field: forms.BoundField) -> SafeString:
    """``components/field.html`` for a field with a light widget; any other goes through the template."""
    input_type = getattr(field.field.widget, "input_type", None)
    if input_type in ("radio", "checkbox") or not isinstance(field.field.widget, LIGHT_WIDGETS):
        return render_to_string("components/field.html", {"field": field})
    help_text = format_html('<span class="help">{}</span>', field.help_text) if field.help_text else ""
    errors = str(field.errors) if field.errors else ""
    return mark_safe(  # noqa: S308 -- label, widget, help and errors are each escaped
        f'<div class="field">{label_tag(field)}{field}{help_text}{errors}</div>'
    )


LIGHT_WIDGETS = (LightInputMixin, LightSelect)
