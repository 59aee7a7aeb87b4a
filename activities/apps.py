from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        # Registers the home page's "due this month" section with members.home.
        # Registers the roster's last check-in, report and study with members.facts.
        # Re-derives open check-in windows when a branch changes its rule.
        # Registers the wordings of the activity day's notices with notifications.wordings.
        # Registers leave, reports, this month's activity and task links with members.workspace.
        from . import (
            facts,  # noqa: F401
            home,  # noqa: F401
            notices,  # noqa: F401
            signals,  # noqa: F401
            workspace,  # noqa: F401
        )

        # After ``home``: the upcoming meetings follow the "due this month" card on the home page.
        from .meetings import home as meetings_home  # noqa: F401

        # Registers the wordings of the meeting-frequency reminders.
        from .meetings import notices as meeting_notices  # noqa: F401
