"""How long finding one day's political birthdays takes on a large roster, and its query plan.

    .venv/bin/python bench/birthdays.py --members 100000

Runs against a throwaway database: a SQLite file under var/ by default, or a
separate database on the server named by DATABASE_URL (never the one the URL
names itself). Tables are created with migrate and dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from throwaway import create_database, setup_django

INDEX = "member_party_birthday_idx"
# An ordinary day, a common-year 28 February (which also finds 29 February
# members), a leap day, and an activity day.
DATES = (dt.date(2026, 7, 1), dt.date(2026, 2, 28), dt.date(2028, 2, 29), dt.date(2026, 10, 6))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="roster size (default 100000)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per date (default 20)")
    parser.add_argument("--batch", type=int, default=5_000, help="bulk_create batch size (default 5000)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def fill(members: int, batch: int) -> float:
    from django.db import transaction

    from branches.models import Organization
    from members.models import Member

    rng = random.Random(1)
    branch = Organization.objects.create(kind=Organization.Kind.BRANCH, name="基准党支部", code="bench")
    first, last = dt.date(1950, 1, 1).toordinal(), dt.date(2025, 12, 31).toordinal()
    started = time.perf_counter()
    for start in range(0, members, batch):
        rows = []
        for n in range(start, min(start + batch, members)):
            joined = dt.date.fromordinal(rng.randint(first, last))
            rows.append(
                Member(
                    name=f"党员{n}",
                    gender=Member.Gender.MALE,
                    phone=f"+86170{n:08d}",
                    joined_party_on=joined,
                    full_member_on=joined + dt.timedelta(days=365),
                    organization=branch,
                    is_itinerant=n % 3 == 0,
                )
            )
        with transaction.atomic():
            Member.objects.bulk_create(rows, batch_size=batch)
    return time.perf_counter() - started


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def time_query(day: dt.date, runs: int, *, ids_only: bool) -> tuple[float, int]:
    from members.models import Member

    timings = []
    found = 0
    for _ in range(runs):
        queryset = Member.objects.political_birthdays_on(day)
        started = time.perf_counter()
        # Whole rows are what a greeting sweep loads; ids alone show the database's share.
        found = len(list(queryset.values_list("pk", flat=True) if ids_only else queryset))
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), found


def main() -> int:
    args = parse_args()
    setup_django()
    from django.db import connection

    from members.models import Member

    old_name = create_database("birthdays")
    try:
        seconds = fill(args.members, args.batch)
        analyze()
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(f"inserted {args.members} members in {seconds:.1f} s ({args.members / seconds:,.0f} rows/s)")
        print(f"political_birthdays_on(day), median of {args.runs} runs:")
        print("  date        members  whole rows    ids only")
        for day in DATES:
            rows, found = time_query(day, args.runs, ids_only=False)
            ids, _found = time_query(day, args.runs, ids_only=True)
            print(f"  {day}  {found:7d}  {rows * 1000:7.2f} ms  {ids * 1000:7.2f} ms")
        plan = Member.objects.political_birthdays_on(DATES[0]).explain()
        print("plan:")
        print("  " + plan.replace("\n", "\n  "))
        used = INDEX in plan
        print(f"{INDEX} used: {'yes' if used else 'NO'}")
        return 0 if used else 1
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
