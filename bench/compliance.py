"""How long measuring what is due and what was held takes for 1,000 branches, and how many queries it runs.

    .venv/bin/python bench/compliance.py --branches 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/compliance.py

Runs against a throwaway database (a SQLite file under var/, or a separate
database on the server named by DATABASE_URL), created with migrate and
dropped at the end (``--keep`` leaves it).

Seeds ``--branches`` branches under one committee, each with ``--groups``
Party groups and a secretary, the committee with a rule of its own (a
lecture a month), and a year of meetings per branch with ``bulk_create``:
twelve activity days, a 支委会 each month but one, a 支部党员大会 each quarter,
a 党小组会 per group and month, three 党课, the 组织生活会 and the 民主评议党员;
one meeting in ten never closed (its attendance never recorded), one
record in five still a draft.

Then it times, ``--runs`` times each, counting statements:

- ``measure`` for the whole subtree at once (what the spreadsheet does),
- ``measure`` for one page of the committee's list (30 branches),
- the reminder sweep (``remind_short_meetings``) for a day in its window,
  cold (every notice to write) and again (nothing new),

beside FLOOR: one ``SELECT organization_id, kind, month, group_id,
COUNT(*) … GROUP BY`` over the year's meetings, counted in the database
(nothing comes back), and FLOOR fetch, the same groups fetched with a raw
cursor (what reading them costs at least), timed alternately with the runs.
The ratios are what to compare between runs on a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time

from throwaway import create_database
from throwaway import setup_django as setup_bench_django

YEAR = 2026


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=1000, help="branches (default 1000)")
    parser.add_argument("--groups", type=int, default=2, help="Party groups per branch (default 2)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each case and the floor (default 7)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def fill(branches: int, groups: int) -> dict[str, int]:
    from django.db import connection, transaction
    from django.utils import timezone

    from activities.models import Activity, MeetingFrequency
    from branches.models import Organization, Role
    from members.models import User

    zone = timezone.get_default_timezone()
    K, R = Activity.Kind, Activity.RecordStatus
    committee = Organization.objects.create(kind="committee", name="基准党委", code="bench-cp")
    MeetingFrequency.objects.create(organization=committee, kind=K.LECTURE, period="month", times=1)
    with transaction.atomic():
        organizations = [
            Organization.objects.create(kind="branch", name=f"基准第{n}党支部", code=f"bench-cp-{n}", parent=committee)
            for n in range(branches)
        ]
        group_rows = {
            o.pk: [
                Organization.objects.create(kind="group", name=f"第{g}党小组", code=f"bench-cp-{n}-{g}", parent=o)
                for g in range(groups)
            ]
            for n, o in enumerate(organizations)
        }
    users = User.objects.bulk_create(User(phone=f"+86173{n:08d}", name=f"书记{n}") for n in range(branches))
    Role.objects.bulk_create(
        Role(user=user, organization=o, kind=Role.Kind.SECRETARY) for user, o in zip(users, organizations, strict=True)
    )

    def row(organization, kind: str, day: dt.date, n: int, group=None) -> Activity:
        opens = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        closes = opens + dt.timedelta(days=organization.checkin_days + 1)
        return Activity(
            organization=organization,
            kind=kind,
            group=group,
            year=day.year,
            month=day.month,
            date=day,
            opens_at=opens,
            closes_at=closes,
            closed_at=None if n % 10 == 9 else closes,
            record_status=R.DRAFT if n % 5 == 4 else R.APPROVED,
        )

    meetings = []
    n = 0
    for organization in organizations:
        plan = [(K.THEME_DAY, dt.date(YEAR, m, 6), None) for m in range(1, 13)]
        plan += [(K.COMMITTEE, dt.date(YEAR, m, 12), None) for m in range(1, 13) if m != 7]
        plan += [(K.GENERAL, dt.date(YEAR, q * 3, 15), None) for q in range(1, 5)]
        plan += [(K.GROUP, dt.date(YEAR, m, 18), g) for m in range(1, 13) for g in group_rows[organization.pk]]
        plan += [(K.LECTURE, dt.date(YEAR, m, 20), None) for m in (2, 5, 8)]
        plan += [(K.LIFE_MEETING, dt.date(YEAR, 12, 22), None), (K.REVIEW, dt.date(YEAR, 12, 28), None)]
        for kind, day, group in plan:
            meetings.append(row(organization, kind, day, n, group))
            n += 1
    Activity.objects.bulk_create(meetings, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"branches": branches, "groups": branches * groups, "meetings": len(meetings)}


def timed(function) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def floor(fetch: bool = False) -> float:
    """The year's meetings counted per branch, kind, month and group: in the database, or fetched (``fetch``)."""
    from django.db import connection

    from activities.models import Activity

    table = connection.ops.quote_name(Activity._meta.db_table)
    grouped = (
        f"SELECT organization_id, kind, month, group_id, COUNT(*) FROM {table} "  # noqa: S608
        "WHERE year = %s GROUP BY organization_id, kind, month, group_id"
    )
    sql = grouped if fetch else f"SELECT COUNT(*) FROM ({grouped}) s"  # noqa: S608
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, [YEAR])
        cursor.fetchall()
        return time.perf_counter() - started


def main() -> int:
    args = parse_args()
    setup_bench_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = create_database("compliance")
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        started = time.perf_counter()
        rows = fill(args.branches, args.groups)
        print(f"seeded in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{k} {v}" for k, v in rows.items()))
        from django.urls import reverse

        from activities.meetings import compliance
        from branches.models import Organization
        from notifications.models import Notification

        reverse("home")  # the URLconf loads once per process, not in the timed work
        today = dt.date(YEAR, 12, 20)
        committee = Organization.objects.get(code="bench-cp")
        branches = list(compliance.branches_under(committee))
        page = branches[:30]

        def whole():
            return compliance.measure(branches, YEAR, today, within=committee)

        def one_page():
            return compliance.measure(page, YEAR, today)

        def sweep():
            return compliance.remind_short_meetings(today)

        floor()  # warm the cache for every case alike
        cases: dict[str, list[tuple[float, int, object]]] = {"whole": [], "page": [], "again": []}
        floors, fetches = [], []
        cold = timed(sweep)
        for _ in range(args.runs):
            cases["whole"].append(timed(whole))
            cases["page"].append(timed(one_page))
            cases["again"].append(timed(sweep))
            floors.append(floor())
            fetches.append(floor(fetch=True))
        median_floor = statistics.median(floors)
        median_fetch = statistics.median(fetches)
        measured = cases["whole"][0][2]
        overdue = sum(1 for c in measured.values() if c.overdue)
        print(f"branches with an overdue period: {overdue} of {len(measured)}")
        print(f"FLOOR:               {median_floor * 1000:8.1f} ms (median of {args.runs}; one grouped count)")
        print(f"FLOOR fetch:         {median_fetch * 1000:8.1f} ms (the same groups fetched, a raw cursor)")
        labels = {
            "whole": f"measure, {len(branches)} branches",
            "page": f"measure, {len(page)} branches",
            "again": "sweep again (0 new)",
        }
        for key, runs in cases.items():
            median = statistics.median(r[0] for r in runs)
            print(
                f"{labels[key]:<24} {median * 1000:8.1f} ms (median of {args.runs}), {runs[0][1]:3d} queries, "
                f"{median / median_floor:6.1f} × FLOOR, {median / median_fetch:5.1f} × FLOOR fetch"
            )
        notices = Notification.objects.filter(kind=compliance.NOTICE_KIND).count()
        print(f"{'sweep cold':<24} {cold[0] * 1000:8.1f} ms, {cold[1]:3d} queries, {cold[2]} ({notices} notices)")
        return 0
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
