"""The evaluation's periodic jobs: remind members who have not self-assessed, and pick up lost scoring work."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from branches.sweeps import register
from members.models import Member
from notifications.services import Notice, notify_members

from .models import Evaluation, Subject
from .services import requeue_stale_jobs

REMIND_DAYS_BEFORE = 3


@register("evaluation_jobs")
def evaluation_jobs(today: dt.date) -> dict[str, int]:
    """Rounds whose scoring lost its message or its worker: queued again, to run from the start."""
    return requeue_stale_jobs()


@register("evaluation_deadlines")
def remind_self_assessment(today: dt.date) -> dict[str, int]:
    """Tell members who have not sent their self-assessment, once, in the last days before it closes.

    The key holds the deadline, so the reminder goes once per round and date
    whichever morning of the window the sweep first runs (a beat down for a
    day still reminds); a deadline moved later reminds again.
    """
    rounds = Evaluation.objects.filter(
        stage=Evaluation.Stage.SELF_ASSESSMENT,
        scheme__subject=Subject.MEMBER,
        self_assessment_ends_on__gte=today,
        self_assessment_ends_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE),
    )
    sent = 0
    for evaluation in rounds:
        ids = list(
            evaluation.assessments.filter(
                self_submitted_at__isnull=True, member__user__isnull=False, member__state=Member.State.ACTIVE
            ).values_list("member_id", flat=True)
        )
        notice = Notice(
            kind="evaluation",
            wording="evaluation_deadline",
            params={"year": evaluation.year, "date": evaluation.self_assessment_ends_on.isoformat()},
            url=reverse("evaluations:mine"),
        )
        key = f"evaluation:{evaluation.pk}:deadline:{evaluation.self_assessment_ends_on.isoformat()}:{{member}}"
        sent += notify_members(ids, notice, key)
    return {"rounds": len(rounds), "members": sent}
