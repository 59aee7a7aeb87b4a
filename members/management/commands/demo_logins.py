from urllib.parse import urljoin

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Role
from members import demo
from members.models import Invitation, Member

# Labels at module level, never inside f-strings, where makemessages cannot
# see them; all of them are already in the catalogs.
TITLE = gettext_lazy("%(site)s demo")
HOME = gettext_lazy("Home")
LOG_IN = gettext_lazy("Log in")
ADMIN = gettext_lazy("Admin")
SUPERUSER = gettext_lazy("Superuser (admin site)")


def both(message, **params) -> str:
    """A label in Chinese and English, read from the catalogs; once if they are the same."""

    def render(language: str) -> str:
        with translation.override(language):
            text = str(message)
            return text % {key: str(value) for key, value in params.items()} if params else text

    chinese, english = render("zh-hans"), render("en")
    return chinese if chinese == english else f"{chinese} ({english})"


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a plain str, and the language is only known at run time.
        return _("Print the site address and the demo logins (phone and password) found in the database.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help=_("Address the site is served at (default: %(default)s)."),
        )

    def handle(self, *args, url, **options):
        logins = demo.demo_logins()
        if not logins:
            raise CommandError(_("There are no demo logins in the database; run `manage.py seed_demo` first."))
        base = url if url.endswith("/") else url + "/"
        login_url = urljoin(base, reverse("account_login").lstrip("/"))
        admin_url = urljoin(base, reverse("admin:index").lstrip("/"))
        lines = [
            both(TITLE, site=settings.SITE_NAME),
            f"  {both(HOME)}: {base}",
            f"  {both(LOG_IN)}: {login_url}",
            f"  {both(ADMIN)}: {admin_url}",
            f"  {both(capfirst(Invitation._meta.verbose_name))}: {demo.DEMO_INVITATION_CODE}",
            "",
        ]
        for login in logins:
            lines.append(f"  {demo.format_phone(login.phone)}  {demo.DEMO_PASSWORD}  {login.name}  {describe(login)}")
        self.stdout.write("\n".join(lines))


def describe(login: demo.DemoLogin) -> str:
    parts = [f"{both(Role.Kind(role.kind).label)} · {role.organization.name}" for role in login.roles]
    if login.member is not None:
        parts.append(f"{both(capfirst(Member._meta.verbose_name))} · {login.member.organization.name}")
    if login.is_superuser:
        parts.append(both(SUPERUSER))
    return "; ".join(parts)
