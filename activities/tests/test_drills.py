"""Reliability drills for the activity-day engine: a killed worker, sweeps run twice
at once, beat down for days, and Redis gone for a while.

The drills that start processes are marked ``integration``; they use the real
worker fixtures of branches/tests/workers.py.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from activities import services
from activities.models import Activity, Attendance, CheckIn, Leave, MaterialDelivery
from activities.tests.factories import ActivityFactory, MaterialFactory
from branches.models import Role, SweepStatus
from branches.sweeps import run_sweep
from branches.tasks import run_sweep as run_sweep_task
from branches.tests.factories import OrganizationFactory, RoleFactory
from branches.tests.workers import WAIT_SECONDS, explained, heartbeat_runs, reset_broker_pools, send, services_required
from config.celery_app import app
from members.models import Member
from members.tests.factories import MemberFactory
from notifications.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def seed_members(branch, count: int) -> None:
    joined = dt.date(2001, 7, 1)
    Member.objects.bulk_create(
        Member(
            name=f"党员{n}",
            gender=Member.Gender.MALE,
            phone=f"+86171{n:08d}",
            joined_party_on=joined,
            organization=branch,
        )
        for n in range(count)
    )


def past_activity(branch, days_ago: int) -> Activity:
    """An activity on a past day, so that a sweep replaying that day finds it due."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return ActivityFactory(organization=branch, date=day, year=day.year, month=day.month)


def wait_until(condition, worker, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        assert worker.process.poll() is None, f"worker exited with {worker.process.returncode}"
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {WAIT_SECONDS} s")


# --- a. a worker killed in the middle of a dispatch ------------------------------------------


@pytest.mark.integration
def test_a_worker_killed_mid_dispatch_is_made_good_by_the_next_sweep(broker, worker_factory, settings):
    branch = OrganizationFactory(is_online=True)
    seed_members(branch, 10_000)
    activity = past_activity(branch, 1)
    activity.materials.add(MaterialFactory())
    day = activity.date.isoformat()

    # Chunks of 10 make the dispatch long enough to be caught half-way.
    slow = worker_factory(NETBRANCH_FANOUT_CHUNK="10")
    slow.start()
    send(broker, "dispatch", day)
    with explained(slow):
        wait_until(lambda: MaterialDelivery.objects.count() >= 500, slow, "the first deliveries")
    slow.process.kill()
    slow.process.wait()
    written = MaterialDelivery.objects.count()
    activity.refresh_from_db()
    assert 0 < written < 10_000, "the drill must interrupt the dispatch, not follow it"
    assert activity.dispatched_at is None

    # The embedded broker lost the message with the worker; Redis keeps it
    # unacknowledged until its visibility timeout. Either way the next
    # scheduled dispatch sweep finds the activity still due.
    worker = worker_factory()
    worker.start()
    send(broker, "dispatch", day)
    with explained(worker):
        wait_until(
            lambda: SweepStatus.objects.filter(name="dispatch", runs__gte=1, last_finished_at__isnull=False).exists(),
            worker,
            "the second dispatch",
        )
        assert SweepStatus.objects.get(name="dispatch").last_error == ""
        assert worker.stop() == 0
    assert MaterialDelivery.objects.count() == 10_000
    assert MaterialDelivery.objects.values("member_id").distinct().count() == 10_000
    assert Notification.objects.filter(kind="activity_day").count() == 10_000
    if settings.REDIS_URL:
        forget_unacked(broker["queue"])


def forget_unacked(queue: str) -> None:
    # The killed worker's message waits in kombu's shared "unacked" hash; left
    # there, any worker on this Redis would restore it to our dead queue in an hour.
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    for tag, payload in client.hgetall("unacked").items():
        if queue.encode() in payload:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


# --- b. the same sweeps run twice at once ------------------------------------------------------


def run_at_once(*calls) -> list:
    """Run each (name, day) sweep in its own thread (and database connection), all starting together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, name: str, day: dt.date) -> None:
        try:
            barrier.wait()
            results[index] = run_sweep(name, day)
        except BaseException as exc:  # reported by the main thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a sweep is stuck (deadlock?)"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def test_dispatch_and_close_run_twice_at_once_write_everything_once(transactional_db, monkeypatch):
    # Small chunks, so the two runs interleave instead of one finishing first.
    monkeypatch.setattr(services, "CHUNK_SIZE", 25)
    branch = OrganizationFactory(is_online=True)
    role = RoleFactory(organization=branch, kind=Role.Kind.SECRETARY)
    seed_members(branch, 300)
    done_activity = past_activity(branch, 40)  # its window closed long ago: the close sweep's
    Activity.objects.filter(pk=done_activity.pk).update(dispatched_at=timezone.now() - dt.timedelta(days=40))
    due_activity = past_activity(branch, 1)  # its morning has come: the dispatch sweep's
    due_activity.materials.add(*MaterialFactory.create_batch(2))
    members = list(Member.objects.order_by("pk"))
    for member in members[:100]:
        CheckIn.objects.create(member=member, activity=done_activity, checked_in_at=at(2026, 1, 1))
    for member in members[100:120]:
        Leave.objects.create(member=member, activity=done_activity, reason="出差", status=Leave.Status.APPROVED)

    run_at_once(
        ("dispatch", due_activity.date),
        ("dispatch", due_activity.date),
        ("close", timezone.localdate()),
        ("close", timezone.localdate()),
    )

    assert MaterialDelivery.objects.count() == 600
    assert Notification.objects.filter(kind="activity_day").count() == 300
    assert Attendance.objects.filter(activity=done_activity).count() == 300
    counts = Counter(Attendance.objects.filter(activity=done_activity).values_list("outcome", flat=True))
    assert counts == {"attended": 100, "excused": 20, "absent": 180}
    assert Notification.objects.filter(kind="absent").count() == 180
    assert Notification.objects.filter(kind="attendance", user=role.user).count() == 1
    assert CheckIn.objects.count() == 100
    for activity in (done_activity, due_activity):
        activity.refresh_from_db()
    assert done_activity.closed_at is not None
    assert due_activity.dispatched_at is not None


# --- c. beat down for three days ----------------------------------------------------------------


@pytest.mark.django_db
def test_beat_down_over_the_activity_day_catches_up_on_day_plus_three():
    # (Reminders that have passed and a late dispatch alone are covered in
    # test_engine.py; this is the whole day replayed in beat's order.)
    branch = OrganizationFactory(is_online=True, activity_day=6, checkin_days=3, reminder_offsets=[3, 0])
    RoleFactory(organization=branch, kind=Role.Kind.SECRETARY)
    early, late, absent = MemberFactory.create_batch(3, organization=branch)
    with time_machine.travel(at(2026, 11, 24, 1, 5)):
        run_sweep("plan", timezone.localdate())
    activity = Activity.objects.get(organization=branch)
    activity.materials.add(MaterialFactory())

    # Beat stopped on 2 December and comes back on the 9th, day + 3.
    with time_machine.travel(at(2026, 12, 9, 10)):
        today = timezone.localdate()
        planned = run_sweep("plan", today)
        dispatched = run_sweep("dispatch", today)
        reminded = run_sweep("remind", today)
        closed = run_sweep("close", today)
    assert planned["planned"] == 1  # January; December is not planned twice
    assert list(Activity.objects.order_by("date").values_list("month", flat=True)) == [12, 1]
    assert dispatched == {"deliveries": 3, "activities": 1}
    assert MaterialDelivery.objects.count() == 3
    assert reminded == {}  # the 3-day and the morning reminder are past: none is sent late
    assert not Notification.objects.filter(kind="reminder").exists()
    assert closed == {}  # the window is still open until the end of the 9th
    # The members can still check in on the last day, after the late dispatch.
    services.perform_checkin(early, activity, now=at(2026, 12, 9, 11))
    services.perform_checkin(late, activity, now=at(2026, 12, 9, 23, 59))

    # Down again from the 10th to the 13th: the close that was due on the 10th runs then.
    with time_machine.travel(at(2026, 12, 13, 10)):
        today = timezone.localdate()
        assert run_sweep("dispatch", today) == {}
        closed = run_sweep("close", today)
        assert run_sweep("close", today) == {}
    assert closed == {"activities": 1, "attended": 2, "absent": 1}
    assert Attendance.objects.count() == 3
    assert list(Notification.objects.filter(kind="absent").values_list("member_id", flat=True)) == [absent.pk]
    assert Notification.objects.filter(kind="attendance").count() == 1
    assert Notification.objects.filter(kind="activity_day").count() == 3


# --- d. Redis gone for a while ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private redis-server without persistence, which the drill stops and starts."""

    def __init__(self, port: int, log) -> None:
        self.port, self.log = port, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=1).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path, transactional_db, settings):
    """A private Redis that this process and its workers use as the broker."""
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer(free_port(), tmp_path / "redis.log")
    server.start()
    queue = f"netbranch-drill-{server.port}"
    overrides = {
        "task_always_eager": False,
        "task_default_queue": queue,
        "broker_url": server.url,
        # What production uses with Redis, whichever broker this run was given.
        "broker_transport_options": settings.REDIS_TRANSPORT_OPTIONS,
    }
    saved = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    reset_broker_pools()
    try:
        yield server, queue
    finally:
        server.stop()
        app.conf.update(saved)
        reset_broker_pools()


@pytest.mark.integration
def test_while_redis_is_down_check_in_and_pages_work_and_enqueueing_fails_fast(own_redis, tmp_path, client):
    from branches.tests.workers import Worker, database_url

    server, queue = own_redis
    branch = OrganizationFactory(is_online=True)
    member = MemberFactory(organization=branch)
    today = timezone.localdate()
    activity = ActivityFactory(organization=branch, date=today, year=today.year, month=today.month)
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "REDIS_URL": server.url,
        "PYTHONUNBUFFERED": "1",
        "PATH": os.environ["PATH"],
    }
    worker = Worker(env, queue, tmp_path / "worker.log")
    worker.start()
    try:
        server.stop()

        checkin, created = services.perform_checkin(member, activity)
        assert created and CheckIn.objects.filter(pk=checkin.pk).exists()
        assert client.get("/").status_code == 200

        started = time.monotonic()
        with pytest.raises(OperationalError):
            run_sweep_task.delay("heartbeat")
        assert time.monotonic() - started < 5, "an enqueue while Redis is down must fail fast"

        # Up but hung (a stopped process, a full network buffer): no refusal
        # comes, only the socket timeouts end the wait.
        server.start()
        server.process.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(OperationalError):
            run_sweep_task.delay("heartbeat")
        assert time.monotonic() - started < 10, "an enqueue to a hung Redis must give up within seconds"
        server.process.send_signal(signal.SIGCONT)

        run_sweep_task.delay("heartbeat")
        with explained(worker):
            # The worker that lived through the outage reconnects by itself.
            wait_until(lambda: heartbeat_runs() >= 1, worker, "the heartbeat after Redis came back")
    finally:
        worker.stop()
