"""Hostile values in every query parameter and form field of every view: never a 500.

The URLs come from the resolver (``test_permission_matrix``), the objects and
people from ``matrix_objects``. Each page is rendered as the people who get
through it (the secretary of A, the committee secretary, and bob for a
member's own pages); the parameters and fields are read from what the pages
render (every ``<form>``, every link with a query string) and from the views'
own ``request.GET``/``request.POST`` reads, since a parameter no page links
to is still one a visitor can type. Each value then goes into each field on
its own, the rest of the form as rendered, in a savepoint rolled back after
the request so that one request's changes do not hide the next one's crash.
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from branches.models import Organization
from members.models import MemberChange
from members.roster.audit import ROLE_NOTE_PREFIX
from members.roster.forms import RosterFilterForm
from members.services import record_change
from notifications.services import forget_channel_settings

from .matrix_objects import build_world
from .test_permission_matrix import PATTERNS, RULES, THROUGH, expected

pytestmark = pytest.mark.django_db

HOSTILE = {
    "unicode-digit": "²",
    "negative": "-1",
    "exponent": "1e9",
    "forty-digits": "9" * 40,
    "dunder": "__class__",
    "ten-kb": "x" * 10_240,
    # Unicode digits inside a number of the right length (an ID number): past a length check, into int().
    "unicode-digit-inside": "²" + "1" * 17,
}
# A field that does not look like a number gets these: the ones a text or choice field can still trip on.
NON_NUMERIC = ("unicode-digit", "dunder", "ten-kb", "unicode-digit-inside")
PEOPLE = ("secretary_a", "committee_secretary", "member_a")
# Query parameters a view reads through a form or a helper, whether or not a page renders them as a GET
# form (a search form that posts and redirects to them still leaves them for anyone to type).
_ROSTER_FILTERS = tuple(RosterFilterForm.base_fields)
INDIRECT_QUERY = {
    "roster:list": _ROSTER_FILTERS,
    # The printable roster reads the list's parameters (members.roster.print_views).
    "roster:print": (*_ROSTER_FILTERS, "s", "full"),
    # The export takes the roster list's filters (members.imports.export.filter_roster).
    "roster_import:export": (*_ROSTER_FILTERS, "activated", "full"),
}
_READS = re.compile(r"request\.(GET|POST)(?:\.get(?:list)?\(|\[)\s*[\"'](\w+)[\"']")
_NUMERIC_NAME = re.compile(r"(^|_)(id|pk|page|year|member|group|number|count|days|points|position)s?$")


@dataclass
class Form:
    method: str  # "GET" or "POST"
    action: str
    fields: list  # [(name, value, numeric)]


class _PageParser(HTMLParser):
    """The forms (with the values they would submit untouched) and the links of a page."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: list | None = None  # [name, chosen value, option values]
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "a" and "?" in attrs.get("href", ""):
            self.links.append(urljoin(self.base, attrs["href"]))
        elif tag == "form":
            method = attrs.get("method", "get").upper()
            self._form = Form(method, urljoin(self.base, attrs.get("action") or self.base), [])
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button") and attrs.get("name"):
            kind = attrs.get("type", "text" if tag == "input" else "submit")
            if kind == "file" or (kind in ("checkbox", "radio") and "checked" not in attrs):
                value = None  # not submitted untouched, but still a field to fill
            else:
                value = attrs.get("value", "")
            numeric = (
                kind == "number"
                or attrs.get("inputmode") == "numeric"
                or ((value or "").isascii() and (value or "").isdigit())
            )
            self._add(attrs["name"], value, numeric)
        elif tag == "select" and attrs.get("name"):
            self._select = [attrs["name"], None, []]
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select[2].append(value)
            if self._select[1] is None or "selected" in attrs:
                self._select[1] = value
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, chosen, options = self._select
            numeric = any(options) and all(o.isascii() and o.isdigit() for o in options if o)
            self._add(name, chosen, bool(numeric))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._add(*self._textarea, False)
            self._textarea = None

    def _add(self, name: str, value: str | None, numeric: bool) -> None:
        if self._form is not None:
            self._form.fields.append((name, value, numeric or bool(_NUMERIC_NAME.search(name))))


@dataclass(frozen=True)
class Submission:
    persona: str
    method: str
    path: str
    base: tuple  # ((name, value), ...) sent as rendered
    fields: tuple  # ((name, numeric), ...) each filled with hostile values in turn


def _pattern_name(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name if match.view_name in PATTERNS else None


def _view_reads(path: str) -> dict[str, set[str]]:
    """The parameter names the view's own code reads from request.GET and request.POST."""
    func = inspect.unwrap(resolve(path).func)
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return {}
    reads: dict[str, set[str]] = defaultdict(set)
    for method, name in _READS.findall(source):
        reads[method].add(name)
    return reads


def _people(name: str, world) -> list[str]:
    rule = RULES[name]
    scope = world.targets[rule.target].scope if rule.target else None
    return [p for p in PEOPLE if expected(rule, p, scope) == THROUGH]


def _url(name: str, world) -> str:
    rule = RULES[name]
    return reverse(name, kwargs=world.targets[rule.target].kwargs if rule.target else {})


class _Rollback(Exception):
    pass


def _request(client, method: str, path: str, data):
    """A request in a savepoint that is always rolled back; an exception from the view is re-raised."""
    box = {}
    try:
        with transaction.atomic():
            send = client.get if method == "GET" else client.post
            box["response"] = send(path, data)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        cache.clear()
        forget_channel_settings()
    return box["response"]


def _login(client, world, persona: str) -> None:
    client.force_login(world.personas[persona])


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def submissions(world, django_db_blocker) -> dict[str, list[Submission]]:
    """Per URL name, every way a page offers (or the view reads) to send it parameters."""
    client = Client()
    client.raise_request_exception = True
    found: dict[str, dict] = defaultdict(dict)

    def offer(name, persona, method, path, base, fields):
        numeric: dict[str, bool] = {}
        for field_name, looks_numeric in fields:  # a radio group names one field several times
            numeric[field_name] = numeric.get(field_name, False) or looks_numeric
        fields = tuple(numeric.items())
        if fields:
            key = (persona, method, path, tuple(sorted(dict(fields))), base)
            found[name].setdefault(key, Submission(persona, method, path, base, fields))

    with django_db_blocker.unblock():
        for name in sorted(PATTERNS):
            path = _url(name, world)
            reads = _view_reads(path)
            for persona in _people(name, world):
                _login(client, world, persona)
                for method, names in reads.items():
                    offer(name, persona, method, path, (), [(n, bool(_NUMERIC_NAME.search(n))) for n in names])
                offer(name, persona, "GET", path, (), [(n, True) for n in INDIRECT_QUERY.get(name, ())])
                response = _request(client, "GET", path, {})
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                page = _PageParser("http://testserver" + path)
                page.feed(response.content.decode())
                for form in page.forms:
                    target = _pattern_name(form.action)
                    if target is None or persona not in _people(target, world):
                        continue
                    base = tuple((n, v) for n, v, _ in form.fields if v is not None)
                    offer(
                        target,
                        persona,
                        form.method,
                        urlsplit(form.action).path,
                        base,
                        [(n, numeric) for n, _, numeric in form.fields],
                    )
                for link in page.links:
                    target = _pattern_name(link)
                    if target is None or persona not in _people(target, world):
                        continue
                    query = parse_qsl(urlsplit(link).query, keep_blank_values=True)
                    offer(
                        target,
                        persona,
                        "GET",
                        urlsplit(link).path,
                        tuple(query),
                        [(n, bool(_NUMERIC_NAME.search(n)) or (v.isascii() and v.isdigit())) for n, v in query],
                    )
    return {name: list(by_key.values()) for name, by_key in found.items()}


def _values(numeric: bool) -> list[tuple[str, str]]:
    return [(label, value) for label, value in HOSTILE.items() if numeric or label in NON_NUMERIC]


def test_the_hostile_inputs_reach_the_parameters_that_crashed(submissions):
    """The discovery is what makes the sweep below mean anything: it finds the parameters named in the issue."""
    reached = {(name, s.method, field) for name, subs in submissions.items() for s in subs for field, _ in s.fields}
    for wanted in [
        ("roster:activation_sms", "POST", "member"),
        ("activities:manual_checkin", "POST", "member"),
        ("evaluations:branch_chart", "GET", "year"),
        ("roster_import:export", "GET", "group"),
        ("roster:list", "GET", "group"),
        ("roster:add", "POST", "id_number"),
    ]:
        assert wanted in reached, f"no page or view offers {wanted}"
    assert len(submissions) >= 40, sorted(submissions)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_no_hostile_value_gives_a_500(client, world, submissions, name):
    client.raise_request_exception = True
    problems = []
    persona = None
    for submission in submissions.get(name, ()):
        if submission.persona != persona:
            persona = submission.persona
            _login(client, world, persona)
        for field, numeric in submission.fields:
            for label, value in _values(numeric):
                data = defaultdict(list)
                for key, rendered in submission.base:
                    if key != field:
                        data[key].append(rendered)
                data[field] = [value]
                where = f"{submission.method} {submission.path} {field}={label} as {persona}"
                try:
                    response = _request(client, submission.method, submission.path, dict(data))
                except Exception as error:
                    problems.append(f"{where}: {type(error).__name__}: {str(error)[:200]}")
                    continue
                if response.status_code >= 500:
                    problems.append(f"{where}: status {response.status_code}")
    assert not problems, f"{len(problems)} crashes:\n" + "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("name", sorted(n for n, p in PATTERNS.items() if "IntConverter" in p.converters.values()))
def test_an_id_too_large_for_the_database_in_a_path_is_not_found(client, world, name):
    """``<int:pk>`` lets any run of ASCII digits through to the view, twenty of them past a BIGINT."""
    client.raise_request_exception = True
    rule = RULES[name]
    kwargs = dict(world.targets[rule.target].kwargs)
    problems = []
    for param, converter in PATTERNS[name].converters.items():
        if converter != "int":
            continue
        path = reverse(name, kwargs={**kwargs, param: int("9" * 40)})
        for persona in _people(name, world):
            _login(client, world, persona)
            for method in ("GET", "POST"):
                try:
                    response = _request(client, method, path, {})
                except Exception as error:
                    problems.append(f"{method} {path} as {persona}: {type(error).__name__}: {str(error)[:200]}")
                    continue
                if response.status_code not in (404, 405):
                    problems.append(f"{method} {path} as {persona}: status {response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("tail", ["²", "9" * 40], ids=["unicode-digit", "forty-digits"])
def test_a_role_change_whose_note_ends_in_no_id_still_shows_on_the_roles_page(client, world, tail):
    """The roles page reads the holder's id back from the audit note; a row written by hand or by
    an older version may end in anything."""
    client.raise_request_exception = True
    secretary = world.personas["secretary_a"]
    branch = Organization.objects.get(pk=world.targets["branch_a"].kwargs["pk"])
    record_change(
        None,
        secretary,
        MemberChange.Action.UPDATED,
        {"role": ["", "matrix role"]},
        organization=branch,
        note=f"{ROLE_NOTE_PREFIX}+secretary:{branch.code}:{tail}",
    )
    client.force_login(secretary)
    response = client.get(reverse("roster:roles"))
    assert response.status_code == 200
    assert "matrix role" in response.content.decode()
