"""The workspace page: to-do counts, panels, task links and the managed organizations."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from branches.access import scope_of

from .registry import organization_links, panels, task_sections, todo_counts


@login_required
@require_safe
def workspace(request):
    """Every manager's starting point; 403 to a login whose roles grant nothing anywhere.

    The number of queries is the same whatever the number of members or
    branches: one for every count, one per panel, one for the organizations.
    """
    if not scope_of(request.user).manages_anything:
        raise PermissionDenied
    today = timezone.localdate()
    return render(
        request,
        "workspace/home.html",
        {
            "todos": todo_counts(request.user, today),
            "panels": panels(request.user, today),
            "sections": task_sections(request.user),
            "organizations": organization_links(request.user),
        },
    )
