"""URLs without arguments, reversed once per process instead of on every page.

The layout links to the same dozen places on every page (home, the inbox,
the logout form, the language switch); each ``{% url %}`` walks the
resolver's patterns again. A name without arguments always reverses to the
same path for one URLconf and script prefix, so those two are the key.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse

_urls: dict[tuple, object] = {}


def fixed_url(name: str) -> str:
    """``reverse(name)``, remembered; raises ``NoReverseMatch`` like ``reverse``."""
    key = (name, get_urlconf(), get_script_prefix())
    url = _urls.get(key)
    if url is None:
        url = _urls[key] = reverse(name)
    return url


def forget_urls(**kwargs) -> None:
    _urls.clear()


# A test that swaps ROOT_URLCONF gets its own reversals.
setting_changed.connect(forget_urls, dispatch_uid="branches.urlcache.forget")


# A number no id reaches, reversed in place of the id and then replaced by it.
_PLACEHOLDER = 2_013_265_921


def id_url(name: str) -> Callable[[int], str]:
    """``pk -> reverse(name, args=[pk])`` for a pattern whose one argument is an ``<int:…>`` id.

    A list of fifty rows links each row to its page: the pattern is walked
    once per process, each row only formats its id into the result.
    """
    key = (name, "<id>", get_urlconf(), get_script_prefix())
    parts = _urls.get(key)
    if parts is None:
        prefix, _found, suffix = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
        parts = _urls[key] = (prefix, suffix)
    prefix, suffix = parts
    return lambda pk: f"{prefix}{int(pk)}{suffix}"
