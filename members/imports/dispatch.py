"""Starting an import's work: within the request for a small file, by a Celery task after the commit for a large one.

A queued import is marked ``queued`` with the time it was queued before any
message is sent, so the database always says what is still to be done: if
the broker is down, the request still answers and ``requeue_stale`` (the
``roster_imports`` sweep) sends the work again once it is back.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from branches.models import Organization
from branches.queue import enqueue, enqueue_on_commit

from .. import tasks
from ..models import RosterImport
from .files import Table
from .lifecycle import confirm_import, store_errors
from .planning import plan_import


def is_async(total_rows: int) -> bool:
    return total_rows >= settings.ROSTER_IMPORT_ASYNC_ROWS


def create_import(data_file, branch: Organization, user, table: Table) -> RosterImport:
    """Save an uploaded file; small ones are previewed at once, large ones by a task after commit."""
    roster_import = RosterImport(
        organization=branch,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        file=data_file,
        filename=(getattr(data_file, "name", "") or "roster")[-200:],
        total_rows=table.total,
        status=RosterImport.Status.QUEUED,
        summary={"phase": "preview", "queued_at": timezone.now().isoformat()},
    )
    if not is_async(table.total):
        plan = plan_import(table, branch)
        roster_import.status = RosterImport.Status.PREVIEWED
        roster_import.processed_rows = plan.total
        roster_import.summary = plan.summary()
        roster_import.errors = store_errors(plan)
        roster_import.save()
        return roster_import
    roster_import.save()
    enqueue_on_commit(tasks.preview_roster_import, roster_import.pk)
    return roster_import


def request_confirm(roster_import: RosterImport) -> bool:
    """Start the confirm of a clean preview: at once if small, else by a task. False if not confirmable."""
    if roster_import.summary.get("errors", 1) != 0:
        return False
    # The preview's summary does not change once previewed, so it is safe to extend it here.
    updated = RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.PREVIEWED).update(
        status=RosterImport.Status.QUEUED,
        processed_rows=0,
        summary={**roster_import.summary, "queued_at": timezone.now().isoformat()},
    )
    if not updated:
        return False
    if is_async(roster_import.total_rows):
        enqueue_on_commit(tasks.confirm_roster_import, roster_import.pk)
    else:
        confirm_import(roster_import.pk)
    return True


# A queued import no worker has claimed after this long lost its message (or the broker was down).
STALE_AFTER = dt.timedelta(minutes=5)


def queued_at(roster_import: RosterImport) -> dt.datetime:
    stamp = (roster_import.summary or {}).get("queued_at")
    try:
        return dt.datetime.fromisoformat(stamp) if stamp else roster_import.created_at
    except (TypeError, ValueError):
        return roster_import.created_at


def requeue_stale(now: dt.datetime | None = None) -> dict[str, int]:
    """Queue again the imports still ``queued`` STALE_AFTER after they were queued.

    Only ``queued`` ones: a worker's claim turns an import ``running`` at
    once, so anything still queued has no task on its way. The time is
    renewed first, under the same condition, so a worker that claims it
    meanwhile wins and a backed-up queue does not get it twice a sweep.
    """
    now = now or timezone.now()
    counts = {"requeued": 0, "waiting": 0}
    for roster_import in RosterImport.objects.filter(status=RosterImport.Status.QUEUED).order_by("pk"):
        if now - queued_at(roster_import) < STALE_AFTER:
            continue
        renewed = RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.QUEUED).update(
            summary={**roster_import.summary, "queued_at": now.isoformat()}
        )
        if not renewed:
            continue
        task = tasks.preview_roster_import if "phase" in roster_import.summary else tasks.confirm_roster_import
        counts["requeued" if enqueue(task, roster_import.pk) else "waiting"] += 1
    return counts
