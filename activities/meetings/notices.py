"""The wordings of the meeting-frequency notices, registered with ``notifications.wordings``.

A notice keeps its values, not its text, so each secretary reads it in their
own language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from notifications.wordings import wording


@wording("meeting_due")
def meeting_due(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: branch, kind, span (its key: 2026-03, 2026-q2, 2026), ends_on (ISO date), due, held, planned, short."""
    from ..models import Activity
    from .compliance import Span, parse_span

    span = parse_span(params["span"], Span(int(params["ends_on"][:4]), "year", 1))

    try:
        kind = str(Activity.Kind(params["kind"]).label)
    except ValueError:
        kind = str(params["kind"])
    title = _("%(branch)s: %(kind)s still due by %(ends_on)s") % {
        "branch": params["branch"],
        "kind": kind,
        "ends_on": params["ends_on"],
    }
    body = _("%(period)s asks for %(due)d; held %(held)d, planned %(planned)d: %(short)d more to plan.") % {
        "period": span.label,
        **{k: params[k] for k in ("due", "held", "planned", "short")},
    }
    return title, body
