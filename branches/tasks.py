import datetime as dt

from celery import shared_task

from . import sweeps


@shared_task(acks_late=True, ignore_result=True)
def run_sweep(name: str, today: str | None = None) -> dict:
    """Run a registered sweep; ``today`` is an ISO date to replay a given day."""
    day = dt.date.fromisoformat(today) if today else None
    return sweeps.run_sweep(name, day)
