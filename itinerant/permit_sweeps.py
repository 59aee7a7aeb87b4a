"""The daily sweeps of permits and warnings: proposed transfers after six months at one place, and
the six-month warnings.

Both ask the database what is due up to ``today`` and not there yet, so a
beat that was down catches up on its next run, and a replay writes nothing:
the rows are unique per member and stay, or per member, level and spell.
"""

from __future__ import annotations

import datetime as dt

from branches.sweeps import register

from . import proposals, warnings_


@register("itinerant_proposals")
def proposals_sweep(today: dt.date) -> dict:
    return {"proposed": proposals.raise_proposals(today)}


@register("life_warnings")
def life_warnings_sweep(today: dt.date) -> dict:
    return warnings_.raise_warnings(today)
