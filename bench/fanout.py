"""How fast the activity-day dispatch fans out through a real Celery worker, and how many queries it issues.

    .venv/bin/python bench/fanout.py --members 100000 --branches 1000

Runs against a throwaway database (a SQLite file under var/, or a separate
database on the server named by DATABASE_URL), seeds N members in B branches
that share one activity day, plans the activities and attaches one material.
Then it times:

(a) a bare ``MaterialDelivery.objects.bulk_create`` of the same N rows in
    batches of ``activities.services.CHUNK_SIZE`` (deleted again afterwards);
(b) the dispatch sweep sent with ``run_sweep.delay`` to a ``celery worker``
    subprocess (embedded filesystem broker, or Redis when REDIS_URL is set),
    until every activity has ``dispatched_at``.

Queries cannot be counted inside the worker, so the same dispatch is run once
more in this process on a reset copy (deliveries, notices and dispatched_at
cleared) with a ``connection.execute_wrapper`` counting every statement; it is
repeated with half the roster transferred out to show that the count follows
the number of chunks, not the number of members.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from throwaway import ROOT, create_database, database_url
from throwaway import setup_django as setup_bench_django

ACTIVITY_DAY = dt.date(2026, 12, 6)
PLAN_DAY = dt.date(2026, 11, 24)
WORKER_READY_SECONDS = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="roster size (default 100000)")
    parser.add_argument("--branches", type=int, default=1_000, help="branches sharing the day (default 1000)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds to wait for the worker (default 600)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def setup_django(broker_dir: str) -> None:
    # This process and the worker must share one private broker folder, so a
    # development worker on the default folder does not take the message.
    setup_bench_django(CELERY_BROKER_DIR=broker_dir)
    # kombu warns that the filesystem broker URL names no host.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)


def seed(members: int, branches: int) -> tuple[float, int]:
    """Members round-robin over branches, this month's activity planned, one material attached."""
    from django.db import transaction

    from activities import services
    from activities.models import Activity, StudyMaterial
    from branches.models import Organization
    from members.models import Member

    started = time.perf_counter()
    with transaction.atomic():
        orgs = [
            Organization.objects.create(
                kind=Organization.Kind.BRANCH, name=f"基准党支部{n}", code=f"bench-{n}", activity_day=ACTIVITY_DAY.day
            )
            for n in range(branches)
        ]
    joined = dt.date(2000, 7, 1)
    for start in range(0, members, 5000):
        rows = [
            Member(
                name=f"党员{n}",
                gender=Member.Gender.MALE,
                phone=f"+86170{n:08d}",
                joined_party_on=joined,
                full_member_on=joined + dt.timedelta(days=365),
                organization=orgs[n % branches],
            )
            for n in range(start, min(start + 5000, members))
        ]
        with transaction.atomic():
            Member.objects.bulk_create(rows)
    services.plan_activities(PLAN_DAY)
    material = StudyMaterial.objects.create(title="《我是党员》第一章", body="正文")
    activities = list(Activity.objects.filter(date=ACTIVITY_DAY).values_list("pk", flat=True))
    Activity.materials.through.objects.bulk_create(
        [Activity.materials.through(activity_id=pk, studymaterial_id=material.pk) for pk in activities]
    )
    return time.perf_counter() - started, material.pk


def bare_bulk_create(material_id: int) -> float:
    """The same rows dispatch writes, with nothing but bulk_create per CHUNK_SIZE batch (autocommit)."""
    from activities.models import Activity, MaterialDelivery
    from activities.services import CHUNK_SIZE
    from members.models import Member

    activity_of = dict(Activity.objects.values_list("organization_id", "pk"))
    now = dt.datetime.now(dt.UTC)
    members = list(Member.objects.order_by("pk").values_list("pk", "organization_id"))
    started = time.perf_counter()
    for start in range(0, len(members), CHUNK_SIZE):
        MaterialDelivery.objects.bulk_create(
            [
                MaterialDelivery(member_id=m, material_id=material_id, activity_id=activity_of[o], delivered_at=now)
                for m, o in members[start : start + CHUNK_SIZE]
            ]
        )
    seconds = time.perf_counter() - started
    MaterialDelivery.objects.all().delete()
    return seconds


def reset_dispatch() -> None:
    from activities.models import Activity, MaterialDelivery
    from notifications.models import Notification

    MaterialDelivery.objects.all().delete()
    Notification.objects.all().delete()
    Activity.objects.update(dispatched_at=None)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Worker:
    def __init__(self, queue: str, broker_dir: str, log: Path) -> None:
        from django.conf import settings

        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
        env |= {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_DIR": broker_dir,
            "PYTHONUNBUFFERED": "1",
        }
        if settings.REDIS_URL:
            env["REDIS_URL"] = settings.REDIS_URL
        self.log = log
        cmd = [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "--pool", "solo"]
        cmd += ["-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603

    def wait_ready(self) -> None:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the worker did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def dispatch_through_worker(queue: str, broker_dir: str, log: Path, timeout: int) -> tuple[float, float]:
    """Wall time from send to the last dispatched_at, and the task's own run time from SweepStatus."""
    from activities.models import Activity
    from branches.models import SweepStatus
    from branches.tasks import run_sweep

    worker = Worker(queue, broker_dir, log)
    try:
        worker.wait_ready()
        started = time.perf_counter()
        run_sweep.apply_async(args=["dispatch", ACTIVITY_DAY.isoformat()], queue=queue)
        deadline = time.monotonic() + timeout
        # The sweep records its end just after the last activity is marked.
        while (
            Activity.objects.filter(dispatched_at__isnull=True).exists()
            or not SweepStatus.objects.filter(name="dispatch", last_finished_at__isnull=False).exists()
        ):
            if worker.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dispatch did not finish:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        wall = time.perf_counter() - started
        status = SweepStatus.objects.get(name="dispatch")
        if status.last_error:
            raise RuntimeError(status.last_error)
        return wall, (status.last_finished_at - status.last_started_at).total_seconds()
    finally:
        worker.stop()


def count_dispatch_queries() -> tuple[int, int, int, float]:
    """(members, chunks, queries, seconds) of one in-process dispatch on a reset copy."""
    from django.db import connection
    from django.db.models import Count

    from activities import services
    from members.models import Member

    reset_dispatch()
    per_branch = Member.objects.active().values("organization_id").annotate(n=Count("pk"))
    sizes = [row["n"] for row in per_branch]
    chunks = sum(math.ceil(n / services.CHUNK_SIZE) for n in sizes)
    queries = 0

    def counter(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        services.dispatch_due(ACTIVITY_DAY)
    return sum(sizes), chunks, queries, time.perf_counter() - started


def transfer_every_other_member() -> None:
    from members.models import Member

    # Every other member of each branch, so every branch keeps half its roster.
    ids = list(Member.objects.order_by("organization_id", "pk").values_list("pk", flat=True))[::2]
    for start in range(0, len(ids), 5000):
        Member.objects.filter(pk__in=ids[start : start + 5000]).update(state=Member.State.TRANSFERRED_OUT)


def main() -> int:
    args = parse_args()
    broker_dir = tempfile.mkdtemp(prefix="netbranch-bench-broker-")
    setup_django(broker_dir)
    from django.conf import settings
    from django.db import connection

    from activities.models import MaterialDelivery
    from activities.services import CHUNK_SIZE
    from notifications.models import Notification

    old_name = create_database("fanout")
    queue = f"netbranch-bench-{uuid.uuid4().hex[:12]}"
    try:
        seconds, material_id = seed(args.members, args.branches)
        analyze()
        n = args.members
        broker = "Redis" if settings.REDIS_URL else "embedded filesystem broker"
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); broker: {broker}")
        print(f"seeded {n} members in {args.branches} branches in {seconds:.1f} s; CHUNK_SIZE={CHUNK_SIZE}")

        bare = bare_bulk_create(material_id)
        print(f"(a) bare bulk_create of {n} deliveries: {bare:.2f} s ({n / bare:,.0f} rows/s)")

        log = ROOT / "var" / "bench-fanout-worker.log"
        wall, in_task = dispatch_through_worker(queue, broker_dir, log, args.timeout)
        written = MaterialDelivery.objects.count()
        notices = Notification.objects.count()
        if written != n or notices != n:
            raise RuntimeError(f"expected {n} deliveries and notices, found {written} and {notices}")
        print(f"(b) dispatch through a worker: {wall:.2f} s wall, {in_task:.2f} s inside the task")
        print(f"    {written} deliveries + {notices} notices; {written / wall:,.0f} deliveries/s")
        ratio = (written / wall) / (n / bare)
        print(f"    ratio to bare bulk_create: {ratio:.2f} (target >= 0.33) {'ok' if ratio >= 1 / 3 else 'SLOW'}")

        print("queries, counted in this process with connection.execute_wrapper on a reset copy:")
        members, chunks, queries, local = count_dispatch_queries()
        print(f"    {members} members, {chunks} chunks: {queries} queries ({queries * 1000 / members:.1f} per 1,000")
        print(f"    members, {queries / chunks:.2f} per chunk), {local:.2f} s in-process")
        transfer_every_other_member()
        half, half_chunks, half_queries, _ = count_dispatch_queries()
        per_chunk = half_queries / half_chunks
        print(f"    {half} members, {half_chunks} chunks: {half_queries} queries ({per_chunk:.2f} per chunk)")
        return 0 if ratio >= 1 / 3 else 1
    finally:
        shutil.rmtree(broker_dir, ignore_errors=True)
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
