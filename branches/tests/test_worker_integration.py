"""Tasks travel through the real broker to a real Celery worker process.

The worker runs with the project's base settings (never eager) against the
test database, so these tests use committed transactions (transactional_db)
that the other process can see. Each test gets its own queue, and on the
embedded broker its own folder, so nothing else on the machine interferes.
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
from branches.tests.conftest import services_required
from config.celery_app import app

pytestmark = pytest.mark.integration

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

    def make() -> Worker:
        worker = Worker(broker["env"], broker["queue"], broker["tmp_path"] / f"worker-{len(workers)}.log")
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


def test_a_real_worker_runs_a_task_sent_through_the_broker(broker, worker_factory):
    worker = worker_factory()
    worker.start()
    send(broker, "heartbeat")
    with explained(worker):
        wait_for_runs(1, worker)
        status = SweepStatus.objects.get(name="heartbeat")
        assert status.runs == 1
        assert status.last_error == ""
        assert status.last_result == {"beats": 1}
        assert worker.stop() == 0


def test_a_task_sent_while_no_worker_runs_waits_in_the_broker(broker, worker_factory):
    send(broker, "heartbeat")
    time.sleep(1)
    assert heartbeat_runs() == 0
    worker = worker_factory()
    worker.start()
    with explained(worker):
        wait_for_runs(1, worker)
        assert worker.stop() == 0
    assert heartbeat_runs() == 1


def test_the_heartbeat_sent_twice_counts_two_runs_and_duplicates_nothing(broker, worker_factory):
    worker = worker_factory()
    worker.start()
    send(broker, "heartbeat")
    send(broker, "heartbeat", "2026-03-06")
    with explained(worker):
        wait_for_runs(2, worker)
        assert worker.stop() == 0
    assert heartbeat_runs() == 2
    assert list(SweepStatus.objects.values_list("name", flat=True)) == ["heartbeat"]


def test_a_fresh_process_can_load_the_account_adapter_before_the_urls():
    # A worker starts with Django's system checks; allauth's check loads
    # ACCOUNT_ADAPTER, sometimes before anything has imported the URLconf.
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.utils.module_loading import import_string; import_string(settings.ACCOUNT_ADAPTER)"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.base"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
