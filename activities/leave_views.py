"""The leave queue: pending leave requests in the user's scope, decided in place (``views.leave_decide``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from branches.access import Capability, capability_required

from .access import managed_leaves
from .models import Leave

PER_PAGE = 30


@capability_required(Capability.DECIDE_LEAVE)
@require_safe
def leave_queue(request):
    leaves = (
        managed_leaves(request.user)
        .filter(status=Leave.Status.PENDING)
        .select_related("member__group", "activity__organization")
        .order_by("activity__date", "created_at", "pk")
    )
    page = Paginator(leaves, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "activities/leaves.html", {"page": page})
