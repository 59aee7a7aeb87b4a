"""Roster import tasks: thin wrappers that take an id and may run twice harmlessly.

The names are spelled out: they are what queued messages carry, so moving
the code they call must never rename them.
"""

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
