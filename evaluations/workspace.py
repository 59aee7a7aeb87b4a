"""The evaluation's task links in the workspace."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from branches.access import Capability
from members.workspace.registry import TaskLink, register_task_links

register_task_links(
    TaskLink("evaluation", _("Evaluation"), Capability.REVIEW_EVALUATIONS, "evaluations:rounds"),
    TaskLink("evaluation", _("Schemes"), Capability.REVIEW_EVALUATIONS, "evaluations:schemes"),
    TaskLink("evaluation", _("Branch chart"), Capability.REVIEW_EVALUATIONS, "evaluations:branch_chart"),
)
