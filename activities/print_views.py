"""Pages for paper: the activity's sign-in sheet, for the activity's managers (``get_managed_activity``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .access import get_managed_activity
from .sheets import sign_in_sheet


@login_required
@require_safe
def signin_sheet(request, pk: int):
    activity = get_managed_activity(request.user, pk)
    response = render(request, "activities/signin_sheet.html", {"sheet": sign_in_sheet(activity)})
    # Names and check-in times of a whole branch: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return response
