"""Hardship visits that are due, for the secretaries who see hardship (``Capability.SEE_HARDSHIP``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from branches.access import Capability, capability_required

from ..access import managed_members
from .visits import due_visits

PER_PAGE = 50


@capability_required(Capability.SEE_HARDSHIP)
@require_safe
def visits_due(request):
    today = timezone.localdate()
    visits = (
        due_visits(today, managed_members(request.user, Capability.SEE_HARDSHIP))
        .select_related("member__organization", "member__group", "responsible")
        .order_by("next_visit_on", "pk")
    )
    page = Paginator(visits, PER_PAGE).get_page(request.GET.get("page"))
    response = render(request, "members/roster/visits_due.html", {"page": page, "today": today})
    # Hardship is personal data: no browser or proxy keeps a copy.
    response["Cache-Control"] = "no-store"
    return response
