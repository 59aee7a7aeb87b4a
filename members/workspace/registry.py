"""What the apps register for the workspace: to-do items, panels and task links.

- A ``Todo`` is a queue with a count: ``pending(user, today)`` is the
  queryset of what waits in the user's scope (counted, never loaded), and
  ``arrived(since, today)`` the rows that arrived since a moment in every
  scope, as ``(branch path, group path or None, when)`` tuples, for the daily
  digest. All counts of a page come in one query, whatever the number of
  items, members or branches.
- A panel is a function ``(user, today) -> dict | None`` whose ``template``
  the page includes (this month's activity and its check-in progress).
- A ``TaskLink`` is a page a manager opens by name, shown when the user's
  scope grants its capability; with ``kinds`` it is one link per managed
  organization of those kinds (statistics, channels of a branch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from branches.access import Capability, scope_of
from branches.bulk import count_subquery
from branches.models import Organization

# The task groups, in the order the page shows them.
SECTIONS: dict[str, Promise] = {
    "roster": pgettext_lazy("workspace section", "Roster"),
    "life": pgettext_lazy("workspace section", "Organizational life"),
    "reports": pgettext_lazy("workspace section", "Reports"),
    "evaluation": pgettext_lazy("workspace section", "Statistics and evaluation"),
    "notifications": pgettext_lazy("workspace section", "Notifications"),
}

Pending = Callable[[Any, dt.date], QuerySet]
Arrived = Callable[[dt.datetime, dt.date], QuerySet]
Panel = Callable[[Any, dt.date], dict | None]


@dataclass(frozen=True)
class Todo:
    key: str
    label: Promise
    capability: Capability
    url_name: str
    pending: Pending
    # Place in the list: 10 signups, 20 leave, 30 reports, 40 visits, 50 silent, 60 not activated.
    order: int = 100
    query: str = ""
    arrived: Arrived | None = None
    # Told to a branch's group chat too: only counts that say nothing about one person's hardship.
    for_group_chats: bool = True

    @property
    def url(self) -> str:
        return reverse(self.url_name) + (f"?{self.query}" if self.query else "")


@dataclass(frozen=True)
class TodoCount:
    todo: Todo
    count: int

    @property
    def key(self) -> str:
        return self.todo.key

    @property
    def label(self) -> Promise:
        return self.todo.label

    @property
    def url(self) -> str:
        return self.todo.url


@dataclass(frozen=True)
class TaskLink:
    section: str
    label: Promise
    capability: Capability
    url_name: str
    query: str = ""
    # One link per managed organization of these kinds (the URL takes its pk), else one link.
    kinds: frozenset[str] = field(default_factory=frozenset)

    def url(self, organization: Organization | None = None) -> str:
        args = [organization.pk] if organization is not None else []
        return reverse(self.url_name, args=args) + (f"?{self.query}" if self.query else "")


_todos: list[Todo] = []
_panels: list[Panel] = []
_links: list[TaskLink] = []


def register_todo(todo: Todo) -> Todo:
    """Add a to-do item; a second registration under the same key replaces the first."""
    _todos[:] = [t for t in _todos if t.key != todo.key]
    _todos.append(todo)
    _todos.sort(key=lambda t: t.order)
    return todo


def register_panel(func: Panel) -> Panel:
    if func not in _panels:
        _panels.append(func)
    return func


def register_task_links(*links: TaskLink) -> None:
    for link in links:
        if link not in _links:
            _links.append(link)


def todos() -> list[Todo]:
    return list(_todos)


# --- Reading them for one user --------------------------------------------------------------


def todo_counts(user, today: dt.date) -> list[TodoCount]:
    """Every to-do item the user's scope grants, with its count: one query for all of them."""
    scope = scope_of(user)
    granted = [todo for todo in _todos if scope.anywhere(todo.capability)]
    if not granted:
        return []
    counts = {f"n{i}": count_subquery(todo.pending(user, today)) for i, todo in enumerate(granted)}
    row = get_user_model().objects.filter(pk=user.pk).values(**counts).first() or {}
    return [TodoCount(todo, row.get(f"n{i}") or 0) for i, todo in enumerate(granted)]


def panels(user, today: dt.date) -> list[dict]:
    """The registered panels that have something to show, in registration order."""
    shown = []
    for func in _panels:
        panel = func(user, today)
        if panel:
            shown.append(panel)
    return shown


def task_sections(user) -> list[tuple[Promise, list[tuple[Promise, str]]]]:
    """The single task links the user's scope grants, as (section, [(label, url)]), no query."""
    scope = scope_of(user)
    by_section: dict[str, list[tuple[Promise, str]]] = {key: [] for key in SECTIONS}
    for link in _links:
        if not link.kinds and scope.anywhere(link.capability):
            by_section.setdefault(link.section, []).append((link.label, link.url()))
    return [(SECTIONS.get(key, key), links) for key, links in by_section.items() if links]


# A committee's secretary manages every branch below it; the page lists the first ones.
MAX_ORGANIZATIONS = 50


def organization_links(user) -> list[tuple[Organization, list[tuple[Promise, str]]]]:
    """Each managed organization with its per-organization links (statistics, channels): one query."""
    scope = scope_of(user)
    per_organization = [link for link in _links if link.kinds and scope.anywhere(link.capability)]
    if not per_organization:
        return []
    kinds = set().union(*(link.kinds for link in per_organization))
    organizations = Organization.objects.filter(kind__in=kinds)
    conditions = [scope.covers(link.capability) for link in per_organization]
    if all(condition is not None for condition in conditions):
        organizations = organizations.filter(reduce(or_, conditions, Q(pk__in=[])))
    rows = []
    for organization in organizations.order_by("path")[:MAX_ORGANIZATIONS]:
        links = [
            (link.label, link.url(organization))
            for link in per_organization
            if organization.kind in link.kinds and scope.can(link.capability, organization)
        ]
        if links:
            rows.append((organization, links))
    return rows
