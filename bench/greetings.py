"""Political-birthday greetings on a large roster: the day's query, card rendering, and greeting one whole day.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/greetings.py --members 1000000
    .venv/bin/python bench/greetings.py --members 100000          # SQLite

Runs against a throwaway database like bench/birthdays.py. On PostgreSQL the
roster goes in with COPY; on SQLite with large bulk_create batches.

Cards: the median of ``--renders`` renders of one card, and its size.
End to end: the "birthdays" sweep for one day, in this process, with the
card tasks run in this process too (Celery eager: one worker's work, one
card after the other), timed from the sweep's start to the last card stored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from birthdays import analyze
from throwaway import ROOT, create_database, setup_django

DAY = dt.date(2026, 7, 1)
INDEX = "member_party_birthday_idx"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000, help="roster size (default 1000000)")
    parser.add_argument("--branches", type=int, default=1_000, help="branches (default 1000)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of the day's query (default 20)")
    parser.add_argument("--renders", type=int, default=100, help="timed card renders (default 100)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def members_rows(members: int, branch_ids: list[int]):
    rng = random.Random(1)
    first, last = dt.date(1950, 1, 1).toordinal(), dt.date(2025, 12, 31).toordinal()
    now = dt.datetime.now(dt.UTC)
    for n in range(members):
        joined = dt.date.fromordinal(rng.randint(first, last))
        active = n % 50 != 0  # 2 % transferred out
        yield (
            f"党员{n}",
            "M",
            f"+86170{n:08d}",
            joined,
            joined + dt.timedelta(days=365),
            "full",
            branch_ids[n % len(branch_ids)],
            n % 3 == 0,
            "",
            "",
            "",
            "",
            "",
            False,
            "",
            "active" if active else "transferred_out",
            now,
            now,
        )


COLUMNS = (
    "name",
    "gender",
    "phone",
    "joined_party_on",
    "full_member_on",
    "status",
    "organization_id",
    "is_itinerant",
    "province",
    "city",
    "workplace",
    "emergency_contact",
    "emergency_phone",
    "in_hardship",
    "hardship_note",
    "state",
    "created_at",
    "updated_at",
)


def fill(members: int, branches: int) -> float:
    from django.db import connection, transaction

    from branches.models import Organization
    from members.models import Member

    started = time.perf_counter()
    Organization.objects.bulk_create(
        [Organization(kind=Organization.Kind.BRANCH, name=f"第{n}网络党支部", code=f"b{n}") for n in range(branches)]
    )
    branch_ids = list(Organization.objects.values_list("pk", flat=True))
    rows = members_rows(members, branch_ids)
    if connection.vendor == "postgresql":
        columns = ", ".join(COLUMNS)
        with connection.cursor() as cursor, cursor.copy(f"COPY members_member ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        batch = []
        for row in rows:
            batch.append(Member(**dict(zip(COLUMNS, row, strict=True))))
            if len(batch) == 20_000:
                with transaction.atomic():
                    Member.objects.bulk_create(batch)
                batch = []
        with transaction.atomic():
            Member.objects.bulk_create(batch)
    return time.perf_counter() - started


def time_query(runs: int) -> tuple[float, int, str]:
    from notifications.greetings import eligible_members

    timings = []
    found = 0
    for _ in range(runs):
        started = time.perf_counter()
        found = len(list(eligible_members(DAY).order_by("pk").values_list("pk", "joined_party_on")))
        timings.append(time.perf_counter() - started)
    plan = (
        eligible_members(DAY).order_by("pk").values_list("pk", "joined_party_on").explain(analyze=True)
        if (_vendor() == "postgresql")
        else eligible_members(DAY).explain()
    )
    return statistics.median(timings), found, plan


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def time_renders(renders: int) -> tuple[float, int]:
    from members.models import Member
    from notifications import cards
    from notifications.models import Greeting

    member = Member.objects.select_related("organization").first()
    greeting = Greeting(
        member=member,
        year=2026,
        anniversary=DAY,
        party_age=30,
        personal_line="三十年来你走南闯北，始终把支部放在心上。支部全体同志为你骄傲！",
    )
    cards.render_card(greeting)  # loads the fonts once, as a worker does on its first card
    timings = []
    data = b""
    for _ in range(renders):
        started = time.perf_counter()
        data = cards.render_card(greeting)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), len(data)


def greet_one_day() -> tuple[float, dict, int, float]:
    from django.conf import settings

    from config.celery_app import app
    from notifications.models import Greeting

    app.conf.task_always_eager = True
    from django.utils import timezone

    from notifications import greetings

    started = time.perf_counter()
    # What the sweep does for a day once the days before it are done (a fresh
    # roster would otherwise greet the whole catch-up week): greet the day, then
    # queue its cards. Autocommit outside any transaction, so delay_on_commit
    # runs each card task at once, here.
    sent = greetings.greet_day(DAY, days_late=0, now=timezone.now(), chunk_size=settings.FANOUT_CHUNK)
    queued = greetings.queue_missing_cards(DAY)
    result = {"greeted": sent, "cards_queued": queued}
    seconds = time.perf_counter() - started
    with_card = Greeting.objects.exclude(card="").count()
    sizes = [g.card.size for g in Greeting.objects.exclude(card="")[:50]]
    return seconds, result, with_card, statistics.mean(sizes) if sizes else 0


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    setup_django()
    import tempfile

    from django.conf import settings
    from django.db import connection

    # Cards go to a private folder, not the project's media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-cards-")
    old_name = create_database("greetings")
    try:
        seconds = fill(args.members, args.branches)
        analyze()
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(f"inserted {args.members:,} members in {args.branches:,} branches in {seconds:.1f} s")
        query, found, plan = time_query(args.runs)
        print(f"whose anniversary is {DAY} (active): {found:,} members, median of {args.runs}: {query * 1000:.1f} ms")
        print("plan:")
        print("  " + plan.replace("\n", "\n  "))
        print(f"{INDEX} used: {'yes' if INDEX in plan else 'NO'}")
        render, size = time_renders(args.renders)
        print(f"card: median of {args.renders} renders {render * 1000:.0f} ms, {size / 1024:.0f} KiB")
        total, result, with_card, mean_size = greet_one_day()
        print(
            f"greeting {DAY} end to end (sweep + {with_card:,} cards, one process): {total:.1f} s "
            f"({total / max(with_card, 1) * 1000:.0f} ms a member); sweep result {result}; "
            f"mean stored card {mean_size / 1024:.0f} KiB"
        )
        return 0 if INDEX in plan else 1
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
