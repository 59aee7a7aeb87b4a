from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Branch committees")

    def ready(self) -> None:
        # Registers the workspace links, the notice wording and the reminder sweep.
        from . import notices, sweeps, workspace  # noqa: F401
