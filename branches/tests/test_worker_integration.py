"""Tasks travel through the real broker to a real Celery worker process.

The worker runs with the project's base settings (never eager) against the
test database, so these tests use committed transactions (transactional_db)
that the other process can see. Each test gets its own queue, and on the
embedded broker its own folder, so nothing else on the machine interferes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from branches.models import SweepStatus
from branches.tests.workers import explained, heartbeat_runs, send, wait_for_runs

pytestmark = pytest.mark.integration


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
