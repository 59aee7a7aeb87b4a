from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dues"
    verbose_name = _("Party dues")

    def ready(self) -> None:
        # Registers the home page section, the notice wordings and the workspace's to-do items and links.
        from . import committee_data, home, notices, workspace  # noqa: F401
