"""Evaluation tasks: thin wrappers that take ids and may run twice harmlessly (queued with ``branches.queue``).

The names are spelled out: they are what queued messages carry.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="evaluations.tasks.run_round_job", acks_late=True, ignore_result=True)
def run_round_job(evaluation_id: int) -> None:
    """Score a round (and publish it, if asked); a redelivery of finished work does nothing."""
    # Imported here: the services queue this task, so they import this module first.
    from . import services

    services.run_job(evaluation_id)
