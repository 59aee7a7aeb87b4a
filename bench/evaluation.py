"""How long the annual evaluation takes to score: the demo year, and one branch of 100,000 members.

    .venv/bin/python bench/evaluation.py --members 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/evaluation.py

Runs against a throwaway database (a SQLite file under var/, or a separate
database on the server named by DATABASE_URL), created with migrate and
dropped at the end.

(a) The demo year: seeds the roster, activity and evaluation demos (timing
    each), then times rescoring the demo's rounds, ``score_automatic`` plus
    ``recompute_totals``: the online branch's 先锋指数 (57 members) and the
    committee's 堡垒指数 (4 branches); the median of ``--runs`` runs.
(b) One branch of N members with a year of records, generated set-based
    (``bulk_create`` for the members, one ``INSERT … SELECT`` per month for
    the rest): 12 closed activity days with an attendance row per member
    (attended, made up, excused or absent) and the check-ins behind them, a
    material per day delivered to everyone and mostly studied, quarterly
    reports from most members, and a contact every other month for three in
    ten of them. Then it times ``open_evaluation`` of the library's 先锋指数 (the
    assessments, and the first scoring of every automatic item with the
    totals), a rescoring with ``score_automatic`` (which brings totals in step
    chunk by chunk) and ``recompute_totals`` alone (the medians of
    ``--runs``), with each one's statement count, and the process's peak
    RSS before the round opens and after each step (the records are written
    by the database, so what the peak grows by is the scoring's). Scoring
    rebuilds the members' monthly facts first (``activities.monthly``); the
    rebuild is also timed alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import time
from contextlib import contextmanager

from throwaway import create_database
from throwaway import setup_django as setup_bench_django


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="members of the large branch (default 100000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each rescoring (default 3)")
    parser.add_argument("--batch", type=int, default=5_000, help="bulk_create batch size for members (default 5000)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def setup_django() -> None:
    setup_bench_django()
    from django.conf import settings

    # The demo logins' passwords: the figure is about the evaluation, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Counter:
    """Counts the statements run inside ``with connection.execute_wrapper(counter)``."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counted():
    from django.db import connection

    counter = Counter()
    with connection.execute_wrapper(counter):
        yield counter


def timed(fn, runs: int) -> tuple[float, int]:
    """Median seconds of ``runs`` calls, and the statements of the last one."""
    timings = []
    for _ in range(runs):
        with counted() as counter:
            started = time.perf_counter()
            fn()
            timings.append(time.perf_counter() - started)
    return statistics.median(timings), counter.count


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- (a) the demo year -------------------------------------------------------------------------


def demo_year(runs: int) -> None:
    from django.utils import timezone

    from activities import demo as activity_demo
    from evaluations import demo as evaluation_demo
    from evaluations.scoring import recompute_totals, score_automatic
    from members import demo as member_demo

    today = timezone.localdate()
    print("(a) the demo year")
    for label, seed in (
        ("members.demo.seed", member_demo.seed),
        ("activities.demo.seed", activity_demo.seed),
        ("evaluations.demo.seed", evaluation_demo.seed),
    ):
        with counted() as counter:
            started = time.perf_counter()
            seed(today)
            seconds = time.perf_counter() - started
        print(f"  {label:32s} {seconds:7.2f} s  {counter.count:6d} statements")
    for label, evaluation in (
        ("先锋指数, online branch", evaluation_demo.member_round(today)),
        ("堡垒指数, committee", evaluation_demo.branch_round(today.year)),
    ):

        def rescore(evaluation=evaluation):
            score_automatic(evaluation, today)
            recompute_totals(evaluation)

        seconds, statements = timed(rescore, runs)
        subjects = evaluation.assessments.count()
        print(
            f"  rescore {label:24s} {seconds * 1000:7.1f} ms  {statements:6d} statements"
            f"  ({subjects} assessments, median of {runs})"
        )


# --- (b) a large branch ----------------------------------------------------------------------


def fill(members: int, batch: int, year: int):
    """A committee over one branch of ``members`` members, and a year of their records."""
    from django.db import transaction
    from django.db.models import Case, CharField, DateTimeField, F, IntegerField, Value, When
    from django.db.models.functions import Mod

    from activities.models import Activity, Attendance, CheckIn, MaterialDelivery, Report, StudyMaterial
    from branches.bulk import insert_from_select
    from branches.models import Organization
    from members.models import Contact, Member, User

    def at(month: int, day: int, hour: int) -> dt.datetime:
        return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)

    def const(value, field):
        return Value(value, output_field=field)

    committee = Organization.objects.create(kind="committee", name="基准党委", code="bench-evaluation")
    branch = Organization.objects.create(
        kind="branch", name="基准网络党支部", code="bench-evaluation-online", parent=committee, is_online=True
    )
    user = User.objects.create_user("+8619900000001", "bench-pass", name="书记")
    started = time.perf_counter()
    first_day = dt.date(1975, 1, 1).toordinal()
    for start in range(0, members, batch):
        rows = []
        for n in range(start, min(start + batch, members)):
            # One in fifty joined the Party during the year: fewer months and periods are due.
            joined = dt.date(year, 1 + n % 12, 10) if n % 50 == 0 else dt.date.fromordinal(first_day + n % 15000)
            rows.append(
                Member(
                    name=f"党员{n}",
                    gender=Member.Gender.MALE,
                    phone=f"+86171{n:08d}",
                    joined_party_on=joined,
                    organization=branch,
                    is_itinerant=True,
                )
            )
        with transaction.atomic():
            Member.objects.bulk_create(rows, batch_size=batch)
    member_seconds = time.perf_counter() - started

    started = time.perf_counter()
    roster = Member.objects.filter(organization=branch)
    text, stamp, number = CharField(), DateTimeField(), IntegerField()
    rows = 0
    for month in range(1, 13):
        with transaction.atomic():
            activity = Activity(organization=branch, year=year, month=month, date=dt.date(year, month, 6))
            activity.save()
            Activity.objects.filter(pk=activity.pk).update(
                dispatched_at=activity.morning(), closed_at=activity.closes_at
            )
            material = StudyMaterial.objects.create(title=f"{year}年{month}月学习资料", body="正文")
            # Twenty kinds of member, by id and month: 15 attend, 2 make up, 1 is on leave, 2 are absent.
            kind = Mod(F("pk") + month, 20)
            outcome = Case(
                When(kind__lt=15, then=const("attended", text)),
                When(kind__lt=17, then=const("made_up", text)),
                When(kind=17, then=const("excused", text)),
                default=const("absent", text),
            )
            people = roster.annotate(kind=kind, last_digit=Mod(F("pk"), 10))
            rows += insert_from_select(
                Attendance,
                ["member", "activity", "outcome", "recorded_at"],
                people.annotate(
                    a=const(activity.pk, number), o=outcome, r=const(activity.closes_at, stamp)
                ).values_list("pk", "a", "o", "r"),
            )
            given = ["member", "activity", "kind", "checked_in_at", "city", "photo", "note", "nonce"]
            # Columns without a database default that the figure does not care about: their model default.
            rest = [
                f
                for f in CheckIn._meta.concrete_fields
                if f.name not in given
                and not f.primary_key
                and not f.null
                and (f.has_default() or f.empty_strings_allowed)
            ]
            rows += insert_from_select(
                CheckIn,
                given + [f.name for f in rest],
                people.filter(kind__lt=17)
                .annotate(
                    a=const(activity.pk, number),
                    k=Case(When(kind__lt=15, then=const("on_time", text)), default=const("make_up", text)),
                    t=const(at(month, 6, 12), stamp),
                    blank=const("", text),
                    **{f"d_{f.name}": const(f.get_default(), f) for f in rest},
                )
                .values_list("pk", "a", "k", "t", "blank", "blank", "blank", "blank", *(f"d_{f.name}" for f in rest)),
            )
            # Studied by most; the absent and one in ten of the rest have not.
            studied = Case(
                When(kind__gte=18, then=const(None, stamp)),
                When(last_digit=7, then=const(None, stamp)),
                default=const(at(month, 7, 12), stamp),
            )
            rows += insert_from_select(
                MaterialDelivery,
                ["member", "material", "activity", "delivered_at", "studied_at"],
                people.annotate(
                    m=const(material.pk, number),
                    a=const(activity.pk, number),
                    d=const(activity.morning(), stamp),
                    s=studied,
                ).values_list("pk", "m", "a", "d", "s"),
            )
            if month % 3 == 0:
                # Quarterly reports from nine in ten members, half of them answered.
                rows += insert_from_select(
                    Report,
                    ["member", "kind", "title", "body", "attachment", "submitted_at", "reply", "replied_at"],
                    people.exclude(kind=19)
                    .annotate(
                        thought=const("thought", text),
                        title=const(f"{year}年第{month // 3}季度思想汇报", text),
                        body=const("本季度思想汇报正文。", text),
                        blank=const("", text),
                        t=const(at(month, 20, 12), stamp),
                        r=Case(When(kind__lt=10, then=const(at(month, 25, 12), stamp)), default=const(None, stamp)),
                    )
                    .values_list("pk", "thought", "title", "body", "blank", "t", "blank", "r"),
                )
            if month % 2 == 0:
                rows += insert_from_select(
                    Contact,
                    ["member", "at", "channel", "note"],
                    people.filter(last_digit__in=[3, 8, 0])
                    .annotate(t=const(at(month, 15, 12), stamp), c=const("call", text), note=const("电话联系", text))
                    .values_list("pk", "t", "c", "note"),
                )
    record_seconds = time.perf_counter() - started
    return branch, user, member_seconds, record_seconds, rows


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def record_floor() -> float:
    """The least any scoring reads: each record table grouped by member once, rows fetched."""
    from django.db.models import Count

    from activities.models import Attendance, CheckIn, MaterialDelivery, Report
    from members.models import Contact

    started = time.perf_counter()
    for model in (Attendance, MaterialDelivery, CheckIn, Report, Contact):
        list(model.objects.values_list("member_id").annotate(n=Count("pk")).order_by())
    return time.perf_counter() - started


def background_round(evaluation, user) -> tuple[float, float]:
    """What the reviewer's click costs now (the stage moves, the scoring is queued), and the job.

    Celery runs eagerly here, so the job runs when the request's transaction
    commits: the request's time stops before, the job's starts there.
    """
    from celery import current_app
    from django.db import transaction

    from branches.models import Role
    from evaluations import services

    Role.objects.create(user=user, organization=evaluation.organization, kind=Role.Kind.SECRETARY)
    current_app.conf.task_always_eager = True
    with transaction.atomic():
        started = time.perf_counter()
        services.advance(evaluation, user, background=True)
        request_seconds = time.perf_counter() - started
        started = time.perf_counter()
    return request_seconds, time.perf_counter() - started


def large_branch(members: int, batch: int, runs: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from activities.models import MemberMonth
    from activities.monthly import refresh_member_months
    from evaluations import services
    from evaluations.scoring import recompute_totals, score_automatic

    # Last year: every month of it has ended, so every record is due.
    year = timezone.localdate().year - 1
    cutoff = dt.date(year, 12, 31)
    print(f"(b) one branch of {members:,} members, the year {year}")
    branch, user, member_seconds, record_seconds, rows = fill(members, batch, year)
    print(f"  members: bulk_create        {member_seconds:7.1f} s")
    print(f"  records: INSERT … SELECT    {record_seconds:7.1f} s  ({rows:,} rows)")
    analyze()
    scheme = services.copy_from_library("vanguard", branch.parent, year, user)
    print(f"  peak RSS so far             {peak_rss_mib():7.1f} MiB")

    with counted() as counter:
        started = time.perf_counter()
        evaluation = services.open_evaluation(scheme, branch, user)
        open_seconds = time.perf_counter() - started
    print(f"  open_evaluation             {open_seconds:7.1f} s  {counter.count:6d} statements")
    print(f"  peak RSS so far             {peak_rss_mib():7.1f} MiB")

    seconds, statements = timed(lambda: score_automatic(evaluation, cutoff), runs)
    score_seconds = seconds
    print(f"  score_automatic             {seconds:7.1f} s  {statements:6d} statements  (median of {runs})")
    members = evaluation.assessments.values("member_id")
    seconds, statements = timed(lambda: refresh_member_months(year, members), runs)
    facts = MemberMonth.objects.filter(year=year).count()
    print(f"  of which the monthly facts  {seconds:7.1f} s  {statements:6d} statements  ({facts:,} rows rebuilt)")
    seconds, statements = timed(lambda: recompute_totals(evaluation), runs)
    print(f"  recompute_totals            {seconds:7.1f} s  {statements:6d} statements  (median of {runs})")
    print(f"  peak RSS at the end         {peak_rss_mib():7.1f} MiB")
    floor = record_floor()
    print(f"  FLOOR: one GROUP BY member  {floor:7.1f} s  over each record table")
    print(f"  ratio open / score to FLOOR {open_seconds / floor:7.1f} / {score_seconds / floor:.1f}")
    request_seconds, job_seconds = background_round(evaluation, user)
    print(f"  the page: advance, queued   {request_seconds * 1000:7.1f} ms")
    print(f"  the job it queued (eager)   {job_seconds:7.1f} s  (ratio {job_seconds / floor:.1f} to FLOOR)")

    # What the rules gave, so a wrong fill shows.
    from django.db.models import Avg, Count

    from evaluations.models import ItemScore

    summary = (
        ItemScore.objects.filter(assessment__evaluation=evaluation)
        .exclude(item__method="manual")
        .values_list("item__method")
        .annotate(n=Count("pk"), avg=Avg("points"))
        .order_by("item__method")
    )
    for method, n, avg in summary:
        print(f"    {method:12s} {n:8,d} scores, average {float(avg):.2f} points")
    print(f"  database: {connection.vendor}")


def main() -> int:
    args = parse_args()
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = create_database("evaluation")
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        demo_year(max(args.runs, 5))
        large_branch(args.members, args.batch, args.runs)
        return 0
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
