import datetime as dt
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from branches import sweeps
from branches.models import SweepStatus
from branches.tests.workers import reset_broker_pools

pytestmark = pytest.mark.django_db


def sweep(*args) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("sweep", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def exploding_sweep(monkeypatch):
    def explode(today):
        raise RuntimeError("the gateway is down")

    monkeypatch.setitem(sweeps.REGISTRY, "exploding", explode)
    return "exploding"


def test_sweep_runs_for_the_given_day_and_prints_its_counts():
    output = sweep("heartbeat", "--today", "2026-03-06")
    assert output == "heartbeat: beats=1\n"
    status = SweepStatus.objects.get(name="heartbeat")
    assert status.last_for_date == dt.date(2026, 3, 6)
    assert status.last_result == {"beats": 1}
    assert status.runs == 1
    assert status.last_success_at is not None


def test_sweep_without_a_day_runs_for_today_in_shanghai(time_machine):
    # 17:30 UTC is already the next day in Asia/Shanghai.
    time_machine.move_to(dt.datetime(2026, 3, 5, 17, 30, tzinfo=dt.UTC), tick=False)
    sweep("heartbeat")
    assert SweepStatus.objects.get(name="heartbeat").last_for_date == dt.date(2026, 3, 6)


def test_sweep_lists_the_registered_sweeps():
    assert "heartbeat" in sweep("--list").split()


def test_an_unknown_sweep_is_refused_with_the_known_names():
    with pytest.raises(CommandError, match=r"Unknown sweep “nope”\. Known sweeps: .*heartbeat"):
        sweep("nope")
    assert not SweepStatus.objects.exists()


def test_a_malformed_day_is_refused_with_an_example():
    with pytest.raises(CommandError, match="--today must be a date like 2026-07-06"):
        sweep("heartbeat", "--today", "06/03/2026")
    assert not SweepStatus.objects.exists()


def test_a_failing_sweep_records_its_error_and_raises(exploding_sweep):
    with pytest.raises(RuntimeError, match="the gateway is down"):
        sweep(exploding_sweep, "--today", "2026-03-06")
    status = SweepStatus.objects.get(name=exploding_sweep)
    assert "the gateway is down" in status.last_error
    assert status.last_success_at is None
    assert status.last_finished_at is not None
    assert status.runs == 1


def test_a_later_success_clears_the_recorded_error(exploding_sweep, monkeypatch):
    with pytest.raises(RuntimeError):
        sweep(exploding_sweep)
    monkeypatch.setitem(sweeps.REGISTRY, exploding_sweep, lambda today: {"sent": 3})
    assert sweep(exploding_sweep) == "exploding: sent=3\n"
    status = SweepStatus.objects.get(name=exploding_sweep)
    assert status.last_error == ""
    assert status.last_result == {"sent": 3}
    assert status.runs == 2


def test_enqueue_hands_the_sweep_to_celery():
    # Unit tests run tasks eagerly, so the queued sweep has run by now.
    output = sweep("heartbeat", "--today", "2026-03-06", "--enqueue")
    assert output == "heartbeat: queued\n"
    assert SweepStatus.objects.get(name="heartbeat").last_for_date == dt.date(2026, 3, 6)


@pytest.fixture
def broker_down():
    """The Celery app pointed at a Redis port nobody listens on, with tasks no longer run inline."""
    from config.celery_app import app

    keys = ("broker_url", "task_always_eager", "broker_transport_options", "broker_connection_timeout")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        task_always_eager=False,
        broker_transport_options={"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        broker_connection_timeout=0.2,
    )
    reset_broker_pools()
    yield
    app.conf.update(saved)
    reset_broker_pools()


def test_enqueue_with_the_broker_down_is_one_clear_error_not_a_traceback(broker_down):
    started = time.monotonic()
    out = StringIO()
    # manage.py prints a CommandError as one "CommandError: …" line and exits with status 1.
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("sweep", "heartbeat", "--enqueue", stdout=out)
    assert str(error.value).startswith("heartbeat: not queued, the broker at redis://127.0.0.1:1/0 is unreachable")
    assert "\n" not in str(error.value)
    assert out.getvalue() == ""
    assert not SweepStatus.objects.exists()
    assert time.monotonic() - started < 5
