"""The one shape of a refused action: a translated message for people and a code for callers.

Services raise a subclass of ``DomainError`` when a rule says no (a closed
window, a code used up, a role the user may not give). They never raise
``Http404`` or ``ValidationError`` for such a refusal: 404 is the access
layer's answer to an object outside the user's scope, and ``ValidationError``
belongs to forms. Views show a refusal with ``show_error`` or, where a form is
on the page, ``add_to_form``; one that no view caught becomes the same message
on the page the user came from (``DomainErrorMiddleware``), never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule refused the action. ``message`` is translated; ``code`` is stable for tests and callers.

    ``field`` names the form field to blame, when there is one.
    """

    default_code = "refused"
    default_message = _("This cannot be done now.")

    def __init__(self, message: Any = None, code: str | None = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.code = code or self.default_code
        self.field = field
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


def show_error(request: HttpRequest, error: DomainError) -> None:
    """The one way a view tells a person why their action was refused."""
    messages.error(request, str(error))


def add_to_form(form, error: DomainError) -> None:
    """Put the refusal on the form that caused it, beside the field it names, or at the top."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, str(error))


class DomainErrorMiddleware:
    """A refusal no view caught: the message on the page the user came from, not a server error."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        show_error(request, exception)
        referer = request.META.get("HTTP_REFERER", "")
        safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=False)
        # Back where the action was started; a missing or foreign referer lands on the home page.
        return HttpResponseRedirect(referer if safe and referer else "/", status=303)
