from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _

from members import demo


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain str, and the language is only known at run time.
        return _(
            "Create the demo mine committee, its online branch with 57 itinerant members, and demo logins. "
            "Safe to run again: existing rows are left as they are. Development only."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Run even though DEBUG is off (the demo logins have a published password)."),
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=_("Set the demo password again on demo logins whose password was changed."),
        )

    def handle(self, *args, force=False, reset_passwords=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "Refusing to create demo data while DEBUG is off: the demo logins use the published "
                    "password “%(password)s”. Use --force only on a throwaway site."
                )
                % {"password": demo.DEMO_PASSWORD}
            )
        result = demo.seed(reset_passwords=reset_passwords)
        # Apps above the roster (activities, ...) add their own demo life in a
        # ``demo`` module with a ``seed()``; members cannot import them itself.
        for app in apps.get_app_configs():
            if app.name != "members" and module_has_submodule(app.module, "demo"):
                import_module(f"{app.name}.demo").seed()
        self.stdout.write(
            _(
                "Demo data: organizations %(organizations)d, members %(members)d (itinerant %(itinerant)d, "
                "in %(provinces)d provinces), logins %(logins)d, roles %(roles)d, invitations %(invitations)d."
            )
            % result.totals
        )
        if result.created_total:
            self.stdout.write(
                self.style.SUCCESS(_("Rows created or changed this run: %(count)d.") % {"count": result.created_total})
            )
        else:
            self.stdout.write(_("Everything was already there; nothing changed."))
        self.stdout.write(_("Run `manage.py demo_logins` to see how to log in."))
