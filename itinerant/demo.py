"""Demo life of the itinerant flows, run by ``seed_demo`` after the other apps' demos.

Each flow adds its part in a module of its own; ``seed()`` runs them in order:
transfers first, so the permits' sweep of proposed transfers sees the members
whose transfer is already under way.
"""

from __future__ import annotations

import datetime as dt

from . import permit_demo, transfer_demo


def seed(today: dt.date | None = None) -> dict[str, int]:
    return {**transfer_demo.seed(today), **permit_demo.seed(today)}
