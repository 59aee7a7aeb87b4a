"""Scoring a round: automatic items from the records, then every assessment's totals.

Both steps are set-based and chunked: a chunk of subjects costs a fixed
number of queries whatever the roster size, so a province's 100,000 members
score in one pass without holding every row in memory. Both are idempotent:
scoring twice writes the same rows (an upsert on the item-score key).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from activities.monthly import refresh_member_months
from branches.chunks import chunked
from members.models import Member

from .lookups import IdsIn, json_rows
from .models import ZERO, Assessment, Evaluation, Item, ItemScore, Section, Subject
from .rules import RULES, TENTH, Chunk, period_for

CHUNK = 5000
NOTHING_DUE = {"done": 0, "due": 0}


def subject_field(evaluation: Evaluation) -> str:
    return "member_id" if evaluation.scheme.subject == Subject.MEMBER else "branch_id"


def score_automatic(
    evaluation: Evaluation,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """(Re)compute every automatic item of every assessment from the records; returns rows written.

    Only before publicity: a published or final result never moves because a
    record changed afterwards. ``progress(done, total)`` hears of every chunk
    committed, counted in assessments.
    """
    if evaluation.stage not in (Evaluation.Stage.SELF_ASSESSMENT, Evaluation.Stage.REVIEW):
        return 0
    today = today or timezone.localdate()
    period = period_for(evaluation.year, today)
    items_by_rule: dict[str, list[Item]] = defaultdict(list)
    for item in Item.objects.filter(section__scheme_id=evaluation.scheme_id).exclude(method=Item.MANUAL):
        if item.method in RULES:
            items_by_rule[item.method].append(item)
    key = subject_field(evaluation)
    subjects = list(Assessment.objects.filter(evaluation=evaluation).values_list(key, "pk").order_by("pk"))
    if evaluation.scheme.subject == Subject.MEMBER and any(RULES[method].monthly for method in items_by_rule):
        # The records as they are now, whatever changed since the last scoring. The ids go
        # as one array rather than as a subquery on the assessments, which a round just
        # opened has written in this very transaction: the planner would take them for none.
        members = Member.objects.filter(IdsIn("pk", [member_id for member_id, _pk in subjects])).values("pk")
        refresh_member_months(period.year, members)
    now = timezone.now()
    written = done = 0
    if progress:
        progress(0, len(subjects))
    for chunk in chunked(subjects, CHUNK):
        measured = Chunk([subject_id for subject_id, _pk in chunk], period)
        rows = []
        for method, items in items_by_rule.items():
            measures = RULES[method].measure(measured)
            # Most members share their counts with many others: each set's text and points once.
            known: dict[tuple, tuple[str, list[tuple[int, Decimal]]]] = {}
            for subject_id, assessment_id in chunk:
                measure = measures.get(subject_id)
                facts = measure.facts if measure else NOTHING_DUE
                seen = tuple(facts.items())
                if seen not in known:
                    points = [(item.pk, measure.points(item.points) if measure else item.points) for item in items]
                    known[seen] = (json.dumps(facts, sort_keys=True), points)
                facts_json, points = known[seen]
                rows.extend((assessment_id, item_id, item_points, facts_json) for item_id, item_points in points)
        with transaction.atomic():
            _upsert_scores(rows, now)
            recompute_totals(evaluation, [pk for _subject, pk in chunk])
        written += len(rows)
        done += len(chunk)
        if progress:
            progress(done, len(subjects))
    Evaluation.objects.filter(pk=evaluation.pk).update(scored_at=now)
    evaluation.scored_at = now
    return written


def _upsert_scores(rows: list[tuple[int, int, Decimal, str]], now: dt.datetime) -> None:
    """Insert or refresh a chunk's automatic scores with one ``INSERT … SELECT … ON CONFLICT DO UPDATE``.

    The rows go as one JSON parameter (``json_rows``). A score whose points
    and facts are what they were is left alone, so a rescoring that finds
    the records unchanged writes almost nothing; ``scored_at`` is when the
    points were last set. ``bulk_create(update_conflicts=True)`` instead
    built a model instance per row and, on SQLite, split a batch into
    statements of 99 rows: about half of the time it took to score a
    province's 400,000 automatic items.
    """
    if not rows:
        return
    if connection.vendor not in ("postgresql", "sqlite"):
        ItemScore.objects.bulk_create(
            [
                ItemScore(assessment_id=a, item_id=i, points=p, facts=json.loads(f), scored_at=now)
                for a, i, p, f in rows
            ],
            update_conflicts=True,
            unique_fields=["assessment", "item"],
            update_fields=["points", "facts", "scored_at"],
        )
        return
    quote = connection.ops.quote_name
    meta = ItemScore._meta
    table = quote(meta.db_table)
    sent = [meta.get_field(name) for name in ("assessment", "item", "points", "facts")]
    column = {
        name: quote(meta.get_field(name).column)
        for name in ("assessment", "item", "points", "facts", "scored_at", "self_note", "found", "note")
    }
    source, values = json_rows(sent)
    found = "false" if connection.vendor == "postgresql" else "0"
    names = ", ".join(column.values())
    updates = ", ".join(f"{column[n]} = excluded.{column[n]}" for n in ("points", "facts", "scored_at"))
    compared = ("points", "facts")
    if connection.vendor == "postgresql":
        stored, new = (", ".join(f"{prefix}.{column[n]}" for n in compared) for prefix in (table, "excluded"))
        changed = f"({stored}) IS DISTINCT FROM ({new})"
    else:
        changed = " OR ".join(f"{table}.{column[n]} IS NOT excluded.{column[n]}" for n in compared)
    # Identifiers come from the model's meta; the rows and the time are parameters. Columns
    # without a database default get their model default in the row itself; the WHERE keeps
    # SQLite from reading ON CONFLICT as a join's ON.
    sql = (
        f"INSERT INTO {table} ({names}) "  # noqa: S608
        f"SELECT {', '.join(values)}, %s, '', {found}, '' FROM {source} WHERE 1 = 1 "
        f"ON CONFLICT ({column['assessment']}, {column['item']}) DO UPDATE SET {updates} WHERE {changed}"
    )
    # The facts are JSON text already; the points are written out exactly, as strings.
    payload = "[" + ",".join(f'[{a},{i},"{p:f}",{f}]' for a, i, p, f in rows) + "]"
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), payload])


def recompute_totals(evaluation: Evaluation, assessment_ids: list[int] | None = None) -> None:
    """Bring the totals, section points and rating of assessments in step with their scores.

    A result is rated once review has begun and every basic item is scored (or
    a clear-to-zero or reverse situation decides it); before that its total is
    partial and would always fall to the lowest rating, so it has none yet.
    """
    scheme = evaluation.scheme
    rating_due = evaluation.stage != Evaluation.Stage.SELF_ASSESSMENT
    sections = list(Section.objects.filter(scheme=scheme))
    # Each score's section and whether it is manual, from the scheme's items: joining the
    # items in the query let the planner loop over them once per score (a third of a second
    # a chunk of 5,000 at 100,000 members), where the scheme holds a few dozen.
    items = {
        pk: (section_id, method == Item.MANUAL)
        for pk, section_id, method in Item.objects.filter(section__scheme=scheme).values_list(
            "pk", "section_id", "method"
        )
    }
    basic = {section.pk for section in sections if section.kind == Section.Kind.BASIC}
    basic_manual: dict[int, int] = defaultdict(int)
    for section_id, manual in items.values():
        if manual and section_id in basic:
            basic_manual[section_id] += 1
    if assessment_ids is None:
        ids = list(Assessment.objects.filter(evaluation=evaluation).values_list("pk", "branch_type").order_by("pk"))
    else:
        # By the ids alone, the round checked on the rows found: beside the round's own
        # filter, the planner walked the round's index and tested each of its rows against
        # the list (2.2 s a chunk of 5,000 at 100,000 members; 100,000 rows for one score).
        ids = [
            (pk, branch_type)
            for pk, branch_type, evaluation_id in Assessment.objects.filter(IdsIn("pk", assessment_ids))
            .values_list("pk", "branch_type", "evaluation_id")
            .order_by("pk")
            if evaluation_id == evaluation.pk
        ]
    known: dict[tuple, dict] = {}
    for chunk in chunked(ids, CHUNK):
        pks = [pk for pk, _type in chunk]
        # Per assessment and section: points, automatic points, findings, manual items scored.
        sums: dict[int, dict[int, list]] = defaultdict(dict)
        for assessment_id, item_id, points, found in (
            ItemScore.objects.filter(IdsIn("assessment_id", pks))
            .values_list("assessment_id", "item_id", "points", "found")
            .order_by()
        ):
            section_id, manual = items[item_id]
            totals = sums[assessment_id].get(section_id)
            if totals is None:
                totals = sums[assessment_id][section_id] = [ZERO, ZERO, 0, 0]
            if points is not None:
                totals[0] += points
                if manual:
                    totals[3] += 1
                else:
                    totals[1] += points
            if found:
                totals[2] += 1
        changed = []
        for pk, branch_type in chunk:
            mine = sums.get(pk, {})
            # Most assessments share their scores with many others: each set is totalled once.
            key = (branch_type, *sorted((section_id, *totals) for section_id, totals in mine.items()))
            result = known.get(key)
            if result is None:
                result = known[key] = _totals(scheme, sections, basic_manual, mine, branch_type, rating_due)
            changed.append((pk, result))
        _update_totals(changed)


TOTAL_FIELDS = ["section_points", "automatic_points", "total", "unscored", "vetoed", "rating"]


def _update_totals(rows: list[tuple[int, dict]]) -> None:
    """Write the totals of a chunk of assessments with one ``UPDATE … FROM`` over the rows sent as JSON.

    Only assessments whose totals moved are written. ``bulk_update`` builds
    a CASE expression per row and field, which costs Django about a
    millisecond per assessment: minutes for a province, where the
    database's own work is seconds.
    """
    if not rows:
        return
    if connection.vendor not in ("postgresql", "sqlite"):
        Assessment.objects.bulk_update([Assessment(pk=pk, **result) for pk, result in rows], TOTAL_FIELDS)
        return
    meta = Assessment._meta
    fields = [meta.pk, *(meta.get_field(name) for name in TOTAL_FIELDS)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    source, values = json_rows(fields)
    named = ", ".join(f"{value} AS {quote(field.column)}" for value, field in zip(values, fields, strict=True))
    columns = [quote(field.column) for field in fields[1:]]
    assignments = ", ".join(f"{column} = v.{column}" for column in columns)
    stored, new = (", ".join(f"{prefix}.{c}" for c in columns) for prefix in (table, "v"))
    if connection.vendor == "postgresql":
        changed = f"({stored}) IS DISTINCT FROM ({new})"
    else:
        changed = " OR ".join(f"{table}.{c} IS NOT v.{c}" for c in columns)
    pk = quote(meta.pk.column)
    # Only quoted names from the model go into the text; the rows are one parameter.
    sql = (
        f"UPDATE {table} SET {assignments} FROM (SELECT {named} FROM {source}) AS v "  # noqa: S608
        f"WHERE {table}.{pk} = v.{pk} AND ({changed})"
    )

    def value(result: dict, name: str):
        item = result[name]
        return f"{item:f}" if isinstance(item, Decimal) else item

    payload = json.dumps([[pk, *(value(result, name) for name in TOTAL_FIELDS)] for pk, result in rows])
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])


def _totals(
    scheme, sections: list[Section], basic_manual: dict[int, int], sums: dict, branch_type: str, rating_due: bool
) -> dict:
    section_points: dict[str, str] = {}
    total = automatic = ZERO
    unscored = 0
    veto = reverse = False
    for section in sections:
        if not section.applies_to(branch_type):
            continue
        points, auto, found, manual_scored = sums.get(section.pk, (ZERO, ZERO, 0, 0))
        if section.kind == Section.Kind.VETO:
            veto = veto or found > 0
            continue
        if section.kind == Section.Kind.REVERSE:
            reverse = reverse or found > 0
            continue
        if section.kind == Section.Kind.DEDUCTION:
            earned = section.cap - min(points, section.cap)
        else:
            earned = min(points, section.cap)
            if section.kind == Section.Kind.BASIC:
                unscored += basic_manual.get(section.pk, 0) - manual_scored
        earned = earned.quantize(TENTH)
        automatic += auto
        section_points[str(section.pk)] = str(earned)
        total += earned
    if veto:
        total = ZERO
    unscored = max(unscored, 0)
    if veto or reverse:
        rating = scheme.floor_rating
    elif rating_due and not unscored:
        rating = scheme.rating_for(total)
    else:
        rating = ""
    return {
        "section_points": section_points,
        "automatic_points": automatic.quantize(TENTH),
        "total": max(total, ZERO),
        "unscored": unscored,
        "vetoed": veto or reverse,
        "rating": rating,
    }


def section_points(assessment: Assessment) -> dict[int, Decimal]:
    return {int(pk): Decimal(points) for pk, points in assessment.section_points.items()}
