"""Sections that apps above ``members`` add to a member's home page.

``members`` must not import the apps built on it, yet the home page shows
what they know (the next activity, reports due). Each of those apps registers
a function here; the home page calls them and includes the template each
names, so the page knows nothing of their models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Expression
from django.http import HttpRequest

from .models import Member

# (request, member, today) -> {"template": "app/_section.html", ...} or None to show nothing.
# A section that knows the branch's planned activities says when the next one
# is as ``next_activity_on`` (a date); the page's countdown shows that date, so
# it never disagrees with the section's own card.
HomeSection = Callable[[HttpRequest, Member, dt.date], dict | None]

_sections: list[HomeSection] = []

# today -> {name: expression over Member}: what a section reads about the
# member as annotations of the member's own row, so the page loads them with
# the entry in one query instead of one query each. A section finds them as
# attributes of ``member`` and asks the database itself when they are absent
# (called with a member loaded elsewhere).
HomeAnnotations = Callable[[dt.date], dict[str, Expression]]

_annotations: list[HomeAnnotations] = []


def register_home_section(func: HomeSection) -> HomeSection:
    """Add ``func`` to the home page; registering the same function twice adds it once."""
    if func not in _sections:
        _sections.append(func)
    return func


def register_home_annotations(func: HomeAnnotations) -> HomeAnnotations:
    """Have the home page load ``func(today)`` with the member's entry; registering twice adds it once."""
    if func not in _annotations:
        _annotations.append(func)
    return func


def home_annotations(today: dt.date) -> dict[str, Expression]:
    annotations: dict[str, Expression] = {}
    for func in _annotations:
        annotations.update(func(today))
    return annotations


def next_activity_on(sections: list[dict], member: Member, today: dt.date) -> dt.date:
    """The next activity day as the sections know it, else the branch's rule (nothing planned, or no section)."""
    for section in sections:
        if section.get("next_activity_on"):
            return section["next_activity_on"]
    return member.organization.next_activity_date(today)


def home_sections(request: HttpRequest, member: Member, today: dt.date) -> list[dict]:
    """The sections to show, in registration order; each has at least a ``template``."""
    sections = []
    for func in _sections:
        section = func(request, member, today)
        if section:
            sections.append(section)
    return sections
