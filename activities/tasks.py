"""Activities tasks: thin wrappers that take ids and may run twice harmlessly (queued with ``branches.queue``).

The names are spelled out: they are what queued messages carry, so moving
the code they call must never rename them.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="activities.tasks.process_checkin_photo", acks_late=True, ignore_result=True)
def process_checkin_photo(checkin_id: int) -> str:
    """Re-encode a check-in photo; a redelivery after it is stored, or after it was dropped, does nothing."""
    from . import photos

    return photos.process(checkin_id)
