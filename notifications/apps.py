from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the "deliver" sweep (the sweeps module autodiscovery finds
        # holds the others), the "birthdays" sweep, and the home page's
        # greeting card with members.home.
        from . import birthday_sweeps, delivery, home  # noqa: F401
