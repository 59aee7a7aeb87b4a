"""Import errors that read in the reader's language: kept unrendered, rendered when shown.

An import is planned by a worker, or in whatever language its uploader
uses, and its errors are read later, maybe by someone else. So each stored
error keeps what renders it again: for the import's own messages the
English source text and its values (``text``, ``params``); for a
validator's message, which comes as a lazy translation with its own
plural forms, its text in each of the site's languages (``texts``).
``message`` stays beside them in the language the plan was made in: what
errors stored before this have, and the fallback for anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext


@dataclass(frozen=True)
class Message:
    """A translatable text kept unformatted: the English source (marked with ``gettext_noop``) and its values.

    ``str()`` renders it in the active language. The values are stored as
    JSON, so they are plain strings and numbers.
    """

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        translated = gettext(self.text)
        return translated % dict(self.params) if self.params else translated


@dataclass(frozen=True)
class Invalid:
    """A validator's refusal, rendered in the active language when read."""

    error: ValidationError

    def __str__(self) -> str:
        return " ".join(self.error.messages)


Text = Message | Invalid | str


def stored(row: int, column: str, message: Text) -> dict[str, Any]:
    """One error as ``RosterImport.errors`` keeps it."""
    entry: dict[str, Any] = {"row": row, "column": column, "message": str(message)}
    if isinstance(message, Message):
        entry.update(text=message.text, params=dict(message.params))
    elif isinstance(message, Invalid):
        texts = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                texts[code] = str(message)
        entry["texts"] = texts
    return entry


def shown(entry: Mapping[str, Any]) -> str:
    """A stored error's message in the active language; one stored as text alone keeps its text."""
    if isinstance(entry.get("text"), str):
        try:
            return str(Message(entry["text"], entry.get("params") or {}))
        except (KeyError, TypeError, ValueError):
            # Values that no longer fit a reworded text: the text as it was stored.
            pass
    texts = entry.get("texts")
    if isinstance(texts, Mapping) and translation.get_language() in texts:
        return str(texts[translation.get_language()])
    return str(entry.get("message", ""))
