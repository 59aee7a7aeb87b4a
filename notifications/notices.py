"""The wordings of the notices this app sends: the birthday greeting and the hardship visit reminder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from .wordings import wording


@wording("greeting")
def greeting(params: Mapping[str, Any]) -> tuple[str, str]:
    return (
        _("Happy political birthday!"),
        _("Your branch thanks you for your years in the Party. Your greeting card is on your home page."),
    )


@wording("visit")
def visit(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: name, branch, date (next visit), visited (last visit), help (what was given)."""
    title = _("Hardship visit due: %(name)s") % {"name": params["name"]}
    body = _("%(branch)s planned the next visit for %(date)s. Last visit on %(visited)s: %(help)s") % {
        "branch": params["branch"],
        "date": params["date"],
        "visited": params["visited"],
        "help": params["help"],
    }
    return title, body
