import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from branches import sweeps
from config.celery_app import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_heartbeat():
    sweeps.run_sweep("heartbeat")


@pytest.fixture
def unreachable_broker():
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    app.conf.broker_url = saved


def test_healthz_is_ok_with_a_fresh_heartbeat(client, fresh_heartbeat):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["heartbeat"]["ok"] is True
    assert body["heartbeat"]["age_seconds"] < 5


def test_healthz_is_never_cached(client, fresh_heartbeat):
    response = client.get(reverse("healthz"))
    assert "no-cache" in response["Cache-Control"]


def test_healthz_fails_when_no_heartbeat_ever_ran(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["heartbeat"] == {"ok": False, "last": None, "error": "no heartbeat yet"}
    assert body["database"]["ok"] is True


def test_healthz_fails_when_the_heartbeat_is_stale(client, fresh_heartbeat, settings):
    later = timezone.now() + dt.timedelta(seconds=settings.HEARTBEAT_STALE_AFTER + 1)
    with time_machine.travel(later, tick=False):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    heartbeat = response.json()["heartbeat"]
    assert heartbeat["ok"] is False
    assert heartbeat["error"].startswith("stale")


def test_healthz_accepts_a_heartbeat_just_inside_the_limit(client, fresh_heartbeat, settings):
    later = timezone.now() + dt.timedelta(seconds=settings.HEARTBEAT_STALE_AFTER - 1)
    with time_machine.travel(later, tick=False):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200


def test_healthz_fails_when_the_broker_is_unreachable(client, fresh_heartbeat, unreachable_broker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["database"]["ok"] is True
    assert body["heartbeat"]["ok"] is True


def test_healthz_refuses_post(client):
    response = client.post(reverse("healthz"))
    assert response.status_code == 405
