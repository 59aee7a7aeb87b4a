"""Starting an import's work: within the request for a small file, by a Celery task after the commit for a large one."""

from __future__ import annotations

from django.conf import settings

from branches.models import Organization

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
        summary={"phase": "preview"},
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
    tasks.preview_roster_import.delay_on_commit(roster_import.pk)
    return roster_import


def request_confirm(roster_import: RosterImport) -> bool:
    """Start the confirm of a clean preview: at once if small, else by a task. False if not confirmable."""
    if roster_import.summary.get("errors", 1) != 0:
        return False
    updated = RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.PREVIEWED).update(
        status=RosterImport.Status.QUEUED, processed_rows=0
    )
    if not updated:
        return False
    if is_async(roster_import.total_rows):
        tasks.confirm_roster_import.delay_on_commit(roster_import.pk)
    else:
        confirm_import(roster_import.pk)
    return True
