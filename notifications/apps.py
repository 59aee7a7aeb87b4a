from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the "birthdays" sweep (it lives beside the greetings, not in
        # the sweeps module autodiscovery finds) and the home page's greeting card.
        from . import birthday_sweeps, home  # noqa: F401
