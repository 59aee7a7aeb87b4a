"""The member home page's evaluation notice: self-assessment open, or results published."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from members.home import register_home_annotations, register_home_section
from members.models import Member

from .models import Assessment, Evaluation

# The results a member is told about on the home page: waiting for their self-assessment, or published right now.
NOTICE = Q(evaluation__stage=Evaluation.Stage.SELF_ASSESSMENT, self_submitted_at__isnull=True) | Q(
    evaluation__stage=Evaluation.Stage.PUBLICITY
)


@register_home_annotations
def evaluation_notice_facts(today: dt.date) -> dict:
    """Whether there is anything to tell, read with the member's own row: most of the year there is not."""
    return {"home_has_evaluation_notice": Exists(Assessment.objects.filter(NOTICE, member=OuterRef("pk")))}


@register_home_section
def evaluation_notice(request: HttpRequest, member: Member, today: dt.date) -> dict | None:
    """One query, or none when the member's row says there is nothing: the results of ``NOTICE``."""
    if member.__dict__.get("home_has_evaluation_notice", True) is False:
        return None
    results = list(
        Assessment.objects.filter(member=member)
        .filter(NOTICE)
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
