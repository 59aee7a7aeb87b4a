"""The one door for outgoing HTTP: SMS gateways and WeCom post through ``post_json``, and read with ``get``.

It maps what can go wrong to one error with a ``permanent`` flag, so each
channel decides only whether to retry; tests patch ``branches.http.urlopen``.
Messages never carry the URL or the body: both may hold a credential.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# Patched by tests: the single seam between netbranch and the network.
urlopen = urllib.request.urlopen


class HttpError(Exception):
    """A request that did not get a 2xx answer. ``permanent``: a retry cannot help."""

    def __init__(self, message: str, *, permanent: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status


def post_json(url: str, payload: Any, *, headers: dict[str, str] | None = None, timeout: float = 5) -> bytes:
    """POST ``payload`` as JSON and return the answer's body; raise ``HttpError`` otherwise.

    The caller checks that the URL is one the operator or a secretary set and
    that the form allowed (https only where a secretary types it).
    """
    request = urllib.request.Request(  # noqa: S310 - callers pass operator-set or validated https URLs
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    return _send(request, timeout)


def get(url: str, *, params: dict[str, str] | None = None, timeout: float = 5) -> bytes:
    """GET ``url`` with ``params`` added to its query and return the answer's body; raise ``HttpError`` otherwise.

    The parameters may hold a credential (WeCom's ``corpsecret``): like the URL,
    they never appear in an error.
    """
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - operator-set URLs only
    return _send(request, timeout)


def _send(request: urllib.request.Request, timeout: float) -> bytes:
    try:
        with urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        # 429 asks us to slow down and 5xx is the far end's trouble: both are worth a retry.
        permanent = 400 <= exc.code < 500 and exc.code != 429
        raise HttpError(f"HTTP {exc.code}", permanent=permanent, status=exc.code) from None
    except OSError as exc:  # URLError, timeouts, refused connections
        reason = getattr(exc, "reason", exc)
        raise HttpError(f"unreachable ({type(reason).__name__})", permanent=False) from None
