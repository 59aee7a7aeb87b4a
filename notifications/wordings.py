"""What a notice says, by name: a wording renders a title and a text from the notice's values.

A notice keeps the name of its wording and the values it needs
(``Notification.message``) beside the text rendered when it was sent, so
the inbox can show it in the reader's language rather than in whichever
language the sweep ran in. Each app registers the wordings of its notices
in its ``AppConfig.ready()``, as it registers its home page sections.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

Wording = Callable[[Mapping[str, Any]], tuple[str, str]]

_WORDINGS: dict[str, Wording] = {}


def wording(name: str) -> Callable[[Wording], Wording]:
    """Register the function that words notices named ``name`` in the active language."""

    def register(function: Wording) -> Wording:
        _WORDINGS[name] = function
        return function

    return register


def message(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a notice's wording: JSON, so only plain values (no dates, no model instances)."""
    return {"wording": name, "params": dict(params)}


def render(stored: object) -> tuple[str, str] | None:
    """Title and text of a stored message in the active language, or None when it cannot be worded.

    None for a notice written before messages were kept, for a wording no
    longer registered, or for values that no longer fit it: the caller then
    shows the text stored with the notice.
    """
    if not isinstance(stored, Mapping):
        return None
    function = _WORDINGS.get(stored.get("wording"))
    params = stored.get("params")
    if function is None or not isinstance(params, Mapping):
        return None
    try:
        title, body = function(params)
    except (KeyError, TypeError, ValueError):
        logger.warning("notice wording %r could not be rendered; using the stored text", stored.get("wording"))
        return None
    return str(title), str(body)


def reword(template_title: str, template_body: str, title: str, body: str, branch: str = "") -> tuple[str, str]:
    """A message template's title and text with ``{title}``, ``{body}`` and ``{branch}`` filled in.

    An empty template text keeps the built-in one.
    """
    values = {"title": title, "body": body, "branch": branch}
    try:
        return template_title.format_map(values), (template_body.format_map(values) if template_body else body)
    except (KeyError, ValueError, IndexError, AttributeError):
        # Templates are checked when saved; one that no longer fits falls back
        # to the built-in wording rather than losing the notice.
        logger.warning("a message template could not be rendered; using the built-in text")
        return title, body
