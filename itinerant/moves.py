"""Moves the member reports (going away, a new place, back home, a new number), confirmed by the secretary.

A report is a row with the values the member gave and the roster's values
of the same fields when it was sent (``before``). Nothing on the roster
changes until a secretary of the member's branch confirms it; then the
report's own fields, and only those, go through the roster's audited update
(``members.roster.services.update_member``), so the roster's log says who
confirmed what, when, old → new. Reports that cross are separate rows,
decided one by one; a decision is taken with a conditional UPDATE, so a
second one (a double click, another secretary) is refused instead of
applied twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.errors import DomainError
from members.models import Member, User
from members.roster.audit import display_value
from members.roster.services import update_member
from notifications.services import Notice, notify_members

from .models import MoveReport

Kind = MoveReport.Kind
Status = MoveReport.Status

# The roster fields each kind of report sets when confirmed.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    Kind.LEAVING: ("is_itinerant", "province", "city", "workplace", "left_home_on"),
    Kind.LOCATION: ("province", "city", "workplace"),
    Kind.RETURN: ("is_itinerant", "left_home_on"),
    Kind.PHONE: ("phone",),
}
NOTICE_KIND = "move_report"


class MoveError(DomainError):
    """A move report that cannot be sent or decided; ``code`` says why."""

    default_code = "move_refused"


# --- What a report changes ------------------------------------------------------------------


def reported_values(report: MoveReport) -> dict[str, Any]:
    """The roster's fields as the report would set them."""
    if report.kind == Kind.LEAVING:
        return {
            "is_itinerant": True,
            "province": report.province,
            "city": report.city,
            "workplace": report.workplace,
            "left_home_on": report.from_date,
        }
    if report.kind == Kind.LOCATION:
        return {"province": report.province, "city": report.city, "workplace": report.workplace}
    if report.kind == Kind.RETURN:
        return {"is_itinerant": False, "left_home_on": None}
    return {"phone": report.new_phone}


def roster_values(member: Member, kind: str) -> dict[str, Any]:
    """The member's current values of the fields a report of ``kind`` sets, JSON-ready (dates as ISO)."""
    values = {}
    for name in KIND_FIELDS[kind]:
        value = getattr(member, name)
        values[name] = value.isoformat() if isinstance(value, dt.date) else value
    return values


def _as_member(values: dict[str, Any]) -> Member:
    """An unsaved entry holding ``values``, so they are shown as the roster shows its own (masked, labelled)."""
    fields = {}
    for name, value in values.items():
        if name == "left_home_on" and isinstance(value, str) and value:
            value = dt.date.fromisoformat(value)
        fields[name] = value
    return Member(**fields)


def _display(values: dict[str, Any]) -> dict[str, str]:
    shown = _as_member(values)
    return {name: display_value(shown, name) for name in values}


def change_rows(report: MoveReport, member: Member | None = None) -> list[dict[str, Any]]:
    """What confirming would change, field by field: label, the roster now, the report, and the roster when sent.

    ``member`` is the entry as it is now (the report's own, loaded with it,
    by default). ``changed_since`` is set when the roster's value is no
    longer the one the member saw when reporting: a secretary changed it
    meanwhile, or another report was confirmed first.
    """
    member = member or report.member
    reported = _display(reported_values(report))
    now = {name: display_value(member, name) for name in reported}
    # A report from before values were kept compares with nothing.
    before = _display({k: v for k, v in (report.before or {}).items() if k in reported})
    rows = []
    for name, value in reported.items():
        was = before.get(name)
        rows.append(
            {
                "label": Member._meta.get_field(name).verbose_name,
                "current": now[name],
                "reported": value,
                "before": was,
                "changed_since": was is not None and was != now[name],
                "changes": now[name] != value,
            }
        )
    return rows


def reported_rows(report: MoveReport) -> list[tuple[str, str]]:
    """(label, value) of what the member reported, for their own list: no roster values.

    The itinerant flag and a cleared departure date follow from the kind, which the list names already.
    """
    values = {k: v for k, v in reported_values(report).items() if k != "is_itinerant" and v is not None}
    shown = _display(values)
    return [(Member._meta.get_field(name).verbose_name, value) for name, value in shown.items()]


# --- The member's side ----------------------------------------------------------------------


def phone_taken(member: Member, phone: str) -> bool:
    """Does another roster entry or another login hold ``phone``?"""
    if Member.objects.filter(phone=phone).exclude(pk=member.pk).exists():
        return True
    others = User.objects.filter(phone=phone)
    if member.user_id is not None:
        others = others.exclude(pk=member.user_id)
    return others.exists()


def check_new_phone(member: Member, phone: str) -> None:
    """Refuse the member's own number and any number someone else holds: a number is a login."""
    if phone == member.phone:
        raise MoveError(_("This is already your number on the roster."), code="same_phone", field="new_phone")
    if phone_taken(member, phone):
        raise MoveError(
            _("This number belongs to another member or login. Report a number of your own."),
            code="phone_taken",
            field="new_phone",
        )


def submit_move(
    member: Member,
    kind: str,
    data: dict[str, Any],
    *,
    phone_verified_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> MoveReport:
    """Record a report the member sent (already validated by its form), with the roster's values of now.

    A new number is accepted only once proven by a code sent to it
    (``phone_verified_at``), and never one that someone else holds.
    """
    if member.state != Member.State.ACTIVE:
        raise MoveError(_("Only an active member of the branch reports a move."), code="not_member")
    if kind not in KIND_FIELDS:
        raise MoveError(_("Choose what you are reporting."), code="unknown_kind")
    now = now or timezone.now()
    fields = {name: value for name, value in data.items() if name in _MEMBER_FIELDS}
    if kind == Kind.PHONE:
        if phone_verified_at is None:
            raise MoveError(_("Confirm the new number with the code sent to it first."), code="not_verified")
        check_new_phone(member, fields.get("new_phone", ""))
    report = MoveReport(
        member=member,
        kind=kind,
        submitted_at=now,
        phone_verified_at=phone_verified_at if kind == Kind.PHONE else None,
        before=roster_values(member, kind),
        **fields,
    )
    report.save()
    return report


_MEMBER_FIELDS = ("reason", "from_date", "province", "city", "workplace", "contact", "new_phone")


def withdraw_move(member: Member, report: MoveReport, *, now: dt.datetime | None = None) -> None:
    """The member takes back a report the secretary has not decided yet."""
    now = now or timezone.now()
    withdrawn = MoveReport.objects.filter(pk=report.pk, member=member, status=Status.PENDING).update(
        status=Status.WITHDRAWN, decided_at=now
    )
    if not withdrawn:
        raise MoveError(_("This report has already been decided; it cannot be withdrawn."), code="already_decided")
    report.status, report.decided_at = Status.WITHDRAWN, now


# --- The secretary's side -------------------------------------------------------------------


def pending_moves(user):
    """Reports waiting in the user's scope: the queue and the workspace's count."""
    from .move_access import managed_move_reports

    return managed_move_reports(user).filter(status=Status.PENDING)


def decide_move(report: MoveReport, *, confirm: bool, by, note: str = "", now: dt.datetime | None = None) -> MoveReport:
    """Confirm a report (the roster follows) or ask the member to report again (a reason is required).

    The member hears of it in their inbox, once per report and decision. A
    refusal by the roster (a number taken since, an entry that no longer
    validates) leaves the report pending and the roster as it was.
    """
    note = (note or "").strip()
    if not confirm and not note:
        raise MoveError(_("Say what the member should report again."), code="reason_required", field="note")
    now = now or timezone.now()
    status = Status.CONFIRMED if confirm else Status.ASKED_AGAIN
    with transaction.atomic():
        # The claim is the transaction's first write, so the entry read next is the newest one
        # (on SQLite the write lock is held from here; on PostgreSQL the row lock below).
        claimed = MoveReport.objects.filter(pk=report.pk, status=Status.PENDING).update(
            status=status, decided_by=by, decided_at=now, decision_note=note
        )
        if not claimed:
            raise MoveError(_("This report has already been decided."), code="already_decided")
        if confirm:
            member = Member.objects.select_for_update().get(pk=report.member_id)
            _apply(report, member, by)
        notice = Notice(
            kind=NOTICE_KIND,
            params={
                "kind": report.kind,
                "confirmed": confirm,
                "note": note,
                "date": timezone.localdate(report.submitted_at).isoformat(),
            },
            url=reverse("itinerant:my_moves"),
        )
        notify_members([report.member_id], notice, key=f"move-report:{report.pk}:{status}:{{member}}")
    report.status, report.decided_by, report.decided_at, report.decision_note = status, by, now, note
    return report


def _apply(report: MoveReport, member: Member, by) -> dict[str, list[str]]:
    """The report's own fields onto the entry, through the roster's audited update; a new number onto the login too."""
    if member.state != Member.State.ACTIVE:
        raise MoveError(_("This member is no longer on the branch's roster."), code="not_member")
    values = reported_values(report)
    if report.kind == Kind.PHONE and phone_taken(member, report.new_phone):
        raise MoveError(
            _("The new number now belongs to another member or login; ask the member to report again."),
            code="phone_taken",
        )
    note = _("Confirmed the member's report: %(kind)s") % {"kind": report.get_kind_display()}
    try:
        changes = update_member(member, values, by, note=note)
    except ValidationError as error:
        raise MoveError(" ".join(error.messages), code="invalid_entry") from None
    if report.kind == Kind.PHONE and member.user_id is not None:
        user = member.user
        try:
            with transaction.atomic():
                # The number was proven by the code sent to it when the member reported it.
                user.phone, user.phone_verified = report.new_phone, True
                user.save(update_fields=["phone", "phone_verified"])
        except IntegrityError:
            raise MoveError(
                _("The new number now belongs to another login; ask the member to report again."),
                code="phone_taken",
            ) from None
    return changes
