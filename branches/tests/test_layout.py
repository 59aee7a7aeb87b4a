"""The layout's helpers: URLs reversed once, fragments rendered once per key, light form widgets."""

import re

import pytest
from django import forms
from django.template import engines
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from branches.light_widgets import (
    CachedModelChoiceField,
    LightNumberInput,
    LightSelect,
    LightTextInput,
    label_tag,
    render_field,
)
from branches.models import Organization
from branches.templatetags import layout
from branches.tests.factories import GroupFactory
from branches.urlcache import fixed_url, id_url


def render(source: str, context: dict | None = None) -> str:
    return engines["django"].from_string(source).render(context or {})


def test_the_template_engine_caches_its_templates():
    # No loaders named in TEMPLATES: Django then wraps them in the cached
    # loader, in production too. A list of loaders there would turn it off.
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["django.template.loaders.cached"]


def test_a_fixed_url_is_the_reversed_url():
    assert fixed_url("home") == reverse("home")
    assert fixed_url("notifications:inbox") == reverse("notifications:inbox")
    assert render("{% load layout %}{% fixed_url 'members:me' %}") == reverse("members:me")
    with pytest.raises(NoReverseMatch):
        fixed_url("no-such-page")


def test_a_fixed_url_follows_a_change_of_urlconf():
    assert fixed_url("home") == "/"
    with override_settings(ROOT_URLCONF="branches.tests.urls_prefixed"):
        assert fixed_url("home") == "/prefixed/"
    assert fixed_url("home") == "/"


def test_an_id_url_formats_each_id_into_the_reversed_pattern():
    detail = id_url("roster:detail")
    for pk in (1, 42, 123456789):
        assert detail(pk) == reverse("roster:detail", args=[pk])


def test_a_fragment_is_rendered_once_per_key(monkeypatch):
    rendered = []
    real_render = engines["django"].engine.get_template("components/member_links.html").render

    def counting(context):
        rendered.append(1)
        return real_render(context)

    template = engines["django"].engine.get_template("components/member_links.html")
    monkeypatch.setattr(template, "render", counting)
    layout.forget_fragments()
    source = (
        "{% load layout %}"
        '{% fragment "components/member_links.html" here.view_name here.namespace nav.is_member nav.unread %}'
    )
    nav = {"is_member": True, "unread": 0, "manages": False}
    first = render(source, {"nav": nav})
    again = render(source, {"nav": nav})
    assert first == again and len(rendered) == 1
    changed = render(source, {"nav": {**nav, "unread": 3}})
    assert len(rendered) == 2
    assert "tab-badge" in changed and "tab-badge" not in first


def test_a_fragment_is_kept_per_language():
    layout.forget_fragments()
    source = '{% load layout %}{% fragment "components/member_links.html" "" "" True 0 %}'
    with translation.override("zh-hans"):
        chinese = render(source, {"nav": {"is_member": True, "unread": 0}})
    with translation.override("en"):
        english = render(source, {"nav": {"is_member": True, "unread": 0}})
    assert "首页" in chinese and "Home" in english


class Filters(forms.Form):
    q = forms.CharField(
        label="Search", required=False, widget=LightTextInput(attrs={"type": "search", "placeholder": 'a "b" <c>'})
    )
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Any"), ("Groups", [("a", "A & B"), ("b", "<B>")]), ("c", "C")],
        widget=LightSelect,
    )
    days = forms.IntegerField(label="Days?", required=False, widget=LightNumberInput(attrs={"inputmode": "numeric"}))
    group = CachedModelChoiceField(label="Group", queryset=Organization.objects.none(), required=False)


class StockFilters(forms.Form):
    q = forms.CharField(
        label="Search", required=False, widget=forms.TextInput(attrs={"type": "search", "placeholder": 'a "b" <c>'})
    )
    kind = forms.ChoiceField(label="Kind", required=False, choices=Filters.base_fields["kind"].choices)
    days = forms.IntegerField(label="Days?", required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    group = forms.ModelChoiceField(label="Group", queryset=Organization.objects.none(), required=False)


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"q": '<x> & "y"', "kind": "b", "days": "7"}, {"days": "x", "kind": "zz"}])
def test_light_widgets_write_the_markup_of_djangos_widgets(data, branch_a):
    groups = Organization.objects.filter(pk__in=[GroupFactory(parent=branch_a, name="一<组>").pk])
    light, stock = Filters(data), StockFilters(data)
    light.fields["group"].queryset = stock.fields["group"].queryset = groups
    for name in ("q", "kind", "days", "group"):
        assert squeeze(light[name]) == squeeze(stock[name])
        assert label_tag(light[name]) == stock[name].label_tag()
        expected = render_to_string("components/field.html", {"field": stock[name]})
        assert squeeze(render_field(light[name])) == squeeze(expected)


@pytest.mark.django_db
def test_a_cached_model_choice_field_reads_its_choices_once(branch_a, django_assert_num_queries):
    GroupFactory(parent=branch_a, name="一组")
    form = Filters()
    form.fields["group"].queryset = Organization.objects.filter(kind=Organization.Kind.GROUP)
    with django_assert_num_queries(1):
        assert "一组" in str(form["group"]) and "一组" in str(form["group"])
