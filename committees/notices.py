"""The wording of the term reminder, registered with ``notifications.wordings``: each reader's own language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.wordings import wording


@wording("committee_term")
def committee_term(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: branch, ends_on (ISO), months (6 or 1)."""
    months = int(params["months"])
    values = {"branch": params["branch"], "day": params["ends_on"], "months": months}
    title = (
        ngettext(
            "The committee of %(branch)s ends its term within %(months)d month",
            "The committee of %(branch)s ends its term within %(months)d months",
            months,
        )
        % values
    )
    body = (
        _(
            "The term of the branch committee of %(branch)s ends on %(day)s. Prepare the election "
            "(the committee above reminds the branch about six months before the term ends)."
        )
        % values
    )
    return title, body
