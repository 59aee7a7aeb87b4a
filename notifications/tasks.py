"""Notification tasks: thin wrappers that take ids and may run twice harmlessly."""

from celery import shared_task

from . import greetings


@shared_task(acks_late=True, ignore_result=True)
def render_cards(greeting_ids: list[int]) -> int:
    """Draw the cards of these greetings; greetings that have one already are skipped."""
    return greetings.render_missing_cards(greeting_ids)
