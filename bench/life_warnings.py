"""How long the daily ``life_warnings`` sweep takes for 100,000 members, and how many statements it runs.

    .venv/bin/python bench/life_warnings.py --members 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/life_warnings.py

Runs against a throwaway database (a SQLite file under var/, or a separate
database on the server named by DATABASE_URL), created with migrate and
dropped at the end (``--keep`` leaves it).

Seeds N members round-robin over ``--branches`` branches under one
committee (each branch with a secretary), on the roster for two years, and
their records set-based, one ``INSERT … SELECT`` per kind: six closed
activity days per branch with attendance (8 in 10 attended, 1 absent, 1 on
approved leave) and a check-in for each attendance, a confirmed dues payment
per member and month, a report per member and quarter, a contact for one
member in three, a confirmed move report for one in a hundred and a permit
for one in fifty. One member in twenty has drifted away: no record at all
but a contact four to twelve months ago, so the cold run raises talks and
cases for them; a fifth of those hold a permit checked last month, which
holds their warning off.

Then it times the sweep (``warnings_.raise_warnings``) twice, counting the
statements of each: cold (every drifted member's warning and its notices to
write) and again (nothing new: what every later morning costs). Beside them,
FLOOR: one grouped ``MAX`` over the largest source table (the dues payments),
counted in the database so no row comes back, timed in the same run. The
ratio again / FLOOR is the figure to compare between runs on a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time

from throwaway import create_database
from throwaway import setup_django as setup_bench_django


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="members (default 100000)")
    parser.add_argument("--branches", type=int, default=100, help="branches they are spread over (default 100)")
    parser.add_argument("--months", type=int, default=6, help="closed activity months per branch (default 6)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of the replay and the floor (default 5)")
    parser.add_argument("--batch", type=int, default=5_000, help="bulk_create batch size for members (default 5000)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def insert(model, queryset, **columns) -> int:
    """``INSERT INTO model SELECT …`` from ``queryset``: ``columns`` by field name, every other field its default."""
    from django.db.models import Value
    from django.db.models.functions import Cast

    from branches.bulk import insert_from_select

    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        if field.name in columns:
            values[field.name] = columns[field.name]
        elif field.null:
            values[field.name] = Cast(Value(None), output_field=field)
        elif field.get_default() is not None:
            # The model's default, or "" for text fields without one, as Django would save it.
            values[field.name] = Value(field.get_default(), output_field=field)
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    names = {f"_c{n}": expression for n, expression in enumerate(values.values())}
    select = queryset.order_by().annotate(**names).values_list(*names)
    return insert_from_select(model, list(values), select)


def fill(members: int, branches: int, months: int, batch: int, today: dt.date) -> dict[str, int]:
    from django.db import connection, transaction
    from django.db.models import (
        Case,
        CharField,
        DateField,
        DateTimeField,
        F,
        IntegerField,
        OuterRef,
        Q,
        Subquery,
        Value,
        When,
    )
    from django.db.models.functions import Mod, TruncDate
    from django.utils import timezone

    from activities.models import Activity, Attendance, CheckIn, Leave, Report
    from branches.dates import add_months, shift_month
    from branches.models import Organization, Role
    from dues.models import Payment
    from itinerant.models import MoveReport, Permit
    from members.models import Contact, Member, User

    zone = timezone.get_default_timezone()
    committee = Organization.objects.create(kind="committee", name="基准党委", code="bench-lw")
    organizations = [
        Organization.objects.create(kind="branch", name=f"基准第{n}党支部", code=f"bench-lw-{n}", parent=committee)
        for n in range(branches)
    ]
    ids = [o.pk for o in organizations]
    secretaries = User.objects.bulk_create(User(phone=f"+86171{n:08d}", name=f"书记{n}") for n in range(branches + 1))
    pairs = zip(secretaries[:-1], ids, strict=True)
    roles = [Role(user=user, organization_id=pk, kind=Role.Kind.SECRETARY) for user, pk in pairs]
    roles.append(Role(user=secretaries[-1], organization=committee, kind=Role.Kind.SECRETARY))
    Role.objects.bulk_create(roles)
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
    Member.objects.update(created_at=dt.datetime.combine(add_months(today, -24), dt.time(9), tzinfo=zone))

    activities = []
    for offset in range(1, months + 1):
        year, month = shift_month(today.year, today.month, -offset)
        day = dt.date(year, month, 6)
        opens = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        for organization in organizations:
            activities.append(
                Activity(
                    organization=organization,
                    year=year,
                    month=month,
                    date=day,
                    opens_at=opens,
                    closes_at=opens + dt.timedelta(days=4),
                    closed_at=opens + dt.timedelta(days=4),
                )
            )
    Activity.objects.bulk_create(activities, batch_size=batch)

    members_qs = Member.objects.annotate(r20=Mod("pk", 20), r10=Mod("pk", 10), r100=Mod("pk", 100))
    living = members_qs.exclude(r20=0)
    with_activity = living.filter(organization__activities__isnull=False)
    activity = "organization__activities"
    outcome = Case(
        When(r10=8, then=Value(Attendance.Outcome.ABSENT)),
        When(r10=9, then=Value(Attendance.Outcome.EXCUSED)),
        default=Value(Attendance.Outcome.ATTENDED),
        output_field=CharField(),
    )
    # The sweep runs for ``today``: the records are dated from it, not from the clock.
    now = dt.datetime.combine(today, dt.time(12), tzinfo=zone)
    with transaction.atomic():
        insert(
            Attendance,
            with_activity,
            member=F("pk"),
            activity=F(f"{activity}__pk"),
            outcome=outcome,
            recorded_at=F(f"{activity}__closes_at"),
        )
        insert(
            CheckIn,
            with_activity.filter(r10__lt=8),
            member=F("pk"),
            activity=F(f"{activity}__pk"),
            checked_in_at=F(f"{activity}__opens_at"),
        )
        insert(
            Leave,
            with_activity.filter(r10=9),
            member=F("pk"),
            activity=F(f"{activity}__pk"),
            reason=Value("倒班", output_field=CharField()),
            status=Value(Leave.Status.APPROVED, output_field=CharField()),
            created_at=Value(now, output_field=DateTimeField()),
        )
        month_start = TruncDate(F(f"{activity}__opens_at"), output_field=DateField())
        insert(
            Payment,
            with_activity,
            member=F("pk"),
            organization=F("organization_id"),
            first_month=month_start,
            last_month=month_start,
            amount_fen=Value(2000, output_field=IntegerField()),
            dues_fen=Value(2000, output_field=IntegerField()),
            paid_on=F(f"{activity}__date"),
            entered_at=F(f"{activity}__opens_at"),
        )
        insert(
            Report,
            # One condition on the activities: a second filter() would join them a second time.
            living.filter(**{f"{activity}__month__in": [3, 6, 9, 12]}),
            member=F("pk"),
            title=Value("思想汇报", output_field=CharField()),
            body=Value("本季度思想、工作和学习情况。", output_field=CharField()),
            submitted_at=F(f"{activity}__closes_at"),
        )
        recent = Value(now - dt.timedelta(days=20), output_field=DateTimeField())
        insert(Contact, living.filter(r10__in=[1, 4, 7]), member=F("pk"), at=recent)
        # The drifted: one call four to twelve months ago, nothing since.
        long_ago = Case(
            *(When(r100=r, then=Value(now - dt.timedelta(days=120 + r * 3))) for r in range(0, 100, 20)),
            output_field=DateTimeField(),
        )
        insert(Contact, members_qs.filter(r20=0), member=F("pk"), at=long_ago)
        newest = Contact.objects.filter(member=OuterRef("pk")).order_by("-at").values("at")[:1]
        Member.objects.update(last_contact_at=Subquery(newest))
        decided = Value(now - dt.timedelta(days=60), output_field=DateTimeField())
        insert(
            MoveReport,
            living.filter(r100=1),
            member=F("pk"),
            kind=Value(MoveReport.Kind.LOCATION, output_field=CharField()),
            status=Value(MoveReport.Status.CONFIRMED, output_field=CharField()),
            submitted_at=decided,
            decided_at=decided,
        )
        checked = Value(today - dt.timedelta(days=30), output_field=DateField())
        insert(
            Permit,
            members_qs.filter(Q(r100=0) | Q(r100=50)),
            member=F("pk"),
            number=F("phone"),
            issued_by=Value("基准党委", output_field=CharField()),
            issued_on=Value(today - dt.timedelta(days=200), output_field=DateField()),
            reason=Value("外出务工", output_field=CharField()),
            host_name=Value("某地流动党员党支部", output_field=CharField()),
            checked_on=checked,
            entered_at=Value(now, output_field=DateTimeField()),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    tables = (Member, Attendance, CheckIn, Leave, Payment, Report, Contact, MoveReport, Permit)
    return {model.__name__: model.objects.count() for model in tables}


def timed(today: dt.date) -> tuple[float, int, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from itinerant import warnings_

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = warnings_.raise_warnings(today)
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def floor() -> float:
    """One grouped MAX over the dues payments, the largest source, counted in the database."""
    from django.db import connection

    from dues.models import Payment

    table = connection.ops.quote_name(Payment._meta.db_table)
    sql = f"SELECT COUNT(*) FROM (SELECT member_id, MAX(paid_on) AS d FROM {table} GROUP BY member_id) s"  # noqa: S608
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchone()
        return time.perf_counter() - started


def main() -> int:
    args = parse_args()
    setup_bench_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = create_database("life-warnings")
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        today = dt.date(2026, 6, 15)
        started = time.perf_counter()
        rows = fill(args.members, args.branches, args.months, args.batch, today)
        print(f"seeded in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{k} {v}" for k, v in rows.items()))
        from django.urls import reverse

        reverse("home")  # the URLconf loads once per process, not in the sweep's time
        floor()  # warm the cache for both alike
        cold = timed(today)
        replays, floors = [], []
        for _ in range(args.runs):
            replays.append(timed(today))
            floors.append(floor())
        again = min(replays, key=lambda r: r[0])
        median_again = statistics.median(r[0] for r in replays)
        median_floor = statistics.median(floors)
        print(f"cold sweep: {cold[0] * 1000:8.0f} ms, {cold[1]:3d} statements, {cold[2]}")
        print(
            f"again:      {median_again * 1000:8.0f} ms (median of {args.runs}), {again[1]:3d} statements, {again[2]}"
        )
        print(f"FLOOR:      {median_floor * 1000:8.0f} ms (one grouped MAX over {rows['Payment']} payments)")
        print(f"ratio again / FLOOR: {median_again / median_floor:.1f}; cold / FLOOR: {cold[0] / median_floor:.1f}")
        return 0
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
