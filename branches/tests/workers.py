"""Real Celery worker subprocesses for integration tests, and the rule that CI never skips them.

The worker runs with the project's base settings (never eager) against the
test database, so tests that use it need committed transactions
(transactional_db) that the other process can see. Each test gets its own
queue, and on the embedded broker its own folder, so nothing else on the
machine interferes. The fixtures and hooks are re-exported by the conftest.py
of each test package that starts workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from branches.models import SweepStatus
from branches.tasks import run_sweep
from config.celery_app import app

_integration_passed = pytest.StashKey[int]()


def services_required() -> bool:
    """On CI a missing broker or database must fail the run, not skip quietly."""
    return os.environ.get("NETBRANCH_REQUIRE_SERVICES") == "1"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if item.get_closest_marker("integration") is None:
        return report
    if report.skipped and services_required():
        report.outcome = "failed"
        report.longrepr = f"integration test skipped although NETBRANCH_REQUIRE_SERVICES=1: {report.longrepr}"
    if report.when == "call" and report.passed:
        item.config.stash[_integration_passed] = item.config.stash.get(_integration_passed, 0) + 1
    return report


def pytest_sessionfinish(session, exitstatus):
    # A marker filter or a collection change could leave out every
    # integration test while the run still looks green.
    if services_required() and exitstatus == 0 and not session.config.stash.get(_integration_passed, 0):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        writer = session.config.get_terminal_writer()
        writer.line("NETBRANCH_REQUIRE_SERVICES=1 but no integration test passed", red=True)


CELERY = Path(sys.executable).with_name("celery")
WAIT_SECONDS = 30


def database_url() -> str:
    """A DATABASE_URL for the test database this process is using right now."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    raise AssertionError(f"no worker URL for {connection.vendor}")


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


class Worker:
    """One `celery worker` subprocess consuming one queue."""

    def __init__(self, env: dict[str, str], queue: str, log: Path):
        self.env, self.queue, self.log = env, queue, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [str(CELERY), "-A", "config", "worker", "--pool", "solo", "--concurrency", "1"]
        cmd += ["-Q", self.queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                cmd, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def stop(self) -> int | None:
        """Warm shutdown, as a service manager does it; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process and self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@pytest.fixture
def broker(tmp_path, transactional_db):
    """Points this process at the real broker (not eager), on a private queue.

    Yields the environment a worker subprocess needs to share that broker and
    the test database.
    """
    queue = f"netbranch-test-{uuid.uuid4().hex[:12]}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.base", "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    overrides = {"task_always_eager": False, "task_default_queue": queue}
    if settings.REDIS_URL:
        if not redis_reachable(settings.REDIS_URL):
            message = f"Redis at {settings.REDIS_URL} is not reachable"
            if services_required():
                pytest.fail(message)
            pytest.skip(message)
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        env.pop("REDIS_URL", None)
        folder = tmp_path / "broker"
        folder.mkdir()
        env["CELERY_BROKER_DIR"] = str(folder)
        overrides["broker_transport_options"] = {
            **app.conf.broker_transport_options,
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
        }
    saved = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    try:
        yield {"env": env, "queue": queue, "tmp_path": tmp_path}
    finally:
        app.conf.update(saved)
        if settings.REDIS_URL:
            import redis

            # kombu leaves the queue's binding keys behind; the queue is ours alone.
            client = redis.Redis.from_url(settings.REDIS_URL)
            for key in client.scan_iter(match=f"*{queue}*"):
                client.delete(key)


@pytest.fixture
def worker_factory(broker):
    workers: list[Worker] = []

    def make(**extra_env: str) -> Worker:
        env = {**broker["env"], **extra_env}
        worker = Worker(env, broker["queue"], broker["tmp_path"] / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()


def send(broker, *args) -> None:
    # A producer of its own, because the app's shared pool may still hold a
    # connection to another test's broker folder.
    with app.connection_for_write() as conn, conn.Producer() as producer:
        run_sweep.apply_async(args=args, queue=broker["queue"], producer=producer)


def heartbeat_runs() -> int:
    return SweepStatus.objects.filter(name="heartbeat").values_list("runs", flat=True).first() or 0


@contextmanager
def explained(worker: Worker):
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{worker.output()}") from None


def wait_for_runs(expected: int, worker: Worker) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if heartbeat_runs() >= expected:
            return
        assert worker.process.poll() is None, f"worker exited with {worker.process.returncode}"
        time.sleep(0.2)
    raise AssertionError(f"heartbeat ran {heartbeat_runs()} times, expected {expected}, within {WAIT_SECONDS} s")


def reset_broker_pools() -> None:
    """Forget the app's broker connections, so the next send connects to the broker now configured.

    Tests that point the app at another broker call it on the way in and on the
    way out; restoring a saved pool instead can bring back one that another
    test has closed since ("Acquire on closed pool").
    """
    from kombu import pools

    # Celery takes its pools from kombu's registry, keyed by broker URL: a pool closed
    # but left in the registry would be handed out again for the same URL.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
