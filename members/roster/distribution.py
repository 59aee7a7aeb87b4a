"""Where the roster's members are: per province and per group, with a server-drawn bar chart."""

from __future__ import annotations

from django.db.models import Count, QuerySet
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
    rows = members.active().values_list("group__name", "group__path").annotate(n=Count("id")).order_by()
    # Tree order by the ids along the path, as numbers: as text, /1/10/ sorts before /1/9/.
    rows = sorted(rows, key=lambda row: (row[1] is None, _path_ids(row[1])))
    return [(name if name is not None else gettext("No group"), n) for name, _path, n in rows]


def _path_ids(path: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in (path or "").split("/") if part.isdigit())


def bar_chart(rows: list[tuple[str, int]], bar: int = 18, gap: int = 6) -> dict:
    """Coordinates for a server-rendered horizontal SVG bar chart.

    Across in percent of the chart's width, down in pixels: the SVG has no
    viewBox, so it fills the card and its labels keep the stylesheet's pixel
    size on a phone and a desktop alike. Labels end at ``label_w`` percent;
    the counts sit right of their bars, within the last ``value_w`` percent.
    """
    label_w, value_w = 36.0, 12.0
    plot_w = 100 - label_w - value_w
    top = max((n for _label, n in rows), default=0) or 1
    bars = []
    for i, (label, n) in enumerate(rows):
        y = i * (bar + gap)
        w = round(plot_w * n / top, 2)
        bars.append({"label": label, "n": n, "y": y, "mid": y + bar / 2, "w": max(w, 0.3), "value_x": label_w + w})
    return {
        "height": max(len(rows) * (bar + gap) - gap, bar),
        "bar": bar,
        "label_w": label_w,
        "bars": bars,
    }
