"""A round's slow work (opening, rescoring, publishing) runs as a queued job the round's page follows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import queue
from branches.queue import enqueue as broker_back
from branches.sweeps import run_sweep
from evaluations import scoring, services
from evaluations.models import Assessment, Evaluation, Item, ItemScore
from members.models import Member
from members.tests.factories import MemberFactory

from .conftest import YEAR

pytestmark = pytest.mark.django_db

NOW = dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _early_in_the_year():
    """Before any month has ended nothing is due: every automatic item gives full points (30 of basic 80)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def english(client, settings, secretary):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(secretary)
    return client


@pytest.fixture
def lost(monkeypatch):
    """The broker is down: every message is dropped, as ``enqueue`` does when it cannot reach it."""
    sent = []
    monkeypatch.setattr(queue, "enqueue", lambda task, *args: sent.append(args) or False)
    monkeypatch.setattr(services, "enqueue", lambda task, *args: sent.append(args) or False)
    return sent


def open_from_the_page(client, scheme, branch, capture) -> Evaluation:
    with capture(execute=True):
        response = client.post(reverse("evaluations:open_round"), {"organization": branch.pk, "scheme": scheme.pk})
    assert response.status_code == 302
    return Evaluation.objects.get()


def scores_of(evaluation: Evaluation) -> list[tuple]:
    return list(
        ItemScore.objects.filter(assessment__evaluation=evaluation)
        .order_by("assessment_id", "item_id")
        .values_list("assessment_id", "item_id", "points", "facts")
    )


def totals_of(evaluation: Evaluation) -> list[tuple]:
    return list(
        Assessment.objects.filter(evaluation=evaluation)
        .order_by("pk")
        .values_list("pk", "automatic_points", "total", "unscored", "rating")
    )


def test_opening_queues_the_scoring_which_runs_to_the_end_with_progress(
    english, member_scheme, branch_a, member, monkeypatch, django_capture_on_commit_callbacks
):
    for name in ("carol", "dan"):
        MemberFactory(organization=branch_a, name=name)
    monkeypatch.setattr(scoring, "CHUNK", 2)
    seen = []
    real = services.score_automatic

    def spy(evaluation, today=None, progress=None):
        def report(done, total):
            progress(done, total)
            seen.append((done, total, Evaluation.objects.values_list("job_done", "job_total").get()))

        return real(evaluation, today, progress=report)

    monkeypatch.setattr(services, "score_automatic", spy)
    evaluation = open_from_the_page(english, member_scheme, branch_a, django_capture_on_commit_callbacks)
    # Each committed chunk moves the bar the page polls.
    assert seen == [(0, 3, (0, 3)), (2, 3, (2, 3)), (3, 3, (3, 3))]
    assert evaluation.job == "" and evaluation.job_started_at is None and evaluation.scored_at is not None
    assert {points for _a, _i, points, _f in scores_of(evaluation)} == {D("10.0"), D("5.0")}
    assert set(evaluation.assessments.values_list("automatic_points", flat=True)) == {D("30.0")}
    status = english.get(reverse("evaluations:round_status", args=[evaluation.pk])).json()
    assert (status["working"], status["processed"], status["total"]) == (False, 3, 3)


def test_the_round_page_shows_progress_until_the_job_is_done(
    english, member_scheme, branch_a, member, lost, django_capture_on_commit_callbacks
):
    evaluation = open_from_the_page(english, member_scheme, branch_a, django_capture_on_commit_callbacks)
    assert lost == [(evaluation.pk,)]
    page = english.get(reverse("evaluations:round", args=[evaluation.pk]))
    assert "<progress" in page.text and "import-progress.js" in page.text
    assert "Waiting for the background worker" in page.text
    assert "Close self-assessment and start review" not in page.text
    assert "Recalculate automatic items" not in page.text
    status = english.get(reverse("evaluations:round_status", args=[evaluation.pk])).json()
    assert status == {
        "status": "score",
        "status_label": "Calculating the automatic items",
        "processed": 0,
        "total": 0,
        "working": True,
        "url": reverse("evaluations:round", args=[evaluation.pk]),
    }
    assert services.run_job(evaluation.pk)
    page = english.get(reverse("evaluations:round", args=[evaluation.pk]))
    assert "<progress" not in page.text
    assert "Close self-assessment and start review" in page.text


def test_a_second_click_is_refused_politely_and_queues_nothing(
    english, member_scheme, branch_a, member, secretary, lost, django_capture_on_commit_callbacks
):
    evaluation = open_from_the_page(english, member_scheme, branch_a, django_capture_on_commit_callbacks)
    for name in ("rescore", "advance"):
        with django_capture_on_commit_callbacks(execute=True):
            response = english.post(reverse(f"evaluations:{name}", args=[evaluation.pk]))
        assert response.status_code == 302
        page = english.get(response.url)
        assert "The automatic items of this round are being calculated" in page.text
    assert lost == [(evaluation.pk,)]
    evaluation.refresh_from_db()
    assert (evaluation.stage, evaluation.job) == (Evaluation.Stage.SELF_ASSESSMENT, Evaluation.Job.SCORE)
    with pytest.raises(services.EvaluationError) as refused:
        services.rescore(evaluation, secretary, background=True)
    assert refused.value.code == "job_running"


def test_a_lost_message_is_queued_again_by_the_sweep(
    english, member_scheme, branch_a, member, lost, monkeypatch, django_capture_on_commit_callbacks
):
    evaluation = open_from_the_page(english, member_scheme, branch_a, django_capture_on_commit_callbacks)
    assert not ItemScore.objects.exists()
    # Too early: the message may still be on its way.
    assert run_sweep("evaluation_jobs") == {"requeued": 0, "waiting": 0}
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        assert run_sweep("evaluation_jobs") == {"requeued": 0, "waiting": 1}
        assert len(lost) == 2
    # The broker is back: the next sweep's message runs the job (eagerly here).
    monkeypatch.setattr(services, "enqueue", broker_back)
    with time_machine.travel(NOW + dt.timedelta(minutes=12), tick=False):
        assert run_sweep("evaluation_jobs") == {"requeued": 1, "waiting": 0}
    evaluation.refresh_from_db()
    assert evaluation.job == ""
    assert set(evaluation.assessments.values_list("automatic_points", flat=True)) == {D("30.0")}


def test_a_job_whose_worker_died_is_finished_by_a_retry_with_the_same_scores(
    english, member_scheme, branch_a, member, lost, monkeypatch, django_capture_on_commit_callbacks
):
    MemberFactory(organization=branch_a, name="carol")
    evaluation = open_from_the_page(english, member_scheme, branch_a, django_capture_on_commit_callbacks)
    # A worker claims it, scores the first chunk, and dies.
    monkeypatch.setattr(scoring, "CHUNK", 1)

    def dies(done, total):
        if done == 1:
            raise SystemExit

    real = services.score_automatic
    monkeypatch.setattr(services, "score_automatic", lambda e, progress=None: real(e, progress=dies))
    with pytest.raises(SystemExit):
        services.run_job(evaluation.pk)
    monkeypatch.setattr(services, "score_automatic", real)
    assert Assessment.objects.filter(evaluation=evaluation, automatic_points=D("30.0")).count() == 1
    # Redelivered while it still looks alive: left to the run that holds it.
    assert not services.run_job(evaluation.pk)
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        monkeypatch.setattr(services, "enqueue", broker_back)
        assert run_sweep("evaluation_jobs") == {"requeued": 1, "waiting": 0}
    evaluation.refresh_from_db()
    assert evaluation.job == ""
    after_retry = (scores_of(evaluation), totals_of(evaluation))
    # Once more from the start: nothing moves.
    scoring.score_automatic(evaluation)
    assert (scores_of(evaluation), totals_of(evaluation)) == after_retry
    assert {total for _pk, automatic, total, _u, _r in after_retry[1]} == {D("40.0")}


def test_publishing_waits_for_the_job_and_a_refusal_shows_on_the_page(
    english, member_scheme, branch_a, member, secretary, lost, django_capture_on_commit_callbacks
):
    evaluation = services.open_evaluation(member_scheme, branch_a, secretary)
    evaluation = services.advance(evaluation, secretary)
    role = Item.objects.get(section__scheme=member_scheme, title="发挥作用")
    services.score_item_for_rest(evaluation, role, secretary, "40", "统一")
    with django_capture_on_commit_callbacks(execute=True):
        english.post(reverse("evaluations:advance", args=[evaluation.pk]))
    evaluation.refresh_from_db()
    assert (evaluation.stage, evaluation.job) == (Evaluation.Stage.REVIEW, Evaluation.Job.PUBLISH)
    # A score taken away meanwhile: the job scores, then refuses to publish, and says why.
    ItemScore.objects.filter(item=role).update(points=None)
    services.recompute_totals(evaluation)
    assert services.run_job(evaluation.pk)
    evaluation.refresh_from_db()
    assert (evaluation.stage, evaluation.job, evaluation.job_refusal) == ("review", "", "unscored_results")
    page = english.get(reverse("evaluations:round", args=[evaluation.pk]))
    assert "The results were not published" in page.text
    services.score_item_for_rest(evaluation, role, secretary, "40", "统一")
    with django_capture_on_commit_callbacks(execute=True):
        english.post(reverse("evaluations:advance", args=[evaluation.pk]))
    services.run_job(evaluation.pk)
    evaluation.refresh_from_db()
    assert (evaluation.stage, evaluation.job, evaluation.job_refusal) == ("publicity", "", "")
    assert evaluation.changes.filter(what="stage", new="publicity", user=secretary).exists()


def test_round_page_query_count_is_the_same_while_a_job_runs(
    english, member_scheme, branch_a, member, lost, django_capture_on_commit_callbacks
):
    evaluation = open_from_the_page(english, member_scheme, branch_a, django_capture_on_commit_callbacks)
    url = reverse("evaluations:round", args=[evaluation.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert english.get(url).status_code == 200
        return len(queries)

    working = count()
    for _ in range(20):
        MemberFactory(organization=branch_a)
    Assessment.objects.bulk_create(
        Assessment(evaluation=evaluation, member=m)
        for m in Member.objects.filter(organization=branch_a).exclude(assessments__evaluation=evaluation)
    )
    assert count() == working
    services.run_job(evaluation.pk)
    assert count() <= working + 1
    with CaptureQueriesContext(connection) as queries:
        english.get(reverse("evaluations:round_status", args=[evaluation.pk]))
    assert len(queries) <= 6
