"""Attendance and study statistics, computed with grouped queries over a subtree."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from django.db.models import Count, Q
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from branches.dates import last_months
from branches.models import Organization
from members.models import Member

from .models import Activity, Attendance, MaterialDelivery

STREAK = 3


@dataclass
class Tally:
    attended: int = 0
    made_up: int = 0
    excused: int = 0
    absent: int = 0

    def add(self, outcome: str, n: int) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)

    @property
    def total(self) -> int:
        return self.attended + self.made_up + self.excused + self.absent

    @property
    def rate(self) -> float | None:
        """Share present (attended or made up); approved leave is neutral."""
        counted = self.total - self.excused
        return None if counted == 0 else (self.attended + self.made_up) / counted


@dataclass
class Series:
    organization: Organization
    points: dict[tuple[int, int], Tally] = field(default_factory=lambda: defaultdict(Tally))


def monthly_attendance(root: Organization, today: dt.date) -> tuple[list[tuple[int, int]], list[Series]]:
    """Attendance per month for the last 12 months: one series per branch and group under ``root``."""
    months = last_months(today)
    first_year, first_month = months[0]
    rows = (
        Attendance.objects.filter(
            activity__organization__path__startswith=root.path, activity__kind=Activity.Kind.THEME_DAY
        )
        .filter(Q(activity__year__gt=first_year) | Q(activity__year=first_year, activity__month__gte=first_month))
        .values_list("activity__organization_id", "member__group_id", "activity__year", "activity__month", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    # The chart names each series; the rest of an organization's row is never shown here.
    organizations = {
        o.pk: o
        for o in Organization.objects.subtree_of(root)
        .filter(kind__in=["branch", "group"])
        .only("name", "kind", "path")
        .order_by("path")
    }
    series = {pk: Series(o) for pk, o in organizations.items()}
    for branch_id, group_id, year, month, outcome, n in rows:
        if branch_id in series:
            series[branch_id].points[(year, month)].add(outcome, n)
        if group_id in series:
            series[group_id].points[(year, month)].add(outcome, n)
    return months, [s for s in series.values() if s.points]


def activity_tally(activity: Activity) -> Tally:
    tally = Tally()
    for outcome, n in activity.attendance.values_list("outcome").annotate(n=Count("id")).order_by():
        tally.add(outcome, n)
    return tally


def study_completion(root: Organization, since: dt.date) -> list[dict]:
    """Per material delivered under ``root`` since a date: delivered, read and studied counts."""
    return list(
        MaterialDelivery.objects.filter(member__organization__path__startswith=root.path, delivered_at__date__gte=since)
        .values("material_id", "material__title")
        .annotate(
            delivered=Count("id"),
            read=Count("id", filter=Q(read_at__isnull=False)),
            studied=Count("id", filter=Q(studied_at__isnull=False)),
        )
        .order_by("-delivered", "material__title")
    )


def repeated_absentees(root: Organization) -> list[Member]:
    """Active members absent from each of their branch's last three closed activities."""
    recent: list[int] = []
    per_branch: dict[int, int] = defaultdict(int)
    closed = (
        Activity.objects.filter(
            organization__path__startswith=root.path, kind=Activity.Kind.THEME_DAY, closed_at__isnull=False
        )
        .order_by("organization_id", "-date")
        .values_list("organization_id", "pk")
    )
    for branch_id, activity_id in closed:
        if per_branch[branch_id] < STREAK:
            per_branch[branch_id] += 1
            recent.append(activity_id)
    if not recent:
        return []
    member_ids = (
        Attendance.objects.filter(activity_id__in=recent, outcome=Attendance.Outcome.ABSENT)
        .values("member_id")
        .annotate(n=Count("id"))
        .filter(n__gte=STREAK)
        .values("member_id")
    )
    # The page shows each one's name, branch and group: the rest of three rows per member stays unread.
    return list(
        Member.objects.active()
        .filter(pk__in=member_ids)
        .select_related("organization", "group")
        .only("name", "state", "organization__name", "group__name")
        .order_by("name")
    )


PALETTE = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#ad1457"]


def line_chart(months: list[tuple[int, int]], series: list[Series], height: int = 200) -> dict:
    """Coordinates for a server-rendered SVG line chart of attendance rates (0 to 100 %).

    Across, positions are percentages of the chart's width; down, pixels. The
    SVG has no viewBox, so it stretches to the card while its text keeps the
    stylesheet's pixel size: a scaled drawing would shrink labels on a phone
    and blow them up on a desktop. Lines are drawn as segments because a
    polyline takes no percentages.
    """
    left, right, top, bottom = 11.0, 97.0, 8, 36
    plot_h = height - top - bottom
    step = (right - left) / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 2)

    def y(rate: float) -> float:
        return round(top + plot_h * (1 - rate), 1)

    lines = []
    for n, s in enumerate(series[: len(PALETTE)]):
        points = []
        for i, month in enumerate(months):
            tally = s.points.get(month)
            if tally is not None and tally.rate is not None:
                points.append({"x": x(i), "y": y(tally.rate), "rate": round(tally.rate * 100), "month": month})
        lines.append(
            {
                "name": s.organization.name,
                "color": PALETTE[n],
                "points": points,
                "segments": [{"x1": a["x"], "y1": a["y"], "x2": b["x"], "y2": b["y"]} for a, b in pairwise(points)],
            }
        )
    chart = {
        "height": height,
        "lines": lines,
        "grid": [{"y": y(v / 100), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)],
        # The year goes on a second line, under the first month and under January: on
        # the month line it needs twice the room a month has on a phone.
        "months": [
            {"x": x(i), "label": f"{m:02d}", "year": str(yr) if i == 0 or m == 1 else ""}
            for i, (yr, m) in enumerate(months)
        ],
        "left": left,
        "right": right,
        "label_y": height - 20,
        "year_y": height - 4,
        "baseline": y(0),
    }
    chart["svg"] = chart_svg(chart) if lines else ""
    return chart


def chart_svg(chart: dict) -> SafeString:
    """The chart's ``<svg>``, written here rather than by the template.

    Forty points and their segments were a thousand template lookups, two
    thirds of the statistics page's rendering. Numbers are localized as the
    template would show them (no thousands separator is configured, so that is the
    language's decimal separator, looked up once rather than per number).
    """
    separator = get_format("DECIMAL_SEPARATOR")
    e = conditional_escape

    def n(value) -> str:
        return str(value).replace(".", separator) if isinstance(value, float) else str(value)

    left, right = n(chart["left"]), n(chart["right"])
    label = _("Attendance rate per month")
    parts = [f'<svg class="chart" width="100%" height="{n(chart["height"])}" role="img" aria-label="{e(label)}">']
    for g in chart["grid"]:
        parts.append(
            f'<line x1="{left}%" x2="{right}%" y1="{n(g["y"])}" y2="{n(g["y"])}" stroke="#e0e0e0"/>'
            f'<text x="{left}%" dx="-4" y="{n(g["y"])}" text-anchor="end" dominant-baseline="middle"'
            f' fill="#616161">{e(g["label"])}</text>'
        )
    for m in chart["months"]:
        parts.append(
            f'<text x="{n(m["x"])}%" y="{n(chart["label_y"])}" text-anchor="middle" fill="#616161">'
            f"{e(m['label'])}</text>"
        )
        if m["year"]:
            parts.append(
                f'<text x="{n(m["x"])}%" y="{n(chart["year_y"])}" text-anchor="middle" fill="#616161">'
                f"{e(m['year'])}</text>"
            )
    for line in chart["lines"]:
        color, name = e(line["color"]), e(line["name"])
        for seg in line["segments"]:
            parts.append(
                f'<line x1="{n(seg["x1"])}%" y1="{n(seg["y1"])}" x2="{n(seg["x2"])}%" y2="{n(seg["y2"])}"'
                f' stroke="{color}" stroke-width="2" stroke-linecap="round"/>'
            )
        for p in line["points"]:
            year, month = p["month"]
            parts.append(
                f'<circle cx="{n(p["x"])}%" cy="{n(p["y"])}" r="3" fill="{color}">'
                f"<title>{name} {n(year)}-{n(month)}: {n(p['rate'])}%</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every value is localized or escaped above
