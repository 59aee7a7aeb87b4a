"""The members app's refusals, each a ``DomainError`` so every view shows them the same way."""

from __future__ import annotations

from branches.errors import DomainError


class RosterError(DomainError):
    """A roster change (an entry, a role, a signup decision) that cannot go ahead."""

    default_code = "roster_refused"


class RegistrationError(DomainError):
    """A signup that cannot go ahead; ``field`` names the signup form's field to blame."""

    default_code = "registration_refused"


class RosterFileError(DomainError):
    """An uploaded file that cannot be read as a roster at all; nothing was written."""

    default_code = "unreadable_roster"

    def __init__(self, message=None, code: str | None = None, *, field: str | None = "file") -> None:
        super().__init__(message, code, field=field)
