"""What the move report tests share: reports written as a member would send them, codes read from the SMS."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from itinerant.models import MoveReport
from itinerant.moves import roster_values


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate limits count in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def make_report(member, kind=MoveReport.Kind.LOCATION, *, ago: dt.timedelta = dt.timedelta(0), **fields) -> MoveReport:
    """A pending report as ``submit_move`` writes it, with the roster's values of now as ``before``."""
    defaults = {
        MoveReport.Kind.LEAVING: {
            "reason": "务工",
            "from_date": dt.date(2026, 3, 1),
            "province": "44",
            "city": "东莞",
            "workplace": "某电子厂",
            "contact": "13900139000",
        },
        MoveReport.Kind.LOCATION: {"province": "33", "city": "义乌", "workplace": "某物流公司"},
        MoveReport.Kind.RETURN: {"from_date": dt.date(2026, 6, 1)},
        MoveReport.Kind.PHONE: {"new_phone": "+8613900139000", "phone_verified_at": timezone.now()},
    }[kind]
    return MoveReport.objects.create(
        member=member,
        kind=kind,
        submitted_at=timezone.now() - ago,
        before=roster_values(member, kind),
        **{**defaults, **fields},
    )
