"""Roster import tasks: thin wrappers that take an id and may run twice harmlessly."""

from celery import shared_task

from . import importing


@shared_task(acks_late=True, ignore_result=True)
def preview_roster_import(roster_import_id: int) -> None:
    """Plan a large upload; a redelivery after the preview is stored does nothing."""
    importing.preview_import(roster_import_id)


@shared_task(acks_late=True, ignore_result=True)
def confirm_roster_import(roster_import_id: int) -> None:
    """Apply a confirmed import; a redelivery of a finished import does nothing."""
    importing.confirm_import(roster_import_id)
