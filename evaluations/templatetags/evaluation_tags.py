"""How a result's rating is shown, the same on every page: a colour by its place, or "not rated yet"."""

from __future__ import annotations

from django import template

from evaluations.models import Rating, Scheme

register = template.Library()


@register.inclusion_tag("evaluations/_rating.html")
def rating_badge(rating: str, scheme: Scheme) -> dict:
    """The best rating green, the lowest red, the others plain; nothing rated yet in muted words.

    The scheme is passed in, not read from the result, so a list of results
    costs no query per row.
    """
    return {"label": Rating(rating).label if rating in Rating.values else rating, "tone": scheme.rating_tone(rating)}
