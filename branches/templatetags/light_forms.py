"""``{{ field|light_field }}``: a form field as ``components/field.html`` writes it, without the templates.

See ``branches.light_widgets``; a field without a light widget is rendered
through the template as before.
"""

from __future__ import annotations

from django import template

from branches.light_widgets import render_field

register = template.Library()


@register.filter
def light_field(field):
    return render_field(field)
