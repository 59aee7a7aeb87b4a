"""Import a roster file from the command line, with the same rules as the web import."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from branches.models import Organization
from members.errors import RosterFileError
from members.imports import apply_plan, plan_import, read_roster
from members.imports.planning import ImportPlan


class Command(BaseCommand):
    help = "Import an .xlsx or .csv roster into a branch, all or nothing. Prints the preview and any row errors."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--organization", required=True, help="the branch's code")
        parser.add_argument("--dry-run", action="store_true", help="show what would change and write nothing")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        branch = Organization.objects.filter(code=options["organization"], kind=Organization.Kind.BRANCH).first()
        if branch is None:
            raise CommandError(f"No branch with the code {options['organization']!r}.")
        try:
            table = read_roster(data)
            with transaction.atomic():
                plan = plan_import(table, branch, lock=True)
                self._print_plan(plan, branch)
                if plan.errors:
                    raise CommandError(f"{plan.error_rows} row(s) have errors; nothing was imported.")
                if options["dry_run"]:
                    self.stdout.write("Dry run: nothing was written.")
                    return
                result = apply_plan(plan, branch, None, note=f"import_roster {path.name}"[:200])
        except RosterFileError as exc:
            raise CommandError(exc.message) from None
        except IntegrityError:
            raise CommandError("The roster changed while importing; nothing was imported.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {result.created} added, {result.updated} updated, {result.unchanged} unchanged."
            )
        )

    def _print_plan(self, plan: ImportPlan, branch: Organization) -> None:
        self.stdout.write(f"{branch.name} ({branch.code}): {plan.total} rows")
        self.stdout.write(f"  to add:     {len(plan.create)}")
        self.stdout.write(f"  to update:  {len(plan.update)}")
        self.stdout.write(f"  unchanged:  {len(plan.unchanged)}")
        self.stdout.write(f"  with errors: {plan.error_rows}")
        for error in plan.errors:
            column = f" [{error.column}]" if error.column else ""
            self.stderr.write(f"row {error.row}{column}: {error.message}")
