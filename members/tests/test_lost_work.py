"""Work that must survive a broker outage or a failing SMS gateway: nothing lost, nothing done twice, never a 500."""

import contextlib
import datetime as dt
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from branches import sweeps
from branches.tests.workers import reset_broker_pools
from members.models import ActivationText, Member, MemberChange, RosterImport
from members.sms import LocmemBackend, SMSError, SMSMessage
from members.tests.factories import MemberFactory
from members.tests.roster_files import csv_bytes, row

BROKER_DOWN = "redis://127.0.0.1:1/0"


@contextlib.contextmanager
def broker_down():
    """The Celery app pointed at a Redis port nobody listens on, with tasks no longer run inline.

    As branches/tests/test_sweep_command.py does it; leaving the block puts
    the app back to the test settings (eager tasks), as a worker coming back.
    """
    from config.celery_app import app

    keys = ("broker_url", "task_always_eager", "broker_transport_options", "broker_connection_timeout")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=BROKER_DOWN,
        task_always_eager=False,
        broker_transport_options={"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        broker_connection_timeout=0.2,
    )
    reset_broker_pools()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_broker_pools()


def web(user) -> Client:
    """A browser as the secretary's: a server error is a response, not an exception in the test."""
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def upload(c: Client, branch, rows: int):
    return c.post(
        reverse("roster_import:upload"),
        {"organization": branch.pk, "file": SimpleUploadedFile("roster.csv", csv_bytes([row(n) for n in range(rows)]))},
    )


def page(c: Client, roster_import) -> str:
    with translation.override("en"):
        return c.get(
            reverse("roster_import:detail", args=[roster_import.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()


def enqueue_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and "not queued" in r.getMessage()]


# --- Item 11: a roster import while the broker is down ----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_uploaded_and_confirmed_while_the_broker_is_down_waits_and_the_sweep_finishes_it(
    secretary, branch_a, settings, time_machine, caplog
):
    settings.ROSTER_IMPORT_ASYNC_ROWS = 3
    time_machine.move_to(dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC), tick=False)
    c = web(secretary)
    caplog.set_level(logging.WARNING)
    with broker_down():
        response = upload(c, branch_a, 5)
        assert response.status_code == 302
        roster_import = RosterImport.objects.get()
        assert roster_import.status == RosterImport.Status.QUEUED
        assert "Waiting for the background worker" in page(c, roster_import)
        assert len(enqueue_warnings(caplog)) == 1
        # A sweep that runs before the few minutes are up leaves a fresh upload to its own task.
        assert sweeps.run_sweep("roster_imports")["requeued"] == 0
    time_machine.move_to(dt.datetime(2026, 3, 6, 9, 10, tzinfo=dt.UTC), tick=False)
    # The worker is back (tasks run inline again): the sweep hands the upload to it.
    assert sweeps.run_sweep("roster_imports")["requeued"] == 1
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PREVIEWED
    assert roster_import.summary["create"] == 5

    caplog.clear()
    with broker_down():
        response = c.post(reverse("roster_import:confirm", args=[roster_import.pk]))
        assert response.status_code == 302
        roster_import.refresh_from_db()
        assert roster_import.status == RosterImport.Status.QUEUED
        assert "Waiting for the background worker" in page(c, roster_import)
        assert len(enqueue_warnings(caplog)) == 1
    assert not Member.objects.exists()
    time_machine.move_to(dt.datetime(2026, 3, 6, 9, 20, tzinfo=dt.UTC), tick=False)
    assert sweeps.run_sweep("roster_imports")["requeued"] == 1
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert Member.objects.count() == 5
    # Nothing is left to do, so a later sweep sends nothing again.
    assert sweeps.run_sweep("roster_imports")["requeued"] == 0


@pytest.mark.django_db(transaction=True)
def test_greeting_cards_queued_while_the_broker_is_down_do_not_fail_the_sweep(branch_a, monkeypatch, caplog):
    from notifications import greetings
    from notifications.models import Greeting

    today = timezone.localdate()
    greeting = Greeting.objects.create(
        member=MemberFactory(organization=branch_a),
        year=today.year,
        anniversary=today,
        party_age=10,
        sent_at=timezone.now(),
    )
    rendered: list[list[int]] = []
    monkeypatch.setattr(greetings, "render_missing_cards", lambda ids: rendered.append(list(ids)) or 0)
    caplog.set_level(logging.WARNING)
    with broker_down():
        assert greetings.queue_missing_cards(today) == 1
    assert len(enqueue_warnings(caplog)) == 1
    assert rendered == []
    # The next birthday sweep finds the card still missing and queues it again.
    greetings.queue_missing_cards(today)
    assert rendered == [[greeting.pk]]


# --- Item 12: "Text everyone not yet activated" -----------------------------------------------


class FlakyGateway(LocmemBackend):
    """The SMS gateway: it answers 502 to the ``fails_on``-th text, once, and takes every other one."""

    fails_on = 4
    calls = 0

    def send(self, message: SMSMessage) -> None:
        cls = type(self)
        cls.calls += 1
        if cls.calls == cls.fails_on:
            raise SMSError("SMS gateway 502 Bad Gateway")
        super().send(message)


@pytest.fixture
def gateway(settings):
    settings.SMS_BACKEND = "members.tests.test_lost_work.FlakyGateway"
    FlakyGateway.calls = 0
    return FlakyGateway


@pytest.fixture
def six(branch_a):
    return [MemberFactory(organization=branch_a, name=f"待激活{n}") for n in range(6)]


def text_everyone(c: Client):
    return c.post(reverse("roster:activation_sms"))


@pytest.mark.django_db(transaction=True)
def test_a_gateway_error_on_the_fourth_of_six_never_texts_anyone_twice(
    secretary, six, gateway, sms_outbox, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC), tick=False)
    c = web(secretary)
    response = text_everyone(c)
    assert response.status_code == 302
    phones = [m.phone for m in sms_outbox]
    assert len(phones) == 3
    assert ActivationText.objects.filter(status=ActivationText.Status.SENT).count() == 3
    assert ActivationText.objects.filter(status=ActivationText.Status.QUEUED).count() == 3
    # The log says who was texted, as the loop in the request never managed to.
    assert MemberChange.objects.filter(note="activation-sms").count() == 3

    # A second click, now that the gateway answers again.
    assert text_everyone(c).status_code == 302
    assert [m.phone for m in sms_outbox] == phones

    time_machine.move_to(dt.datetime(2026, 3, 6, 2, 30, tzinfo=dt.UTC), tick=False)
    assert sweeps.run_sweep("activation_texts")["sent"] == 3
    texted = [m.phone for m in sms_outbox]
    assert sorted(texted) == sorted(m.phone for m in six)
    assert len(set(texted)) == 6

    # Later the same day: a click and a sweep text nobody again.
    time_machine.move_to(dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC), tick=False)
    assert text_everyone(c).status_code == 302
    assert sweeps.run_sweep("activation_texts")["sent"] == 0
    assert len(sms_outbox) == 6
    assert MemberChange.objects.filter(note="activation-sms").count() == 6


@pytest.mark.django_db(transaction=True)
def test_activation_texts_asked_for_while_the_broker_is_down_are_sent_once_by_the_sweep(
    secretary, six, sms_outbox, caplog
):
    c = web(secretary)
    caplog.set_level(logging.WARNING)
    with broker_down():
        assert text_everyone(c).status_code == 302
        assert text_everyone(c).status_code == 302
    assert sms_outbox == []
    assert ActivationText.objects.filter(status=ActivationText.Status.QUEUED).count() == 6
    assert len(enqueue_warnings(caplog)) == 1
    assert sweeps.run_sweep("activation_texts")["sent"] == 6
    assert sorted(m.phone for m in sms_outbox) == sorted(m.phone for m in six)


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_send_task_texts_nobody_twice(secretary, six, sms_outbox):
    from members.tasks import send_activation_texts

    assert text_everyone(web(secretary)).status_code == 302
    assert len(sms_outbox) == 6
    send_activation_texts.delay(list(ActivationText.objects.values_list("pk", flat=True)))
    assert len(sms_outbox) == 6


@pytest.mark.django_db(transaction=True)
def test_a_text_claimed_by_a_worker_that_died_is_never_sent_again(secretary, six, sms_outbox, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC), tick=False)
    with broker_down():
        text_everyone(web(secretary))
    # A worker claimed one row and died before it could say whether the gateway took it.
    claimed = ActivationText.objects.first()
    ActivationText.objects.filter(pk=claimed.pk).update(status=ActivationText.Status.SENDING, claimed_at=timezone.now())
    time_machine.move_to(dt.datetime(2026, 3, 6, 3, 0, tzinfo=dt.UTC), tick=False)
    result = sweeps.run_sweep("activation_texts")
    assert result["sent"] == 5
    assert claimed.member.phone not in [m.phone for m in sms_outbox]
    claimed.refresh_from_db()
    assert claimed.status == ActivationText.Status.FAILED


def test_beat_runs_both_sweeps_often(settings):
    for name, every in (("roster_imports", 300), ("activation_texts", 60)):
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["task"] == "branches.tasks.run_sweep"
        assert entry["args"] == [name]
        assert entry["schedule"] <= every
        assert name in sweeps.REGISTRY
