"""The wordings of the evaluation's notices, registered with ``notifications.wordings``.

All three go out with the kind "evaluation"; each has its own wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.wordings import wording

from .models import Evaluation

# The stages whose start the people evaluated hear of.
STAGE_NOTICES = {
    Evaluation.Stage.SELF_ASSESSMENT: gettext_lazy("Self-assessment for %(year)s is open"),
    Evaluation.Stage.PUBLICITY: gettext_lazy("The %(year)s evaluation results are published"),
    Evaluation.Stage.FINAL: gettext_lazy("Your %(year)s evaluation is final"),
}


@wording("evaluation_stage")
def stage(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: stage, year."""
    return str(STAGE_NOTICES[params["stage"]]) % {"year": params["year"]}, ""


@wording("evaluation_deadline")
def deadline(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: year, date (the last day of self-assessment)."""
    return _("Self-assessment for %(year)s closes on %(date)s") % {"year": params["year"], "date": params["date"]}, ""


@wording("evaluation_objection")
def objection(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: year, text (the member's words, shown as written)."""
    return _("New objection in the %(year)s evaluation") % {"year": params["year"]}, params["text"]
