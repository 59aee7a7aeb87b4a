from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import demo


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain str, and the language is only known at run time.
        return _(
            "Move the demo branch's activity of this month to today, so that its check-in is open now. "
            "Development only."
        )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help=_("Run even though DEBUG is off."))

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_("Refusing to move demo activities while DEBUG is off."))
        activity = demo.open_today()
        if activity is None:
            raise CommandError(_("There is no demo branch in the database; run `manage.py seed_demo` first."))
        closes = timezone.localtime(activity.closes_at)
        self.stdout.write(
            _("Check-in to “%(theme)s” (%(branch)s) is open today, until %(closes)s.")
            % {
                "theme": activity.theme,
                "branch": activity.organization.name,
                "closes": closes.strftime("%Y-%m-%d %H:%M"),
            }
        )
