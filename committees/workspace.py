"""The committee's task links in the workspace: the branches' committees, and each branch's own."""

from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from members.workspace.registry import TaskLink, register_task_links

from .access import CAPABILITY

register_task_links(
    TaskLink("life", _("Branch committees and terms"), CAPABILITY, "committees:overview"),
    TaskLink(
        "life", _("Branch committee"), CAPABILITY, "committees:branch", kinds=frozenset({Organization.Kind.BRANCH})
    ),
)
