"""The committee's 堡垒指数 chart: every branch's points by section, and each branch's total over the years.

Everything is read with a fixed handful of queries (rounds, sections,
assessments), whatever the number of branches or rounds, and turned into
coordinates for server-rendered SVG, like ``activities.stats.line_chart``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from branches.models import Organization

from . import access
from .models import ZERO, Assessment, Evaluation, Rating, Section, Subject

# Distinct colours for up to twelve sections; the first eight are the attendance chart's.
PALETTE = [
    "#b71c1c",
    "#1565c0",
    "#2e7d32",
    "#ef6c00",
    "#6a1b9a",
    "#00838f",
    "#5d4037",
    "#ad1457",
    "#827717",
    "#455a64",
    "#f9a825",
    "#283593",
]

# Bar chart geometry: across in percent of the chart's width, down in pixels.
# The SVG has no viewBox, so it takes the card's width while its text keeps the
# stylesheet's pixel size on a 360 px phone and a 1280 px screen alike (a
# scaled viewBox made it 11 px on one and 36 px on the other). The totals sit
# right of their bars, in the space beyond PLOT_RIGHT.
PLOT_LEFT, PLOT_RIGHT = 2.0, 84.0
TOP = 4
ROW, LABEL_Y, BAR_OFFSET, BAR = 40, 13, 18, 15
AXIS = 20


def scheme_maxima(sections: list[Section]) -> list[tuple[str, Decimal]]:
    """The total a perfect subject reaches: (branch type, total) for each branch type with its own sections.

    Sections common to all count for everyone; a typed section only for its
    type. ``""`` stands for a subject with no typed section (members, or
    branches of a type the scheme has no sections for).
    """
    common = sum((s.cap for s in sections if s.kind in Section.SCORED_KINDS and not s.branch_type), ZERO)
    typed: dict[str, Decimal] = {}
    for section in sections:
        if section.kind in Section.SCORED_KINDS and section.branch_type:
            typed[section.branch_type] = typed.get(section.branch_type, ZERO) + section.cap
    maxima = [(branch_type, common + points) for branch_type, points in typed.items()]
    if not typed or len(typed) < len(Organization.BranchType.values):
        maxima.append(("", common))
    return maxima


def branch_rounds(user):
    """Branch rounds (堡垒指数) the user reviews."""
    return access.managed_evaluations(user).filter(scheme__subject=Subject.BRANCH)


def branch_years(user) -> list[int]:
    """Years with a branch round the user can review, latest first."""
    return list(branch_rounds(user).order_by("-year").values_list("year", flat=True).distinct())


@dataclass
class ChartSection:
    pk: int
    number: int
    title: str
    color: str


@dataclass
class Segment:
    section: ChartSection
    points: Decimal
    x: float
    width: float


@dataclass
class BranchRow:
    assessment_id: int
    name: str
    branch_type_label: str
    total: Decimal
    rating_label: str
    vetoed: bool
    cells: list[Decimal | None]
    segments: list[Segment] = field(default_factory=list)
    label_y: float = 0
    bar_y: float = 0
    total_x: float = 0
    total_y: float = 0


@dataclass
class RoundChart:
    evaluation: Evaluation
    sections: list[ChartSection]
    rows: list[BranchRow]
    scale: Decimal
    height: int = 0
    ticks: list[dict] = field(default_factory=list)
    plot_left: float = PLOT_LEFT
    plot_right: float = PLOT_RIGHT
    plot_bottom: float = 0
    tick_y: float = 0
    bar_height: int = BAR

    @property
    def has_vetoed(self) -> bool:
        return any(row.vetoed for row in self.rows)


def _nice_step(scale: Decimal) -> Decimal:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if scale / step <= 5:
            return Decimal(step)
    return (scale / 5).quantize(Decimal("1"))


def _layout(chart: RoundChart) -> None:
    plot_w = PLOT_RIGHT - PLOT_LEFT
    scale = chart.scale

    def x(points: Decimal) -> float:
        return round(PLOT_LEFT + float(points / scale) * plot_w, 2)

    for i, row in enumerate(chart.rows):
        row.label_y = TOP + i * ROW + LABEL_Y
        row.bar_y = TOP + i * ROW + BAR_OFFSET
        start = ZERO
        for section, points in zip(chart.sections, row.cells, strict=True):
            if not points:
                continue
            left = x(start)
            start += points
            row.segments.append(Segment(section, points, left, round(x(start) - left, 2)))
        row.total_x = x(start)
        row.total_y = row.bar_y + BAR - 3
    chart.plot_bottom = TOP + len(chart.rows) * ROW
    chart.height = int(chart.plot_bottom) + AXIS
    chart.tick_y = chart.height - 5
    step = _nice_step(scale)
    tick = ZERO
    while tick <= scale:
        chart.ticks.append({"x": x(tick), "label": f"{tick.normalize():f}"})
        tick += step


def year_charts(user, year: int) -> list[RoundChart]:
    """One chart per branch round of ``year`` the user can review: each branch's points by section."""
    rounds = list(branch_rounds(user).filter(year=year).order_by("organization__path", "pk"))
    if not rounds:
        return []
    sections_by_scheme: dict[int, list[Section]] = defaultdict(list)
    for section in Section.objects.filter(scheme_id__in={r.scheme_id for r in rounds}).order_by(
        "scheme_id", "position", "pk"
    ):
        sections_by_scheme[section.scheme_id].append(section)
    assessments_by_round: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in (
        Assessment.objects.filter(evaluation__in=rounds, branch__isnull=False)
        .select_related("branch")
        .only(
            "evaluation_id",
            "branch_type",
            "section_points",
            "total",
            "rating",
            "vetoed",
            "branch__name",
            "branch__path",
        )
        .order_by("-total", "branch__path", "pk")
    ):
        assessments_by_round[assessment.evaluation_id].append(assessment)
    charts = []
    for evaluation in rounds:
        charts.append(
            _round_chart(evaluation, sections_by_scheme[evaluation.scheme_id], assessments_by_round[evaluation.pk])
        )
    return charts


def _round_chart(evaluation: Evaluation, sections: list[Section], assessments: list[Assessment]) -> RoundChart:
    types = {a.branch_type for a in assessments}
    shown = [s for s in sections if s.kind in Section.SCORED_KINDS and (not s.branch_type or s.branch_type in types)]
    type_labels = dict(Organization.BranchType.choices)
    chart_sections = [
        ChartSection(
            pk=s.pk,
            number=n,
            title=s.title,
            color=PALETTE[(n - 1) % len(PALETTE)],
        )
        for n, s in enumerate(shown, start=1)
    ]
    ratings = dict(Rating.choices)
    rows = []
    for a in assessments:
        points = a.section_points or {}
        cells = [_points(points.get(str(s.pk))) for s in chart_sections]
        rows.append(
            BranchRow(
                assessment_id=a.pk,
                name=a.branch.name,
                branch_type_label=str(type_labels.get(a.branch_type, "")),
                total=a.total,
                rating_label=str(ratings.get(a.rating, a.rating)),
                vetoed=a.vetoed,
                cells=cells,
            )
        )
    maxima = dict(scheme_maxima(sections))
    reachable = [maxima.get(t, maxima.get("", ZERO)) for t in types]
    stacked = [sum((c for c in row.cells if c), ZERO) for row in rows]
    scale = max([*reachable, *stacked, Decimal("1")])
    chart = RoundChart(evaluation=evaluation, sections=chart_sections, rows=rows, scale=scale)
    _layout(chart)
    return chart


def _points(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


# --- Trend over the years -------------------------------------------------------------------

SPARK_W, SPARK_H, SPARK_PAD = 120, 36, 4


@dataclass
class Trend:
    name: str
    points: list[dict]  # {"year", "total", "x", "y"} for the years the branch was evaluated
    cells: list[Decimal | None]  # the total of every year of the chart, None where not evaluated
    path: str = ""


def trend(user) -> dict:
    """Each branch's final total per year, over every year with a final branch round the user can review.

    Rounds still under way stay out: a half-scored year would read as a fall.
    A branch evaluated twice in one year (two rounds) shows the later round's total.
    """
    final = branch_rounds(user).filter(stage=Evaluation.Stage.FINAL)
    rows = (
        Assessment.objects.filter(evaluation__in=final.values("pk"), branch__isnull=False)
        .order_by("evaluation__year", "evaluation__created_at", "evaluation_id")
        .values_list("branch_id", "branch__name", "branch__path", "evaluation__year", "total")
    )
    totals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    names: dict[int, tuple[str, str]] = {}
    years: set[int] = set()
    for branch_id, name, path, year, total in rows:
        totals[branch_id][year] = total
        names[branch_id] = (path, name)
        years.add(year)
    ordered_years = sorted(years)
    top = max([Decimal("100"), *(t for by_year in totals.values() for t in by_year.values())])
    step = (SPARK_W - 2 * SPARK_PAD) / max(len(ordered_years) - 1, 1)
    position = {year: i for i, year in enumerate(ordered_years)}

    def x(year: int) -> float:
        if len(ordered_years) == 1:
            return SPARK_W / 2
        return round(SPARK_PAD + position[year] * step, 1)

    def y(total: Decimal) -> float:
        return round(SPARK_PAD + (SPARK_H - 2 * SPARK_PAD) * (1 - float(total / top)), 1)

    trends = []
    for branch_id in sorted(names, key=lambda pk: names[pk]):
        points = [
            {"year": year, "total": total, "x": x(year), "y": y(total)}
            for year, total in sorted(totals[branch_id].items())
        ]
        trends.append(
            Trend(
                name=names[branch_id][1],
                points=points,
                cells=[totals[branch_id].get(year) for year in ordered_years],
                path=" ".join(f"{p['x']},{p['y']}" for p in points),
            )
        )
    return {
        "years": ordered_years,
        "branches": trends,
        "width": SPARK_W,
        "height": SPARK_H,
        "baseline": y(ZERO),
        "top": top,
    }
