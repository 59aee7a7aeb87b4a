from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItinerantConfig(AppConfig):
    name = "itinerant"
    verbose_name = _("Itinerant members")

    def ready(self) -> None:
        # Each flow registers its workspace to-dos, task links and notice wordings.
        from . import move_workspace, permit_workspace, transfer_workspace  # noqa: F401
