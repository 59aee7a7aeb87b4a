"""Members tasks: thin wrappers that take ids and may run twice harmlessly (queued with ``branches.queue``).

The names are spelled out: they are what queued messages carry, so moving
the code they call must never rename them.
"""

from __future__ import annotations

from celery import shared_task

from .imports import lifecycle


@shared_task(name="members.tasks.preview_roster_import", acks_late=True, ignore_result=True)
def preview_roster_import(roster_import_id: int) -> None:
    """Plan a large upload; a redelivery after the preview is stored does nothing."""
    lifecycle.preview_import(roster_import_id)


@shared_task(name="members.tasks.confirm_roster_import", acks_late=True, ignore_result=True)
def confirm_roster_import(roster_import_id: int) -> None:
    """Apply a confirmed import; a redelivery of a finished import does nothing."""
    lifecycle.confirm_import(roster_import_id)


@shared_task(name="members.tasks.send_activation_texts", acks_late=True, ignore_result=True)
def send_activation_texts(text_ids: list[int]) -> None:
    """Send these activation texts; one already claimed or sent is skipped, so a redelivery texts nobody twice."""
    from . import activation

    activation.send_texts(text_ids)
