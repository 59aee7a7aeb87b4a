"""The work of a ``RosterImport``: preview (planned, stored), then confirm (applied all or nothing).

Both steps may run twice harmlessly (a redelivered task): each claims the
import by a conditional update and does nothing if another run got there
first. Progress is written as the rows are planned, for the status page to
poll. Whether a step runs in the request or in a task is ``dispatch``'s choice.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..errors import RosterFileError
from ..models import RosterImport
from .applying import apply_plan
from .files import Table, read_roster
from .messages import Message, Text, stored
from .planning import ImportPlan, existing_members, plan_import, seen_members

MAX_STORED_ERRORS = 1000


def progress_of(roster_import: RosterImport) -> Callable[[int], None]:
    def report(done: int) -> None:
        # Committed on its own (autocommit), so the status page sees it while the work goes on.
        RosterImport.objects.filter(pk=roster_import.pk).update(processed_rows=done)

    return report


def _table_of(roster_import: RosterImport) -> Table:
    with roster_import.file.open("rb") as handle:
        return read_roster(handle.read())


def store_errors(plan: ImportPlan) -> list[dict]:
    return [error.as_dict() for error in plan.errors[:MAX_STORED_ERRORS]]


def preview_import(roster_import_id: int) -> RosterImport | None:
    """Plan an uploaded import and store the preview. Does nothing if the preview is already there."""
    claimed = RosterImport.objects.filter(
        pk=roster_import_id,
        status__in=[RosterImport.Status.QUEUED, RosterImport.Status.RUNNING],
        summary__has_key="phase",
    ).update(status=RosterImport.Status.RUNNING, processed_rows=0)
    roster_import = RosterImport.objects.select_related("organization").filter(pk=roster_import_id).first()
    if not claimed or roster_import is None:
        return roster_import
    try:
        plan = plan_import(_table_of(roster_import), roster_import.organization, progress=progress_of(roster_import))
    except RosterFileError as exc:
        _fail(roster_import, exc.message)
        return roster_import
    except Exception:
        _fail(roster_import, Message(gettext_noop("The preview failed unexpectedly; nothing was imported.")))
        raise
    roster_import.status = RosterImport.Status.PREVIEWED
    roster_import.total_rows = plan.total
    roster_import.processed_rows = plan.total
    roster_import.summary = plan.summary()
    roster_import.errors = store_errors(plan)
    roster_import.save(update_fields=["status", "total_rows", "processed_rows", "summary", "errors"])
    return roster_import


def confirm_import(roster_import_id: int) -> RosterImport | None:
    """Apply a previewed import all or nothing. A second call (a redelivered task) does nothing."""
    claimed = (
        RosterImport.objects.filter(
            pk=roster_import_id, status__in=[RosterImport.Status.QUEUED, RosterImport.Status.RUNNING]
        )
        .exclude(summary__has_key="phase")
        .update(status=RosterImport.Status.RUNNING, processed_rows=0)
    )
    roster_import = (
        RosterImport.objects.select_related("organization", "created_by").filter(pk=roster_import_id).first()
    )
    if not claimed or roster_import is None:
        return roster_import
    try:
        return _confirm(roster_import)
    except RosterFileError as exc:
        _fail(roster_import, exc.message)
    except IntegrityError:
        _fail(
            roster_import,
            Message(gettext_noop("The roster changed while importing; nothing was imported. Upload the file again.")),
        )
    except Exception:
        _fail(roster_import, Message(gettext_noop("The import failed unexpectedly; nothing was imported.")))
        raise
    roster_import.refresh_from_db()
    return roster_import


def _confirm(roster_import: RosterImport) -> RosterImport:
    branch = roster_import.organization
    table = _table_of(roster_import)
    # The slow part (parsing, validating) runs outside the transaction so its progress shows.
    plan = plan_import(table, branch, progress=progress_of(roster_import))
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
        if locked.status == RosterImport.Status.DONE:
            return locked
        if seen_members(*existing_members(plan.phones, plan.id_numbers, lock=True)) != plan.seen:
            # The roster changed since the plan: plan again under the locks.
            plan = plan_import(table, branch, lock=True)
        if plan.errors:
            locked.status = RosterImport.Status.FAILED
            locked.summary = plan.summary()
            locked.errors = store_errors(plan)
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "summary", "errors", "finished_at"])
            return locked
        result = apply_plan(
            plan, branch, roster_import.created_by, note=_("Import of %(file)s") % {"file": roster_import.filename}
        )
        locked.status = RosterImport.Status.DONE
        locked.processed_rows = plan.total
        locked.summary = {
            **plan.summary(),
            "created": result.created,
            "updated": result.updated,
            "unchanged_done": result.unchanged,
        }
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "processed_rows", "summary", "finished_at"])
        return locked


def _fail(roster_import: RosterImport, message: Text) -> None:
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.FAILED,
        errors=[stored(0, "", message)],
        finished_at=timezone.now(),
    )
