from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Evaluations")

    def ready(self) -> None:
        # Registers the "self-assessment open / results published" notice with members.home,
        # and the wordings of the evaluation's notices with notifications.wordings.
        # Registers the evaluation's task links with members.workspace.
        from . import home, notices, workspace  # noqa: F401
