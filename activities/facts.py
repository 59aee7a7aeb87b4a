"""The roster's activity facts (last check-in, report, study), registered with members.facts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery

from members.facts import register_member_facts

from .models import CheckIn, MaterialDelivery, Report


def _latest(records: QuerySet, field: str) -> Subquery:
    # Grouped by member inside the subquery, so each row gets its own Max.
    return Subquery(records.filter(member=OuterRef("pk")).values("member").annotate(at=Max(field)).values("at"))


def latest() -> dict[str, Subquery]:
    # Each subquery walks an index that starts with member_id (the unique
    # constraints of check-ins and deliveries, report_member_idx).
    return {
        "last_checkin": _latest(CheckIn.objects.all(), "checked_in_at"),
        "last_report": _latest(Report.objects.all(), "submitted_at"),
        "last_study": _latest(MaterialDelivery.objects.filter(studied_at__isnull=False), "studied_at"),
    }


def active_since(since: dt.datetime) -> list[Exists]:
    return [
        Exists(CheckIn.objects.filter(member=OuterRef("pk"), checked_in_at__gte=since)),
        Exists(Report.objects.filter(member=OuterRef("pk"), submitted_at__gte=since)),
        Exists(MaterialDelivery.objects.filter(member=OuterRef("pk"), studied_at__gte=since)),
    ]


register_member_facts(latest, active_since=active_since)
