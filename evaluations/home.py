"""The member home page's evaluation notice: self-assessment open, or results published."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from members.home import register_home_section
from members.models import Member

from .models import Assessment, Evaluation


@register_home_section
def evaluation_notice(request: HttpRequest, member: Member, today: dt.date) -> dict | None:
    """One query: the member's results waiting for their self-assessment or published right now."""
    results = list(
        Assessment.objects.filter(member=member)
        .filter(
            Q(evaluation__stage=Evaluation.Stage.SELF_ASSESSMENT, self_submitted_at__isnull=True)
            | Q(evaluation__stage=Evaluation.Stage.PUBLICITY)
        )
        .select_related("evaluation")
        .only(
            "pk",
            "self_submitted_at",
            "evaluation__year",
            "evaluation__stage",
            "evaluation__self_assessment_ends_on",
            "evaluation__publicity_ends_at",
        )
        .order_by("-evaluation__year", "-pk")[:5]
    )
    if not results:
        return None
    return {"template": "evaluations/member/_home.html", "results": results, "now": timezone.now()}
