"""How long the morning ``transfers`` sweep takes, and how many statements it runs, on a large installation.

    .venv/bin/python bench/transfers_sweep.py --members 100000 --letters 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/transfers_sweep.py

Runs against a throwaway database (a SQLite file under var/, or a separate
database on the server named by DATABASE_URL), created with migrate and
dropped at the end (``--keep`` leaves it).

Seeds N members over ``--branches`` branches under one committee, each branch
with a secretary, and 4 x L transfers: L letters running out within the
warning days, L that ran out yesterday, L valid for months yet, and L already
received. Then it times the sweep twice: cold (L warnings and L expiries to
tell) and again (nothing to do), counting the statements of each. The work
grows with the letters due, not with the members: the second run is the
floor of what any morning costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from throwaway import create_database
from throwaway import setup_django as setup_bench_django


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="members (default 100000)")
    parser.add_argument("--branches", type=int, default=100, help="branches (default 100)")
    parser.add_argument("--letters", type=int, default=500, help="letters of each kind (default 500)")
    parser.add_argument("--batch", type=int, default=5_000, help="bulk_create batch size (default 5000)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def fill(members: int, branches: int, letters: int, batch: int, today: dt.date) -> None:
    from django.db import transaction
    from django.utils import timezone

    from branches.models import Organization, Role
    from itinerant.models import Transfer
    from members.models import Member, User

    committee = Organization.objects.create(kind="committee", name="基准党委", code="bench-tr")
    organizations = [
        Organization.objects.create(kind="branch", name=f"基准第{n}党支部", code=f"bench-tr-{n}", parent=committee)
        for n in range(branches)
    ]
    ids = [o.pk for o in organizations]
    secretaries = User.objects.bulk_create(User(phone=f"+86171{n:08d}", name=f"书记{n}") for n in range(branches))
    Role.objects.bulk_create(
        Role(user=user, organization_id=pk, kind=Role.Kind.SECRETARY) for user, pk in zip(secretaries, ids, strict=True)
    )
    first_day = dt.date(1975, 1, 1).toordinal()
    for start in range(0, members, batch):
        rows = [
            Member(
                name=f"党员{n}",
                gender=Member.Gender.MALE,
                phone=f"+86172{n:08d}",
                joined_party_on=dt.date.fromordinal(first_day + n % 15000),
                organization_id=ids[n % branches],
                is_itinerant=True,
            )
            for n in range(start, min(start + batch, members))
        ]
        with transaction.atomic():
            Member.objects.bulk_create(rows, batch_size=batch)
    now = timezone.now()
    kinds = [
        (Transfer.State.ISSUED, today + dt.timedelta(days=7)),
        (Transfer.State.ISSUED, today - dt.timedelta(days=1)),
        (Transfer.State.ISSUED, today + dt.timedelta(days=60)),
        (Transfer.State.RECEIVED, today - dt.timedelta(days=1)),
    ]
    picked = list(Member.objects.order_by("pk").values_list("pk", "organization_id")[: 4 * letters])
    Transfer.objects.bulk_create(
        Transfer(
            member_id=pk,
            from_organization_id=organization_id,
            to_name="基准外单位党委",
            state=kinds[i // letters][0],
            letter_number=f"B-{i}",
            issued_on=kinds[i // letters][1] - dt.timedelta(days=91),
            valid_until=kinds[i // letters][1],
            requested_at=now,
        )
        for i, (pk, organization_id) in enumerate(picked)
    )


def timed(today: dt.date) -> tuple[float, int, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from branches.sweeps import run_sweep

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = run_sweep("transfers", today)
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def main() -> int:
    args = parse_args()
    setup_bench_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = create_database("transfers-sweep")
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        today = dt.date(2026, 6, 15)
        started = time.perf_counter()
        fill(args.members, args.branches, args.letters, args.batch, today)
        print(
            f"seeded {args.members} members, {args.branches} branches, {4 * args.letters} transfers "
            f"in {time.perf_counter() - started:.1f} s"
        )
        from django.urls import reverse

        reverse("home")  # the URLconf loads once per process, not in the sweep's time
        cold = timed(today)
        again = timed(today)
        print(f"cold sweep: {cold[0] * 1000:8.0f} ms, {cold[1]:5d} statements, {cold[2]}")
        print(f"again:      {again[0] * 1000:8.0f} ms, {again[1]:5d} statements, {again[2]}")
        print(f"statements per letter told: {(cold[1] - again[1]) / max(2 * args.letters, 1):.1f}")
        return 0
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
