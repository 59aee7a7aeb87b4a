from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        # Registers the roster's to-do items and task links with members.workspace.
        from .workspace import items  # noqa: F401
