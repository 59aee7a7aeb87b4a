"""Wordings of what the secretary's decisions tell the member, registered with ``notifications.wordings``.

The notice keeps the values, not the text, so the member reads it in their
language; months come as ``YYYY-MM`` and amounts as yuan text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from notifications.wordings import wording


def _period(params: Mapping[str, Any]) -> str:
    first, last = params["first"], params["last"]
    return first if first == last else f"{first}–{last}"


@wording("dues_payment")
def dues_payment(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: first, last (months), amount (yuan), accepted, note (the reason for not accepting)."""
    values = {"months": _period(params), "amount": params["amount"]}
    if params["accepted"]:
        return _("Your dues payment for %(months)s is confirmed") % values, _(
            "%(amount)s yuan recorded. Thank you."
        ) % values
    body = _("Reason: %(note)s") % {"note": params["note"]} if params.get("note") else ""
    return _("Your dues payment for %(months)s was not accepted") % values, body


@wording("dues_basis")
def dues_basis(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: month (the basis applies from), accepted, note."""
    values = {"month": params["month"]}
    if params["accepted"]:
        return _("Your dues basis from %(month)s is confirmed") % values, _(
            "Your monthly dues from %(month)s are worked out from it."
        ) % values
    body = _("Reason: %(note)s") % {"note": params["note"]} if params.get("note") else ""
    return _("Your dues basis from %(month)s was not accepted") % values, body
