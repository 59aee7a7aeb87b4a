"""Date and time inputs carry ISO values in every language, and a form posted back unchanged saves.

zh-hans renders dates as 2026/12/06 by default, which ``<input type="date">``
rejects: the field looks empty and the browser blocks the save.
"""

import datetime as dt
import importlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from activities.forms import ActivityForm
from activities.tests.factories import ActivityFactory
from branches.widgets import DateInput, DateTimeInput, TimeInput
from evaluations.review_forms import OpenRoundForm
from members.models import Visit
from members.roster.forms import MemberForm, TransferForm, VisitForm
from members.tests.factories import MemberFactory
from notifications.forms import BranchChannelsForm
from notifications.models import BranchChannels

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]
ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"),
}


class FormValues(HTMLParser):
    """What a browser would submit for the rendered fields: inputs, checked boxes, selected options, text areas."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.typed: dict[str, tuple[str, str]] = {}
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
                return
            self._add(name, attrs.get("value") or "")
            self.typed[name] = (kind, attrs.get("value") or "")
        elif tag == "select" and name:
            self._select, self._options, self._multiple = name, [], "multiple" in attrs
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:
                # A single choice with nothing marked sends its first option.
                chosen = [self._options[0][0]]
            for value in chosen:
                self._add(self._select, value)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def submitted(html: str) -> FormValues:
    parser = FormValues()
    parser.feed(html)
    return parser


def assert_iso(values: FormValues, names: set[str]) -> None:
    found = {name: value for name, value in values.typed.items() if value and values.typed[name][0] in ISO}
    assert set(found) == names
    for kind, value in found.values():
        assert ISO[kind].match(value), value


def post_back(form_class, html: str, **kwargs):
    values = submitted(html)
    return form_class(data={k: v if len(v) > 1 else v[0] for k, v in values.data.items()}, **kwargs), values


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_activity_form_renders_and_takes_back_an_iso_date(language, branch_a):
    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    with translation.override(language):
        html = str(ActivityForm(instance=activity, initial={"tracks": activity.tracks}))
        form, values = post_back(ActivityForm, html, instance=activity)
        assert values.typed["date"] == ("date", "2026-12-06")
        assert form.is_valid(), form.errors
        form.save()
    activity.refresh_from_db()
    assert activity.date == dt.date(2026, 12, 6)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_roster_entry_form_renders_and_takes_back_iso_dates(language, secretary, branch_a):
    member = MemberFactory(
        organization=branch_a,
        birth_date=dt.date(1985, 7, 1),
        joined_party_on=dt.date(2010, 7, 1),
        full_member_on=dt.date(2011, 7, 1),
        left_home_on=dt.date(2024, 2, 29),
    )
    before = {name: getattr(member, name) for name in ("birth_date", "joined_party_on", "full_member_on")}
    with translation.override(language):
        html = str(MemberForm(instance=member, user=secretary, revealed=True))
        form, values = post_back(MemberForm, html, instance=member, user=secretary, revealed=True)
        assert_iso(values, {"birth_date", "joined_party_on", "full_member_on", "left_home_on"})
        assert values.typed["left_home_on"] == ("date", "2024-02-29")
        assert form.is_valid(), form.errors
        form.save()
    member.refresh_from_db()
    assert {name: getattr(member, name) for name in before} == before
    assert member.left_home_on == dt.date(2024, 2, 29)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_visit_form_renders_and_takes_back_iso_dates(language, secretary, branch_a):
    member = MemberFactory(organization=branch_a)
    visit = Visit.objects.create(
        member=member,
        visited_on=dt.date(2026, 11, 30),
        next_visit_on=dt.date(2027, 1, 5),
        help_given="慰问",
        responsible=secretary,
    )
    with translation.override(language):
        html = str(VisitForm(instance=visit, member=member))
        form, values = post_back(VisitForm, html, instance=visit, member=member)
        assert_iso(values, {"visited_on", "next_visit_on"})
        assert form.is_valid(), form.errors
        form.save()
    visit.refresh_from_db()
    assert (visit.visited_on, visit.next_visit_on) == (dt.date(2026, 11, 30), dt.date(2027, 1, 5))


@pytest.mark.parametrize("language", LANGUAGES)
def test_quiet_hours_render_and_take_back_iso_times(language, branch_a):
    channels = BranchChannels.objects.create(
        organization=branch_a, quiet_from=dt.time(21, 30), quiet_until=dt.time(7, 5)
    )
    with translation.override(language):
        html = str(BranchChannelsForm(instance=channels))
        form, values = post_back(BranchChannelsForm, html, instance=channels)
        assert values.typed["quiet_from"] == ("time", "21:30")
        assert values.typed["quiet_until"] == ("time", "07:05")
        assert form.is_valid(), form.errors
        form.save()
    channels.refresh_from_db()
    assert (channels.quiet_from, channels.quiet_until) == (dt.time(21, 30), dt.time(7, 5))


@pytest.mark.parametrize("language", LANGUAGES)
def test_date_fields_of_plain_forms_render_and_read_iso(language, secretary):
    day = dt.date(2026, 12, 6)
    with translation.override(language):
        cases = [
            (TransferForm(initial={"on": day}), "on"),
            (OpenRoundForm(secretary, initial={"self_assessment_ends_on": day}), "self_assessment_ends_on"),
        ]
        for form, name in cases:
            values = submitted(str(form[name]))
            assert values.typed[name] == ("date", "2026-12-06")
            assert form.fields[name].clean(values.typed[name][1]) == day


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shared_datetime_input_renders_iso(language):
    field = forms.DateTimeField(widget=DateTimeInput())
    with translation.override(language):
        html = field.widget.render("at", field.prepare_value(dt.datetime(2026, 12, 6, 9, 5)))
        value = submitted(html).typed["at"]
        assert value == ("datetime-local", "2026-12-06T09:05")
        assert field.clean(value[1]) is not None


def test_zh_hans_would_otherwise_render_a_date_the_browser_rejects():
    """Why the widgets name their format: Django's own widget follows the language."""
    with translation.override("zh-hans"):
        assert forms.DateInput().format_value(dt.date(2026, 12, 6)) == "2026/12/06"
        assert DateInput().format_value(dt.date(2026, 12, 6)) == "2026-12-06"


def project_forms() -> list[type[forms.BaseForm]]:
    for app in ("activities", "branches", "evaluations", "members", "notifications"):
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*forms.py")):
            if "tests" not in path.parts:
                importlib.import_module(".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts))
    found, queue = [], [forms.BaseForm]
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        # The site's forms modules; the admin's forms keep its own text widgets, which read any input format.
        module = cls.__module__.split(".")
        if module[0] in {"activities", "branches", "evaluations", "members", "notifications"} and module[-1].endswith(
            "forms"
        ):
            found.append(cls)
    return found


WIDGET_FOR = {forms.DateTimeField: DateTimeInput, forms.DateField: DateInput, forms.TimeField: TimeInput}


def test_every_date_and_time_field_of_the_site_uses_the_shared_iso_widgets():
    checked = 0
    for form_class in project_forms():
        for name, field in form_class.base_fields.items():
            for field_class, widget_class in WIDGET_FOR.items():
                if isinstance(field, field_class):
                    assert isinstance(field.widget, widget_class), f"{form_class.__name__}.{name}"
                    checked += 1
                    break
    assert checked >= 9


def test_the_activity_edit_page_saves_unchanged_in_chinese(client, secretary, branch_a):
    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6), place="会议室")
    client.force_login(secretary)
    url = reverse("activities:edit", args=[activity.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert page.wsgi_request.LANGUAGE_CODE == "zh-hans"
    values = submitted(page.text)
    assert values.typed["date"] == ("date", "2026-12-06")
    data = {k: v if len(v) > 1 else v[0] for k, v in values.data.items() if k != "csrfmiddlewaretoken"}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302, response.context["form"].errors
    activity.refresh_from_db()
    assert (activity.date, activity.place) == (dt.date(2026, 12, 6), "会议室")
