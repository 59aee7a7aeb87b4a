import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from branches import sweeps


class Command(BaseCommand):
    # English, untranslated, like the sweeps' log lines (docs/architecture.md,
    # "Languages of logs and commands"): what an operator pastes and greps
    # reads the same whatever LANGUAGE_CODE is.
    help = "Run a periodic sweep now, for today or a chosen day (to replay a missed day)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="Name of the sweep; omit with --list.")
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD).")
        parser.add_argument("--list", action="store_true", help="List the registered sweeps.")
        parser.add_argument(
            "--enqueue", action="store_true", help="Send the sweep to the Celery worker instead of running it here."
        )

    def handle(self, *args, name=None, today=None, list=False, enqueue=False, **options):
        if list or not name:
            for sweep_name in sorted(sweeps.REGISTRY):
                self.stdout.write(sweep_name)
            return
        if name not in sweeps.REGISTRY:
            raise CommandError(f"Unknown sweep “{name}”. Known sweeps: {', '.join(sorted(sweeps.REGISTRY))}.")
        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today must be a date like 2026-07-06.") from None
        if enqueue:
            self.enqueue(name, day)
            return
        result = sweeps.run_sweep(name, day)
        counts = ", ".join(f"{key}={value}" for key, value in sorted(result.items())) or "nothing to do"
        self.stdout.write(f"{name}: {counts}")

    def enqueue(self, name: str, day: dt.date | None) -> None:
        from kombu.utils.url import maybe_sanitize_url

        from branches.queue import BROKER_ERRORS
        from branches.tasks import run_sweep

        try:
            run_sweep.delay(name, day.isoformat() if day else None)
        except BROKER_ERRORS as exc:
            # An operator at a shell needs the cause, not kombu's traceback;
            # CommandError makes manage.py print one line and exit with 1.
            raise CommandError(
                f"{name}: not queued, the broker at {maybe_sanitize_url(run_sweep.app.conf.broker_url)} "
                f"is unreachable ({exc})."
            ) from None
        self.stdout.write(f"{name}: queued")
