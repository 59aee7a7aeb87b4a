"""Pages for paper: a meeting's record and a branch's year of meetings (台账), for the branch's managers.

A meeting is found with ``get_managed_activity``, a branch with
``get_managed_organization``, both for ``MANAGE_ACTIVITIES``: another
branch's meeting or ledger is a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from branches.access import Capability, get_managed_organization
from branches.params import parse_int

from ..access import get_managed_activity
from .printing import ledger, meeting_record

# The years a ledger may be asked for; anything else is read as this year.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _no_store(response):
    # Names, leave reasons and minutes of a branch: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def record_print(request, pk: int):
    activity = get_managed_activity(request.user, pk)
    record = meeting_record(activity)
    return _no_store(render(request, "activities/meetings/print_record.html", {"record": record, "activity": activity}))


@login_required
@require_safe
def ledger_print(request, pk: int):
    branch = get_managed_organization(request.user, pk, Capability.MANAGE_ACTIVITIES)
    today = timezone.localdate()
    year = parse_int(request.GET.get("year"), minimum=FIRST_YEAR, maximum=LAST_YEAR) or today.year
    context = {
        "ledger": ledger(branch, year, today),
        "branch": branch,
        "year": year,
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
    }
    return _no_store(render(request, "activities/meetings/print_ledger.html", context))
