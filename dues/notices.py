"""The wordings of the dues notices, registered with ``notifications.wordings``.

A notice keeps the values below, not its text, so the member reads it in
their own language; months come as ISO year-months (2026-05), amounts in fen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.wordings import wording

from .amounts import yuan

# The months a notice lists by name; more are shown as "…" (an SMS stays short).
MONTHS_NAMED = 6


@wording("dues_arrears")
def dues_arrears(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: count (months unpaid), months (their ISO year-months, oldest first), amount_fen (owed in all)."""
    count = int(params["count"])
    months = [str(month) for month in params["months"]]
    named = ", ".join(months[:MONTHS_NAMED]) + ("…" if count > MONTHS_NAMED else "")
    title = ngettext(
        "Party dues outstanding for %(count)d month", "Party dues outstanding for %(count)d months", count
    ) % {"count": count}
    body = ngettext(
        "Your Party dues for %(count)d month (%(months)s) are not paid: %(amount)s yuan in all.",
        "Your Party dues for %(count)d months (%(months)s) are not paid: %(amount)s yuan in all.",
        count,
    ) % {"count": count, "months": named, "amount": yuan(int(params["amount_fen"]))}
    how = _("You can pay through your branch, or, if you have paid already, report the payment on the site.")
    return title, f"{body} {how}"
