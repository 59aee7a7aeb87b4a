"""The dues app's refusals."""

from __future__ import annotations

from branches.errors import DomainError


class DuesError(DomainError):
    """A basis, relief or payment that cannot be recorded as asked; nothing was written."""

    default_code = "dues_refused"
