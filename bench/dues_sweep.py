"""How long the monthly dues sweep takes for 100,000 members, beside what writing that many rows costs at least.

    .venv/bin/python bench/dues_sweep.py --members 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/dues_sweep.py

Runs against a throwaway database (a SQLite file under var/, or a separate
database on the server named by DATABASE_URL), created with migrate and
dropped at the end (``--keep`` leaves it).

Seeds N members round-robin over ``--branches`` branches under one committee
(``bulk_create``), then their dues bases set-based with one ``INSERT …
SELECT``: mostly salaries spread over every bracket, one in twenty retired,
one in fifty a student on the fixed 0.20, one in a hundred exempt this month;
and the dues of the two months before this one (``INSERT … SELECT``), so the
sweep's catch-up months are already done, as after a month of a running beat.

Then it times ``write_due_months(today)`` twice: cold (this month's N dues
to write) and again (nothing to write), counting the statements of each.
Beside them, two floors timed in the same run:

- FLOOR insert: one ``INSERT … SELECT`` of N due rows for another month from
  the members (the least a set-based write of the month costs; deleted again);
- FLOOR read: the members' ids and branches and their confirmed bases read
  into Python once (the least any sweep computing dues in Python reads).

The ratio cold sweep / FLOOR insert is the figure to compare on a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

from throwaway import create_database
from throwaway import setup_django as setup_bench_django


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="members (default 100000)")
    parser.add_argument("--branches", type=int, default=100, help="branches they are spread over (default 100)")
    parser.add_argument("--batch", type=int, default=5_000, help="bulk_create batch size for members (default 5000)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def fill(members: int, branches: int, batch: int, today: dt.date) -> tuple[list[int], float, float]:
    """The committee, its branches, the members and their bases; returns branch ids and the seconds of each part."""
    from django.db import transaction
    from django.db.models import BigIntegerField, Case, CharField, DateTimeField, F, IntegerField, Value, When
    from django.db.models.functions import Mod
    from django.utils import timezone

    from branches.bulk import insert_from_select
    from branches.models import Organization
    from dues.models import Basis, Category, Relief
    from members.models import Member

    committee = Organization.objects.create(kind="committee", name="基准党委", code="bench-dues")
    organizations = [
        Organization.objects.create(kind="branch", name=f"基准第{n}党支部", code=f"bench-dues-{n}", parent=committee)
        for n in range(branches)
    ]
    ids = [organization.pk for organization in organizations]
    started = time.perf_counter()
    first_day = dt.date(1975, 1, 1).toordinal()
    for start in range(0, members, batch):
        rows = [
            Member(
                name=f"党员{n}",
                gender=Member.Gender.MALE,
                phone=f"+86172{n:08d}",
                joined_party_on=dt.date.fromordinal(first_day + n % 15000),
                organization_id=ids[n % branches],
                is_itinerant=n % 3 == 0,
            )
            for n in range(start, min(start + batch, members))
        ]
        with transaction.atomic():
            Member.objects.bulk_create(rows, batch_size=batch)
    member_seconds = time.perf_counter() - started

    started = time.perf_counter()
    now = timezone.now()
    since = dt.date(today.year - 1, 1, 1)
    category = Case(
        When(_kind__lt=2, then=Value(Category.STUDENT.value)),
        When(_kind__lt=7, then=Value(Category.RETIRED.value)),
        default=Value(Category.SALARY.value),
        output_field=CharField(),
    )
    # Incomes from 1,500 to about 16,000 yuan: every bracket of both tables.
    income = Case(
        When(_kind__lt=2, then=Value(None)),
        default=Value(150000) + Mod(F("pk") * 7919, 1450000),
        output_field=BigIntegerField(),
    )
    fixed = Case(When(_kind__lt=2, then=Value(20)), default=Value(None), output_field=IntegerField())
    with transaction.atomic():
        insert_from_select(
            Basis,
            [
                "member",
                "category",
                "income_fen",
                "fixed_fen",
                "applies_from",
                "status",
                "note",
                "entered_at",
                "decision_note",
            ],
            Member.objects.order_by()
            # A WHERE clause: SQLite reads INSERT … SELECT … ON CONFLICT without one as a join's ON.
            .filter(pk__gt=0)
            .annotate(_kind=Mod(F("pk"), 100))
            .annotate(
                _category=category,
                _income=income,
                _fixed=fixed,
                _from=Value(since),
                _status=Value(Basis.Status.CONFIRMED.value, output_field=CharField()),
                _note=Value("", output_field=CharField()),
                _at=Value(now, output_field=DateTimeField()),
                _decision=Value("", output_field=CharField()),
            )
            .values_list("pk", "_category", "_income", "_fixed", "_from", "_status", "_note", "_at", "_decision"),
        )
        month = today.replace(day=1)
        insert_from_select(
            Relief,
            ["member", "kind", "first_month", "last_month", "reason", "approved_on", "approved_by_name", "entered_at"],
            Member.objects.order_by()
            .filter(pk__gt=0)
            .annotate(_k=Mod(F("pk"), 100))
            .filter(_k=50)
            .annotate(
                _kind=Value(Relief.Kind.EXEMPT.value, output_field=CharField()),
                _first=Value(month),
                _last=Value(month),
                _reason=Value("基准：困难免交", output_field=CharField()),
                _on=Value(month),
                _by=Value("基准党委", output_field=CharField()),
                _at=Value(now, output_field=DateTimeField()),
            )
            .values_list("pk", "_kind", "_first", "_last", "_reason", "_on", "_by", "_at"),
        )
    return ids, member_seconds, time.perf_counter() - started


def insert_dues(month: dt.date) -> int:
    """One INSERT … SELECT of every member's due for ``month`` (a fixed amount, no basis): the floor's write."""
    from django.db import transaction
    from django.db.models import DateTimeField, JSONField, Value
    from django.utils import timezone

    from branches.bulk import insert_from_select
    from dues.models import Due
    from members.models import Member

    with transaction.atomic():
        return insert_from_select(
            Due,
            ["member", "organization", "month", "amount_fen", "how", "created_at"],
            Member.objects.order_by()
            .filter(pk__gt=0)
            .annotate(
                _month=Value(month),
                _amount=Value(1000),
                _how=Value({}, output_field=JSONField()),
                _at=Value(timezone.now(), output_field=DateTimeField()),
            )
            .values_list("pk", "organization_id", "_month", "_amount", "_how", "_at"),
        )


def read_floor() -> int:
    from dues.models import Basis
    from members.models import Member

    members = list(Member.objects.active().order_by("pk").values_list("pk", "organization_id"))
    bases = list(Basis.objects.filter(status=Basis.Status.CONFIRMED).values_list("member_id", "category", "income_fen"))
    return len(members) + len(bases)


def timed(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run(members: int, branches: int, batch: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from branches.dates import shift_month
    from dues import services
    from dues.models import Due

    today = timezone.localdate()
    _ids, member_seconds, basis_seconds = fill(members, branches, batch, today)
    for offset in (-2, -1):
        insert_dues(dt.date(*shift_month(today.year, today.month, offset), 1))
    analyze()
    print(f"fill: {members:,} members in {branches} branches {member_seconds:.1f} s, bases {basis_seconds:.1f} s")

    floor_month = dt.date(1990, 1, 1)
    floor_insert, floor_insert_queries, floor_rows = timed(lambda: insert_dues(floor_month))
    Due.objects.filter(month=floor_month).delete()
    floor_read, floor_read_queries, read_rows = timed(read_floor)
    analyze()

    cold, cold_queries, cold_result = timed(lambda: services.write_due_months(today))
    again, again_queries, again_result = timed(lambda: services.write_due_months(today))
    written = Due.objects.filter(month=today.replace(day=1)).count()

    print(f"database: {connection.vendor}; month {today:%Y-%m}; batch {services.BATCH}")
    rows = (
        (f"FLOOR insert (INSERT … SELECT, {floor_rows:,} rows)", floor_insert, floor_insert_queries),
        (f"FLOOR read (members and bases, {read_rows:,} rows)", floor_read, floor_read_queries),
        (f"write_due_months, cold ({cold_result['dues_written']:,} written)", cold, cold_queries),
        (f"write_due_months, again ({again_result['dues_written']:,} written)", again, again_queries),
    )
    for label, seconds, statements in rows:
        print(
            f"  {label:52s} {seconds:8.2f} s {statements:6d} statements"
            f"  {seconds / floor_insert:6.1f} x FLOOR insert  {seconds / floor_read:6.1f} x FLOOR read"
        )
    print(f"  dues of the month in the table: {written:,}; load average {os.getloadavg()[0]:.1f}")


def main() -> int:
    args = parse_args()
    setup_bench_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = create_database("dues-sweep")
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        run(args.members, args.branches, args.batch)
        return 0
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
