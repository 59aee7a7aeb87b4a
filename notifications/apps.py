from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the "deliver" sweep (the sweeps module autodiscovery finds
        # holds the others), the "birthdays" sweep, the home page's greeting
        # card with members.home, and the wordings of this app's notices.
        # The "digest" sweep, and the task links of members.workspace.
        # The welcome notice of an approved signup, on members.signals.signup_approved.
        # The navigation's unread count, read with the member's own entry (members.access).
        from . import birthday_sweeps, context_processors, delivery, digest, home, notices, signups, workspace  # noqa: F401
