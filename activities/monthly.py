"""Monthly facts per member (``MemberMonth``), rebuilt from the records for the annual evaluation.

The evaluation's member rules ask, per member and month of a year: activity
days by outcome, material sent and studied, and whether there was a
check-in, a report or a contact. Read from the records, that is some forty
rows per member and year, fetched chunk by chunk with ``IN`` lists of
thousands of ids; for a province, most of the time it took to score. Here
each source is grouped once, by member and month, in the database, and the
whole year of the round's members is written with one
``INSERT … SELECT … UNION ALL … GROUP BY``: the rows never pass through
Python, and scoring then reads about twelve rows per member.

The facts are a cache of the records, not a second truth: the evaluation
rebuilds them for its members and year right before it scores, in the same
job, so whatever changed in the records since (an attendance corrected, a
report deleted, a contact logged) is in them. A rebuild is idempotent: it
replaces the rows it covers, and an upsert on the unique key lets two
rebuilds of the same members meet without an error.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, ExtractMonth
from django.utils import timezone

from members.models import Contact

from .models import Attendance, CheckIn, MaterialDelivery, MemberMonth, Report

# The counting columns, in the order every source's SELECT yields them.
COUNTS = (
    "attended",
    "made_up",
    "excused",
    "absent",
    "delivered",
    "studied",
    "unstudied_excused",
    "checkins",
    "reports",
    "contacts",
)


# Rows added beyond a tenth of the table's that make a rebuild analyze it (autovacuum's own threshold).
ANALYZE_AFTER = 50

# The advisory lock's first key (its second is the year): "MM" in ASCII.
LOCK = 0x4D4D


def month_of(when: str, year: int):
    """The month (Asia/Shanghai) of a timestamp of ``year``.

    SQLite converts a time zone in Python, row by row, which made
    ``ExtractMonth`` most of a province's contact rule there (52 s to open a
    100,000-member round, 33 s with comparisons); PostgreSQL does it natively
    and is slower with eleven comparisons (81 s against 95 s), so each gets
    its own.
    """
    if connection.vendor != "sqlite":
        # EXTRACT gives a numeric, which groups and joins slower than an integer.
        return Cast(ExtractMonth(when), IntegerField())
    zone = timezone.get_default_timezone()
    firsts = [dt.datetime(year, month + 1, 1, tzinfo=zone) for month in range(1, 12)]
    return Case(
        *(When(**{f"{when}__lt": first}, then=Value(month)) for month, first in enumerate(firsts, start=1)),
        default=Value(12),
        output_field=IntegerField(),
    )


def day_month(day: str, year: int):
    """The month of a date counted from ``year``: 1 to 12 inside it, 0 for any day before, 13 for any after.

    An activity day belongs to its activity's year but may be moved a week
    across the year's ends; whatever is before the year is before any
    cut-off in it, whatever is after is after, so 0 and 13 are all a rule
    needs to know of them.
    """
    firsts = [dt.date(year, month, 1) for month in range(1, 13)] + [dt.date(year + 1, 1, 1)]
    return Case(
        *(When(**{f"{day}__lt": first}, then=Value(month)) for month, first in enumerate(firsts)),
        default=Value(13),
        output_field=IntegerField(),
    )


def _sources(year: int, members: QuerySet) -> list[QuerySet]:
    """One query per kind of record: a row per record, (member, month, 1 or 0 for every count).

    Grouping each source first gains nothing: a member has about one
    record of a kind a month, so every source would group into as many
    rows as it has. One ``GROUP BY`` over all of them costs half as much.
    """
    zone = timezone.get_default_timezone()
    start, end = dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)
    zero, one = Value(0, output_field=IntegerField()), Value(1, output_field=IntegerField())

    def flag(condition: Q) -> Case:
        return Case(When(condition, then=one), default=zero, output_field=IntegerField())

    def rows(records: QuerySet, month, **counts) -> QuerySet:
        columns = {f"n_{name}": counts.get(name, zero) for name in COUNTS}
        return (
            records.filter(member_id__in=members)
            .annotate(fact_month=month, **columns)
            .values_list("member_id", "fact_month", *columns)
            .order_by()
        )

    def of_the_year(model, when: str) -> QuerySet:
        return model.objects.filter(**{f"{when}__gte": start, f"{when}__lt": end})

    outcome = Attendance.Outcome
    excused = Attendance.objects.filter(
        member_id=OuterRef("member_id"), activity_id=OuterRef("activity_id"), outcome=outcome.EXCUSED
    )
    return [
        rows(
            Attendance.objects.filter(activity__year=year),
            day_month("activity__date", year),
            **{name: flag(Q(outcome=name)) for name in outcome.values},
        ),
        rows(
            of_the_year(MaterialDelivery, "delivered_at"),
            month_of("delivered_at", year),
            delivered=one,
            studied=flag(Q(studied_at__isnull=False)),
            # The cheap test first: the subquery runs only for what was not studied.
            unstudied_excused=flag(Q(studied_at__isnull=True) & Q(Exists(excused))),
        ),
        rows(of_the_year(CheckIn, "checked_in_at"), month_of("checked_in_at", year), checkins=one),
        rows(of_the_year(Report, "submitted_at"), month_of("submitted_at", year), reports=one),
        rows(of_the_year(Contact, "at"), month_of("at", year), contacts=one),
    ]


def _fresh(year: int, members: QuerySet) -> tuple[str, list]:
    """The year's facts of ``members`` as the records say now: one SELECT, grouped once."""
    parts = [source.query.sql_with_params() for source in _sources(year, members)]
    quote = connection.ops.quote_name
    sums = ", ".join(f"SUM({quote(f'n_{name}')}) AS {quote(f'n_{name}')}" for name in COUNTS)
    union = " UNION ALL ".join(sql for sql, _params in parts)
    member, month = quote("member_id"), quote("fact_month")
    # Only quoted names go into the text; every value is a parameter. The WHERE
    # keeps SQLite from reading a following ON CONFLICT as a join's ON.
    sql = (
        f"SELECT {member}, {month}, {sums} FROM ({union}) AS records "  # noqa: S608
        f"WHERE 1 = 1 GROUP BY {member}, {month}"
    )
    return sql, [param for _sql, params in parts for param in params]


@transaction.atomic
def refresh_member_months(year: int, members: QuerySet) -> None:
    """Bring ``year``'s monthly facts of ``members`` (a query yielding member ids) in step with the records.

    On PostgreSQL one statement writes only what changed: new rows, rows
    whose counts moved (an update in place), and deletes the rows of months
    whose records are all gone. Rewriting every row instead left a dead
    copy of each behind, and each rescoring's inserts then had to step over
    all the earlier ones in the unique index. SQLite has no such copies,
    and replaces the rows.
    """
    if connection.vendor != "postgresql":
        MemberMonth.objects.filter(year=year, member_id__in=members).delete()
        sql, params = _insert(year, members)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with connection.cursor() as cursor:
        # One rebuild of a year at a time: two could otherwise both insert a new month's row.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK, year])
        sql, params = _merge(year, members)
        cursor.execute(sql, params)
        added, known = cursor.fetchone()
        # A rebuild that grew the table by more than a tenth (a province's first round) is
        # followed at once by an ANALYZE, as autovacuum would do later: the scoring and any
        # rebuild right after plan against the statistics, and with the table taken for
        # nearly empty the next rebuild's anti-joins became nested loops over a million
        # rows each (hours at 100,000 members instead of seconds). Rows written in this
        # transaction are counted by an ANALYZE in it.
        if added > ANALYZE_AFTER + max(known, 0) / 10:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(MemberMonth._meta.db_table)}")


def _names() -> tuple[str, str, str, str, list[str]]:
    meta = MemberMonth._meta
    quote = connection.ops.quote_name
    member, year, month = (quote(meta.get_field(name).column) for name in ("member", "year", "month"))
    return quote(meta.db_table), member, year, month, [quote(meta.get_field(name).column) for name in COUNTS]


def _insert(year: int, members: QuerySet) -> tuple[str, list]:
    """``INSERT … SELECT`` of the fresh facts; a row that is there already takes the new counts."""
    table, member, year_column, month, counted = _names()
    fresh, params = _fresh(year, members)
    columns = ", ".join([member, year_column, month, *counted])
    values = ", ".join(connection.ops.quote_name(f"n_{name}") for name in COUNTS)
    updates = ", ".join(f"{column} = excluded.{column}" for column in counted)
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT member_id, %s, fact_month, {values} FROM ({fresh}) AS fresh WHERE 1 = 1 "
        f"ON CONFLICT ({member}, {year_column}, {month}) DO UPDATE SET {updates}"
    )
    return sql, [year, *params]


def _merge(year: int, members: QuerySet) -> tuple[str, list]:
    """One statement: the fresh facts compared with the stored ones by one join, and only the differences written.

    A full join of the fresh facts with the members' stored rows keeps the
    rows that differ (new, changed, or with no record left); the update,
    insert and delete then each read only those. The three see the table as
    it was, so they never touch the same row. A full join is never planned
    as a nested loop, so however wrong the statistics, comparing a
    province's million rows stays one hash or merge join (three joins with
    ``NOT EXISTS`` took two thirds of a rebuild, and hours when the
    statistics took the table for empty).
    """
    table, member, year_column, month, counted = _names()
    fresh, params = _fresh(year, members)
    quote = connection.ops.quote_name
    values = [quote(f"n_{name}") for name in COUNTS]
    subjects, subject_params = members.order_by().query.sql_with_params()
    stored_counts = ", ".join(f"stored.{column}" for column in counted)
    fresh_counts = ", ".join(f"fresh.{value}" for value in values)
    updates = ", ".join(f"{column} = diff.{value}" for column, value in zip(counted, values, strict=True))
    columns = ", ".join([member, year_column, month, *counted])
    diff_values = ", ".join(f"diff.{value}" for value in values)
    same_row = (
        f"{table}.{member} = diff.stored_member AND {table}.{year_column} = %s AND {table}.{month} = diff.stored_month"
    )
    sql = (
        f"WITH fresh AS MATERIALIZED ({fresh}), "  # noqa: S608
        f"stored AS (SELECT {member}, {month}, {', '.join(counted)} FROM {table} "
        f"WHERE {year_column} = %s AND {member} IN ({subjects})), "
        f"diff AS MATERIALIZED (SELECT fresh.member_id, fresh.fact_month, {fresh_counts}, "
        f"stored.{member} AS stored_member, stored.{month} AS stored_month "
        f"FROM fresh FULL JOIN stored ON stored.{member} = fresh.member_id AND stored.{month} = fresh.fact_month "
        f"WHERE fresh.member_id IS NULL OR stored.{member} IS NULL "
        f"OR ({stored_counts}) IS DISTINCT FROM ({fresh_counts})), "
        f"changed AS (UPDATE {table} SET {updates} FROM diff "
        f"WHERE diff.member_id IS NOT NULL AND {same_row}), "
        f"added AS (INSERT INTO {table} ({columns}) SELECT diff.member_id, %s, diff.fact_month, {diff_values} "
        f"FROM diff WHERE diff.stored_member IS NULL RETURNING 1), "
        f"gone AS (DELETE FROM {table} USING diff WHERE diff.member_id IS NULL AND {same_row}) "
        # How many rows were added, and how many the statistics give the table (-1: never analyzed).
        f"SELECT (SELECT COUNT(*) FROM added), (SELECT reltuples FROM pg_class WHERE oid = %s::regclass)"
    )
    return sql, [*params, year, *subject_params, year, year, year, MemberMonth._meta.db_table]
