"""Where the roster's members are: per province and per group, with a server-drawn bar chart."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext

from ..models import Member
from ..provinces import Province


def province_distribution(members: QuerySet[Member]) -> list[tuple[str, int]]:
    """(province label, count) of active members, largest first; "unknown" last."""
    counts = dict(members.active().values_list("province").annotate(n=Count("id")).order_by())
    labels = dict(Province.choices)
    rows = [(str(labels[code]), n) for code, n in counts.items() if code in labels]
    rows.sort(key=lambda row: (-row[1], row[0]))
    if counts.get(""):
        rows.append((gettext("Not given"), counts[""]))
    return rows


def group_distribution(members: QuerySet[Member]) -> list[tuple[str, int]]:
    """(group name, count) of active members per group, in tree order; "no group" last."""
    rows = list(
        members.active()
        .values_list("group__name", "group__path")
        .annotate(n=Count("id"))
        .order_by(F("group__path").asc(nulls_last=True))
    )
    return [(name if name is not None else gettext("No group"), n) for name, _path, n in rows]


def bar_chart(rows: list[tuple[str, int]], width: int = 360, bar: int = 18, gap: int = 6) -> dict:
    """Coordinates for a server-rendered horizontal SVG bar chart."""
    label_w, value_w = 120, 48
    plot_w = width - label_w - value_w
    top = max((n for _label, n in rows), default=0) or 1
    bars = []
    for i, (label, n) in enumerate(rows):
        y = i * (bar + gap)
        w = round(plot_w * n / top, 1)
        bars.append({"label": label, "n": n, "y": y, "mid": y + bar / 2, "w": max(w, 1), "value_x": label_w + w + 6})
    return {
        "width": width,
        "height": max(len(rows) * (bar + gap) - gap, bar),
        "bar": bar,
        "label_w": label_w,
        "label_x": label_w - 6,
        "bars": bars,
    }
