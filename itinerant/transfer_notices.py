"""Wordings of the notices a transfer's steps send, registered with ``notifications.wordings``.

The notice keeps the values (names, ISO dates, the reason given), so each
reader sees it in their own language whenever they open it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from notifications.wordings import wording


def _reason(params: Mapping[str, Any]) -> str:
    return _("Reason: %(note)s") % {"note": params["note"]} if params.get("note") else ""


@wording("transfer_member")
def transfer_member(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: event, to, valid_until, note. What the member hears of their own transfer."""
    event, values = params["event"], {"to": params["to"], "day": params.get("valid_until", "")}
    if event == "approved":
        return _("Your transfer to %(to)s is approved") % values, _("The branch will issue the letter of introduction.")
    if event == "refused":
        return _("Your transfer request to %(to)s was not approved") % values, _reason(params)
    if event == "issued":
        return _("Your letter of introduction to %(to)s is issued") % values, _(
            "Hand it in at %(to)s by %(day)s. Your branch stays responsible for you until the receipt comes back."
        ) % values
    if event == "received":
        return _("Your Party relationship is now with %(to)s") % values, _("The transfer is complete.")
    if event == "refused_there":
        return _("%(to)s did not accept your transfer") % values, _reason(params)
    if event == "cancelled":
        return _("Your transfer to %(to)s was cancelled") % values, _reason(params)
    if event == "expired":
        return _("Your letter of introduction to %(to)s expired") % values, _(
            "It was valid until %(day)s. Ask your branch for a new letter."
        ) % values
    raise ValueError(event)


@wording("transfer_secretary")
def transfer_secretary(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: event, name, from, to, valid_until, note. What the secretaries of either side hear."""
    event = params["event"]
    values = {"name": params["name"], "from": params["from"], "to": params["to"], "day": params.get("valid_until", "")}
    if event == "arrived":
        return _("Incoming transfer: %(name)s from %(from)s") % values, _(
            "The letter of introduction is valid until %(day)s. Accept the member or refuse with a reason."
        ) % values
    if event == "accepted":
        return _("%(to)s accepted the transfer of %(name)s") % values, _(
            "The receipt is recorded; %(name)s is now on the roster of %(to)s."
        ) % values
    if event == "refused":
        return _("%(to)s refused the transfer of %(name)s") % values, _reason(params)
    if event == "cancelled":
        return _("The transfer of %(name)s from %(from)s was cancelled") % values, _reason(params)
    if event == "expiring":
        return _("The letter for %(name)s expires on %(day)s") % values, _(
            "No receipt from %(to)s has been recorded yet."
        ) % values
    if event == "expired":
        return _("The letter for %(name)s expired") % values, _(
            "It was valid until %(day)s and no receipt from %(to)s came back. The member stays on the roster; "
            "issue a new letter if the transfer goes ahead."
        ) % values
    if event == "expired_incoming":
        return _("The letter from %(from)s for %(name)s expired") % values, _(
            "It was valid until %(day)s and was not accepted; the person needs a new letter."
        ) % values
    raise ValueError(event)
