"""A real worker killed in the middle of a round's scoring: the sweep hands the job to another, which finishes it.

The worker is a ``celery worker`` process on the real broker (the embedded
one, or Redis when REDIS_URL is set), killed with SIGKILL while it is between
chunks of a 12,500-member round: no ``finally`` runs, its message is gone
(embedded broker) or parked unacknowledged (Redis). What it committed stays,
the rest is what the database says is still to do.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.db.models import Case, CharField, DateTimeField, F, IntegerField, Value, When
from django.db.models.functions import Mod
from django.utils import timezone

from activities.models import Attendance, MaterialDelivery
from activities.tests.factories import ActivityFactory, MaterialFactory
from activities.tests.test_drills import forget_unacked
from branches.bulk import insert_from_select
from branches.tests.factories import OrganizationFactory
from branches.tests.workers import explained, reset_broker_pools
from evaluations import scoring, services
from evaluations.models import Assessment, Evaluation, Item, ItemScore
from members.models import Member
from members.tests.factories import UserFactory

from .conftest import build_member_scheme

# Scoring 12,500 members takes a few seconds a chunk on a loaded machine.
WAIT_SECONDS = 180


def wait(condition, worker, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        assert worker.process.poll() is None, f"worker exited with {worker.process.returncode}"
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {WAIT_SECONDS} s")


def large_branch(year: int, size: int):
    """A branch of ``size`` members with three activity days and a material each, outcomes varying by member."""
    branch = OrganizationFactory(name="大支部", code="large")
    Member.objects.bulk_create(
        Member(
            name=f"党员{n}",
            gender=Member.Gender.MALE,
            phone=f"+86172{n:08d}",
            joined_party_on=dt.date(2005, 1, 1) + dt.timedelta(days=n % 5000),
            organization=branch,
            is_itinerant=True,
        )
        for n in range(size)
    )
    roster = Member.objects.filter(organization=branch)
    text, stamp, number = CharField(), DateTimeField(), IntegerField()
    for month in (1, 2, 3):
        day = ActivityFactory(
            organization=branch, date=dt.date(year, month, 6), closed_at=dt.datetime(year, month, 10, tzinfo=dt.UTC)
        )
        people = roster.annotate(kind=Mod(F("pk") + month, 4))
        insert_from_select(
            Attendance,
            ["member", "activity", "outcome", "recorded_at"],
            people.annotate(
                a=Value(day.pk, output_field=number),
                o=Case(
                    When(kind=0, then=Value("absent")),
                    When(kind=1, then=Value("excused")),
                    default=Value("attended"),
                    output_field=text,
                ),
                r=Value(day.closes_at, output_field=stamp),
            ).values_list("pk", "a", "o", "r"),
        )
        morning = day.morning()
        insert_from_select(
            MaterialDelivery,
            ["member", "material", "activity", "delivered_at", "studied_at"],
            people.annotate(
                m=Value(MaterialFactory().pk, output_field=number),
                a=Value(day.pk, output_field=number),
                d=Value(morning, output_field=stamp),
                s=Case(When(kind__lt=2, then=None), default=Value(morning + dt.timedelta(hours=2)), output_field=stamp),
            ).values_list("pk", "m", "a", "d", "s"),
        )
    return branch


def automatic_scores(evaluation: Evaluation) -> list[tuple]:
    return list(
        ItemScore.objects.filter(assessment__evaluation=evaluation)
        .exclude(item__method=Item.MANUAL)
        .order_by("assessment_id", "item_id")
        .values_list("assessment_id", "item_id", "points", "facts")
    )


def totals(evaluation: Evaluation) -> list[tuple]:
    return list(
        Assessment.objects.filter(evaluation=evaluation)
        .order_by("pk")
        .values_list("pk", "automatic_points", "total", "section_points")
    )


@pytest.mark.integration
def test_a_worker_killed_between_chunks_leaves_the_round_to_the_sweep_and_the_next_worker_finishes_it(
    broker, worker_factory
):
    year = timezone.localdate().year - 1
    size = 2 * scoring.CHUNK + scoring.CHUNK // 2
    branch = large_branch(year, size)
    secretary = UserFactory(name="alice")
    scheme = build_member_scheme(branch, year)

    reset_broker_pools()
    worker = worker_factory()
    try:
        # The click: the round opens at once, its scoring is queued on the real broker.
        evaluation = services.open_evaluation(scheme, branch, secretary, background=True)
        worker.start()
        job = Evaluation.objects.filter(pk=evaluation.pk)
        with explained(worker):
            wait(lambda: job.values_list("job_done", flat=True).get() >= scoring.CHUNK, worker, "a chunk scored")
        worker.process.kill()
        worker.process.wait()

        state, done, total = job.values_list("job", "job_done", "job_total").get()
        assert state == Evaluation.Job.SCORE, "the drill must interrupt the job, not follow it"
        assert 0 < done < total == size
        scored = ItemScore.objects.filter(assessment__evaluation=evaluation).count()
        assert 4 * scoring.CHUNK <= scored < 4 * size, "what the dead worker committed stays, and only that"
        # A redelivery now finds a run that still looks alive, and leaves it be.
        assert not services.run_job(evaluation.pk)

        # Five minutes without progress: the sweep queues it again and another worker takes it from the start.
        again = worker_factory()
        again.start()
        later = timezone.now() + services.JOB_STALE_AFTER + dt.timedelta(minutes=1)
        assert services.requeue_stale_jobs(later) == {"requeued": 1, "waiting": 0}
        with explained(again):
            wait(lambda: job.values_list("job", flat=True).get() == "", again, "the job finished")
            assert again.stop() == 0
    finally:
        reset_broker_pools()
        if settings.REDIS_URL:
            forget_unacked(broker["queue"])

    evaluation.refresh_from_db()
    assert evaluation.scored_at is not None
    assert (evaluation.job_started_at, evaluation.job_beat_at, evaluation.job_refusal) == (None, None, "")
    finished = (automatic_scores(evaluation), totals(evaluation))
    assert len(finished[0]) == 4 * size
    # The records vary by member, and so do the scores the second worker wrote.
    assert len({points for _a, _i, points, _f in finished[0]}) > 3
    # Exactly what one uninterrupted scoring gives: once more from the start, nothing moves.
    scoring.score_automatic(evaluation)
    assert (automatic_scores(evaluation), totals(evaluation)) == finished
    # The killed worker's message, should a broker hand it out again, finds nothing to do.
    assert not services.run_job(evaluation.pk)
