"""Sections that apps above ``members`` add to a member's home page.

``members`` must not import the apps built on it, yet the home page shows
what they know (the next activity, reports due). Each of those apps registers
a function here; the home page calls them and includes the template each
names, so the page knows nothing of their models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.http import HttpRequest

from .models import Member

# (request, member, today) -> {"template": "app/_section.html", ...} or None to show nothing.
HomeSection = Callable[[HttpRequest, Member, dt.date], dict | None]

_sections: list[HomeSection] = []


def register_home_section(func: HomeSection) -> HomeSection:
    """Add ``func`` to the home page; registering the same function twice adds it once."""
    if func not in _sections:
        _sections.append(func)
    return func


def home_sections(request: HttpRequest, member: Member, today: dt.date) -> list[dict]:
    """The sections to show, in registration order; each has at least a ``template``."""
    sections = []
    for func in _sections:
        section = func(request, member, today)
        if section:
            sections.append(section)
    return sections
