"""流动党员活动证: recording a member's permit, its checks and its return.

The 基层党委 issues and registers the permit; the branch keeps the record of
it here. A member holds at most one permit at a time (the one not returned):
a new one is recorded once the old one came back. Each step is written to
the roster's log of the member (who, when, which permit), as every change to
an entry is; the permit row itself keeps who entered it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.errors import DomainError
from members.models import Member, MemberChange
from members.services import record_change

from .models import Permit

# What the form may set; the member, who entered it and when are the service's.
FIELDS = (
    "number",
    "issued_by",
    "issued_on",
    "reason",
    "province",
    "city",
    "host_organization",
    "host_name",
    "valid_until",
    "checked_on",
)


class PermitError(DomainError):
    """A permit that cannot be recorded or changed as asked; nothing was written."""

    default_code = "permit_refused"


def held() -> Q:
    """Permits not returned: the ones members hold now."""
    return Q(returned_on__isnull=True)


def held_permit_exists():
    """On Member rows: the member holds a permit now (the roster's badge and filter)."""
    return Exists(Permit.objects.filter(held(), member=OuterRef("pk")))


def held_permit_number():
    """On Member rows: the number of the permit the member holds, or NULL (the roster export's column)."""
    held_now = Permit.objects.filter(held(), member=OuterRef("pk")).order_by("-issued_on", "-pk")
    return Subquery(held_now.values("number")[:1])


def held_by(member: Member) -> Permit | None:
    return Permit.objects.filter(held(), member=member).order_by("-issued_on", "-pk").first()


def host_of(permit: Permit) -> str:
    """Where the holder takes part, as people read it: the organization in netbranch, or the name given."""
    if permit.host_organization_id:
        return permit.host_organization.name
    return permit.host_name


def _check_dates(values: dict[str, Any], today: dt.date, *, returned_on: dt.date | None = None) -> None:
    issued = values.get("issued_on")
    if issued and issued > today:
        raise PermitError(_("The issue date cannot be in the future."), code="future_issue", field="issued_on")
    checked = values.get("checked_on")
    if checked:
        if checked > today:
            raise PermitError(_("The check date cannot be in the future."), code="future_check", field="checked_on")
        if issued and checked < issued:
            raise PermitError(
                _("A permit is checked only after it was issued."), code="check_before_issue", field="checked_on"
            )
    valid = values.get("valid_until")
    if valid and issued and valid < issued:
        raise PermitError(
            _("A permit is valid until a day after it was issued."), code="valid_before_issue", field="valid_until"
        )
    if returned_on and issued and returned_on < issued:
        raise PermitError(
            _("A permit is returned only after it was issued."), code="return_before_issue", field="returned_on"
        )


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data[name] for name in FIELDS if name in data}
    for name in ("number", "issued_by", "reason", "city", "host_name"):
        if name in values:
            values[name] = (values[name] or "").strip()
    if values.get("host_organization") is not None:
        # One place: an organization in netbranch names itself.
        values["host_name"] = ""
    return values


def _log(permit: Permit, by, event: str) -> None:
    record_change(
        permit.member,
        by,
        MemberChange.Action.UPDATED,
        note=gettext("Itinerant member's permit %(number)s: %(event)s") % {"number": permit.number, "event": event},
    )


def _save(permit: Permit, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            permit.save(update_fields=fields)
    except IntegrityError:
        raise PermitError(_("Another permit already has this number."), code="number_taken", field="number") from None


def record_permit(member: Member, data: dict[str, Any], by, *, now: dt.datetime | None = None) -> Permit:
    """Record the permit the committee issued to ``member``; refused while they hold another one."""
    now = now or timezone.now()
    values = _clean(data)
    _check_dates(values, timezone.localdate(now))
    with transaction.atomic():
        # The entry's row lock makes two secretaries recording at once take turns, so the second sees the first.
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.state != Member.State.ACTIVE:
            raise PermitError(_("Only an active member of the branch holds a permit."), code="not_member")
        current = held_by(member)
        if current is not None:
            raise PermitError(
                _("%(name)s still holds permit %(number)s: record its return first.")
                % {"name": member.name, "number": current.number},
                code="already_held",
            )
        permit = Permit(member=member, entered_by=by, entered_at=now, **values)
        _save(permit)
        _log(permit, by, gettext("recorded"))
    return permit


def update_permit(permit: Permit, data: dict[str, Any], by) -> list[str]:
    """Correct what was recorded; returns the fields that changed (none: nothing is written)."""
    values = _clean(data)
    _check_dates(values, timezone.localdate(), returned_on=permit.returned_on)
    changed = [name for name, value in values.items() if getattr(permit, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(permit, name, values[name])
    with transaction.atomic():
        _save(permit, changed)
        _log(permit, by, gettext("corrected"))
    return changed


def check_permit(permit: Permit, on: dt.date, by) -> None:
    """The permit was looked at (the host's record of organizational life in it): it counts from ``on``."""
    _check_dates({"issued_on": permit.issued_on, "checked_on": on}, timezone.localdate())
    if permit.returned_on is not None:
        raise PermitError(_("This permit has been returned; it is no longer checked."), code="returned")
    with transaction.atomic():
        updated = Permit.objects.filter(pk=permit.pk, returned_on__isnull=True).update(checked_on=on)
        if not updated:
            raise PermitError(_("This permit has been returned; it is no longer checked."), code="returned")
        permit.checked_on = on
        _log(permit, by, gettext("checked on %(day)s") % {"day": on.isoformat()})


def return_permit(permit: Permit, on: dt.date, by) -> None:
    """The member handed the permit back (back home, or the relationship transferred)."""
    if on > timezone.localdate():
        raise PermitError(_("The return date cannot be in the future."), code="future_return", field="returned_on")
    _check_dates({"issued_on": permit.issued_on}, timezone.localdate(), returned_on=on)
    with transaction.atomic():
        # Conditional, so a second click or a second secretary is told rather than moving the date.
        updated = Permit.objects.filter(pk=permit.pk, returned_on__isnull=True).update(returned_on=on)
        if not updated:
            raise PermitError(_("This permit has already been returned."), code="already_returned")
        permit.returned_on = on
        _log(permit, by, gettext("returned on %(day)s") % {"day": on.isoformat()})


def branch_permits(permits: QuerySet[Permit], state: str = "") -> QuerySet[Permit]:
    """The list's filter: ``held`` (not returned), ``returned``, or every permit."""
    if state == "held":
        return permits.filter(held())
    if state == "returned":
        return permits.filter(returned_on__isnull=False)
    return permits
