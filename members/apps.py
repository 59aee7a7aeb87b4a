import sys

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from django.conf import settings
        from django.core import checks

        from .sms import check_backend, refuse_incomplete_backend

        # Registers the roster's to-do items and task links with members.workspace.
        from .workspace import items  # noqa: F401

        checks.register(check_backend)
        # ``manage.py sms_templates`` lists what is to be registered: it must run while that is still incomplete.
        if not settings.DEBUG and sys.argv[1:2] != ["sms_templates"]:
            # A worker or web process started without its SMS templates or credentials would fail
            # every login code: production stops instead (development sees the system check).
            refuse_incomplete_backend()
