"""Check-in photos: received with the check-in, re-encoded by a worker.

Decoding and re-encoding a phone photo costs tens of check-ins' worth of
time, so the request only checks the header (type, pixel count), records the
check-in and keeps the upload as it came in ``photo_upload``, which nothing
serves. A worker then writes the clean JPEG into ``photo`` and removes the
upload. Every step is a conditional update on ``photo_state``, so a task run
twice, a redelivery after a worker died, or the sweep's re-queue all end with
one photo. A photo that cannot be decoded is dropped; the check-in stands.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone

from branches.queue import enqueue, enqueue_on_commit
from branches.uploads import clean_photo

from . import tasks
from .models import CheckIn

logger = logging.getLogger(__name__)

# A task still not done this long after it was queued lost its message or its worker.
STALE_AFTER = dt.timedelta(minutes=5)
# A photo still unprocessed a day after the check-in keeps failing; it is dropped rather than retried forever.
GIVE_UP_AFTER = dt.timedelta(days=1)

State = CheckIn.PhotoState

# The JPEG quality the check-in page re-encodes a photo with before sending it
# (static/js/photo-shrink.js, at most ``PHOTO_MAX_SIDE`` a side): a 12-megapixel
# photo of 3 MB goes out as a few hundred kilobytes, and the worker's own
# re-encode at its quality is the one the photo is kept at.
SHRINK_QUALITY = 0.8


def keep(upload: UploadedFile) -> str:
    """Store the upload as it came, for the worker; returns its name. ``upload`` has passed ``check_photo``."""
    field = CheckIn._meta.get_field("photo_upload")
    # A random name: the member's file name never reaches the disk.
    return field.storage.save(field.generate_filename(None, uuid.uuid4().hex), upload)


def discard(name: str) -> None:
    """Remove an upload no check-in refers to (the tap that lost the race, a failed insert)."""
    CheckIn._meta.get_field("photo_upload").storage.delete(name)


def queue(checkin: CheckIn) -> None:
    """Hand a check-in's kept upload to a worker once the check-in is committed."""
    enqueue_on_commit(tasks.process_checkin_photo, checkin.pk)


def process(checkin_id: int) -> str:
    """Re-encode the check-in's upload into its photo; what happened: ready, failed or nothing to do."""
    checkin = CheckIn.objects.filter(pk=checkin_id, photo_state=State.PROCESSING).exclude(photo_upload="").first()
    if checkin is None:
        return "nothing"  # done by an earlier run, dropped, or the check-in is gone
    upload_name = checkin.photo_upload.name
    try:
        with checkin.photo_upload.open("rb") as raw:
            clean = clean_photo(raw)
    except FileNotFoundError:
        # Another run finished first and removed the upload; if not, there is nothing left to decode.
        return "nothing" if _fail(checkin, "the upload is missing") == 0 else "failed"
    except ValidationError as error:
        _fail(checkin, error.code)
        return "failed"
    photo_field = checkin.photo.field
    name = photo_field.storage.save(photo_field.generate_filename(checkin, "photo.jpg"), clean)
    won = CheckIn.objects.filter(pk=checkin.pk, photo_state=State.PROCESSING).update(
        photo=name, photo_state=State.READY
    )
    if not won:
        photo_field.storage.delete(name)  # a concurrent run stored its copy first
        return "nothing"
    _remove_upload(checkin.pk, upload_name)
    return "ready"


def _fail(checkin: CheckIn, reason: str) -> int:
    failed = CheckIn.objects.filter(pk=checkin.pk, photo_state=State.PROCESSING).update(photo_state=State.FAILED)
    if failed:
        logger.warning("check-in %s: photo dropped (%s)", checkin.pk, reason)
        _remove_upload(checkin.pk, checkin.photo_upload.name)
    return failed


def _remove_upload(checkin_id: int, name: str) -> None:
    # The file first: if the worker dies between the two, the sweep still sees the name and removes it.
    discard(name)
    CheckIn.objects.filter(pk=checkin_id, photo_upload=name).update(photo_upload="")


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue again the photos whose task is overdue, drop those overdue for a day, remove leftover uploads.

    Every row with an upload is in flight or left one behind, so one query
    on the partial index over those rows finds all the work.
    """
    now = now or timezone.now()
    counts = {"requeued": 0, "waiting": 0, "dropped": 0, "uploads_removed": 0}
    pending = CheckIn.objects.exclude(photo_upload="").only("pk", "checked_in_at", "photo_upload", "photo_state")
    for checkin in pending.filter(~Q(photo_state=State.PROCESSING) | Q(photo_queued_at__lt=now - STALE_AFTER)):
        if checkin.photo_state != State.PROCESSING:
            _remove_upload(checkin.pk, checkin.photo_upload.name)
            counts["uploads_removed"] += 1
        elif now - checkin.checked_in_at > GIVE_UP_AFTER:
            counts["dropped"] += _fail(checkin, "still unprocessed a day later")
        elif CheckIn.objects.filter(pk=checkin.pk, photo_state=State.PROCESSING).update(photo_queued_at=now):
            # Renewed first, so a backed-up queue does not get the same photo every sweep.
            counts["requeued" if enqueue(tasks.process_checkin_photo, checkin.pk) else "waiting"] += 1
    return counts
