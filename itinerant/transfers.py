"""Transfers of the Party relationship (组织关系转接): the use cases, called by views and the sweep alike.

An outgoing transfer goes requested → approved → issued (the 介绍信) →
received (the 回执), or refused, expired or cancelled on the way. Every step
is one conditional UPDATE on the state it starts from, so two secretaries
clicking at once, or a sweep racing a click, move a transfer once and the
other gets a refusal saying what the transfer has become.

The member stays on the sending roster, in transit, until the receipt; then
an outside destination makes the entry transferred out
(``members.roster.services.transfer_out``), and a branch inside netbranch
takes the member over through the roster's audited update, with their
history. Past attendance, evaluations and dues stay where they happened:
they belong to the activities, rounds and books of the old branch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.access import Capability, can, role_kinds_with
from branches.dates import add_months
from branches.errors import DomainError
from branches.holders import RoleHolders
from branches.models import Organization
from dues.models import Due
from members.errors import RosterError
from members.models import Member
from members.roster import services as roster
from members.validators import normalize_phone
from notifications.services import Notice, notify_members, notify_users

from .models import Transfer

State = Transfer.State
Direction = Transfer.Direction

# A letter is valid three months, six when it crosses a province (党员组织关系转接的规定).
LETTER_MONTHS = 3
LETTER_MONTHS_ACROSS_PROVINCES = 6
# The sending secretaries hear this many days before a letter runs out with no receipt.
EXPIRY_WARNING_DAYS = 14
# Who hears of a transfer's steps: the holders of roles that approve transfers.
TRANSFER_ROLES = role_kinds_with(Capability.APPROVE_TRANSFERS)
NOTICE_KIND = "transfer"


class TransferError(DomainError):
    """A step of a transfer that cannot be taken; nothing was changed."""

    default_code = "transfer_refused"


STATE_WORDS = {
    State.REQUESTED: _("requested"),
    State.APPROVED: _("approved"),
    State.ISSUED: _("letter issued"),
    State.RECEIVED: _("received"),
    State.REFUSED: _("refused"),
    State.EXPIRED: _("expired"),
    State.CANCELLED: _("cancelled"),
}


def wrong_state(transfer: Transfer) -> TransferError:
    return TransferError(
        gettext("This transfer cannot take that step: it is now “%(state)s”.")
        % {"state": STATE_WORDS.get(transfer.state, transfer.state)},
        code="wrong_state",
    )


def _step(transfer: Transfer, from_states: Iterable[str], **fields) -> None:
    """Move ``transfer`` to the values in ``fields`` if it is still in one of ``from_states``, else refuse.

    The state check and the write are one UPDATE, so of two concurrent steps exactly one happens.
    """
    from_states = list(from_states)
    if not Transfer.objects.filter(pk=transfer.pk, state__in=from_states).update(**fields):
        transfer.refresh_from_db()
        raise wrong_state(transfer)
    for name, value in fields.items():
        setattr(transfer, name, value)


def destination_name(transfer: Transfer) -> str:
    return transfer.to_organization.name if transfer.to_organization_id else transfer.to_name


def origin_name(transfer: Transfer) -> str:
    return transfer.from_organization.name if transfer.from_organization_id else transfer.from_name


def is_inside(transfer: Transfer) -> bool:
    """Both ends in netbranch: the receiving branch accepts in netbranch, no paper receipt is entered."""
    return transfer.direction == Direction.OUT and transfer.to_organization_id is not None


def validity_months(across_provinces: bool) -> int:
    return LETTER_MONTHS_ACROSS_PROVINCES if across_provinces else LETTER_MONTHS


def valid_until(issued_on: dt.date, across_provinces: bool) -> dt.date:
    return add_months(issued_on, validity_months(across_provinces))


def dues_paid_until(member: Member) -> dt.date | None:
    """The month the member's dues are paid up to: the last settled month before the first one still owed.

    A month is settled by a payment, or needs none (an exempt or zero due).
    Months paid ahead count; a month paid after an unpaid one does not, since
    the letter says the dues are paid up to that month.
    """
    settled = Q(payment__isnull=False) | Q(amount_fen=0)
    dues = Due.objects.filter(member=member).order_by()
    row = dues.aggregate(first_owed=Min("month", filter=~settled), last_settled=Max("month", filter=settled))
    if row["first_owed"] is None:
        return row["last_settled"]
    return dues.filter(settled, month__lt=row["first_owed"]).aggregate(last=Max("month"))["last"]


def next_letter_number(organization: Organization, year: int) -> str:
    """A suggestion for the next letter's number: the branch's code, the year and a running count."""
    count = Transfer.objects.filter(
        from_organization=organization, issued_on__year=year, direction=Direction.OUT
    ).count()
    return f"{organization.code}-{year}-{count + 1:03d}"


# --- Who hears of it ------------------------------------------------------------------------


def secretaries_of(organizations: Iterable[Organization]) -> dict[int, set[int]]:
    """For each organization, the active users who approve transfers there: on it, or else on the nearest above.

    One query whatever the number of organizations.
    """
    organizations = [o for o in organizations if o is not None]
    holders = RoleHolders(organizations, TRANSFER_ROLES)
    return {o.pk: holders.nearest(o, TRANSFER_ROLES) for o in organizations}


def _params(transfer: Transfer, **extra) -> dict:
    params = {
        "name": transfer.member.name if transfer.member_id else transfer.incoming_name,
        "from": origin_name(transfer),
        "to": destination_name(transfer),
        "valid_until": transfer.valid_until.isoformat() if transfer.valid_until else "",
        "note": transfer.decision_note,
    }
    params.update(extra)
    return params


def tell_secretaries(
    transfer: Transfer, organization: Organization | None, event: str, users: set[int] | None = None
) -> int:
    """The transfer's ``event`` to the secretaries of ``organization``, once per transfer, event and person.

    ``users`` are those secretaries when the caller looked them up already (a sweep, for all its letters at once).
    """
    if organization is None:
        return 0
    if users is None:
        users = secretaries_of([organization])[organization.pk]
    url = (
        reverse("itinerant:incoming", args=[transfer.pk])
        if organization.pk == transfer.to_organization_id
        else reverse("itinerant:transfer", args=[transfer.pk])
    )
    notice = Notice(kind=NOTICE_KIND, wording="transfer_secretary", params=_params(transfer, event=event), url=url)
    return notify_users(users, notice, key=f"transfer:{transfer.pk}:{event}:user:{{user}}")


def tell_member(transfer: Transfer, event: str) -> int:
    """The transfer's ``event`` to the member's inbox, once."""
    if not transfer.member_id:
        return 0
    notice = Notice(
        kind=NOTICE_KIND,
        wording="transfer_member",
        params=_params(transfer, event=event),
        url=reverse("itinerant:my_transfers"),
    )
    return notify_members([transfer.member_id], notice, key=f"transfer:{transfer.pk}:{event}:member:{{member}}")


def _after_commit(func, *args) -> None:
    transaction.on_commit(lambda: func(*args))


# --- The sending side -----------------------------------------------------------------------


def request(
    member: Member,
    *,
    to_organization: Organization | None = None,
    to_name: str = "",
    reason: str = "",
    across_provinces: bool = False,
    by,
    now: dt.datetime | None = None,
) -> Transfer:
    """Start an outgoing transfer of ``member`` to a branch in netbranch or to an organization outside it."""
    now = now or timezone.now()
    to_name = (to_name or "").strip()
    reason = (reason or "").strip()
    if member.state != Member.State.ACTIVE:
        raise TransferError(gettext("Only an active member's relationship can be transferred."), code="not_active")
    if (to_organization is None) == (not to_name):
        raise TransferError(
            gettext("Choose a branch in netbranch or give the name of an organization outside it, one of the two."),
            code="destination",
            field="to_organization",
        )
    if to_organization is not None:
        if to_organization.kind != Organization.Kind.BRANCH:
            raise TransferError(
                gettext("A Party relationship is transferred to a Party branch."),
                code="not_a_branch",
                field="to_organization",
            )
        if to_organization.pk == member.organization_id:
            raise TransferError(
                gettext("The member already belongs to this branch."), code="same_branch", field="to_organization"
            )
    if not reason:
        raise TransferError(gettext("Give the reason for the transfer."), code="no_reason", field="reason")
    if Transfer.objects.filter(member=member, state__in=Transfer.OPEN_STATES).exists():
        raise _already_open()
    try:
        with transaction.atomic():
            return Transfer.objects.create(
                member=member,
                direction=Direction.OUT,
                state=State.REQUESTED,
                from_organization_id=member.organization_id,
                to_organization=to_organization,
                to_name="" if to_organization is not None else to_name,
                reason=reason,
                across_provinces=across_provinces,
                requested_by=by if getattr(by, "is_authenticated", False) else None,
                requested_at=now,
            )
    except IntegrityError:
        # A concurrent request won the one open transfer the member may have.
        raise _already_open() from None


def _already_open() -> TransferError:
    return TransferError(
        gettext("This member's relationship is already being transferred: finish or cancel that transfer first."),
        code="already_open",
    )


def approve(transfer: Transfer, by, now: dt.datetime | None = None) -> Transfer:
    """The sending branch agrees to the request; the letter can be issued next."""
    _step(transfer, [State.REQUESTED], state=State.APPROVED, decided_by=by, decided_at=now or timezone.now())
    _after_commit(tell_member, transfer, "approved")
    return transfer


def refuse_request(transfer: Transfer, note: str, by, now: dt.datetime | None = None) -> Transfer:
    """The sending branch says no to a request, with the reason the member reads."""
    note = (note or "").strip()
    if not note:
        raise TransferError(
            gettext("Give the reason for refusing; the member reads it."), code="no_reason", field="note"
        )
    _step(
        transfer,
        [State.REQUESTED],
        state=State.REFUSED,
        decided_by=by,
        decided_at=now or timezone.now(),
        decision_note=note,
    )
    _after_commit(tell_member, transfer, "refused")
    return transfer


def issue_letter(
    transfer: Transfer,
    *,
    letter_number: str,
    issued_on: dt.date,
    across_provinces: bool,
    by,
    today: dt.date | None = None,
) -> Transfer:
    """Issue the 介绍信: its number, date and validity, and the month the dues are paid up to.

    A letter to a branch in netbranch reaches that branch's secretaries now, and only now.
    """
    today = today or timezone.localdate()
    letter_number = (letter_number or "").strip()
    if not letter_number:
        raise TransferError(gettext("Give the letter's number."), code="no_number", field="letter_number")
    if issued_on > today:
        raise TransferError(
            gettext("A letter cannot be issued on a day still to come."), code="future_letter", field="issued_on"
        )
    until = valid_until(issued_on, across_provinces)
    if until < today:
        raise TransferError(
            gettext("A letter issued on that day would already have expired on %(day)s.") % {"day": until.isoformat()},
            code="already_expired",
            field="issued_on",
        )
    _step(
        transfer,
        [State.APPROVED],
        state=State.ISSUED,
        letter_number=letter_number,
        issued_on=issued_on,
        across_provinces=across_provinces,
        valid_until=until,
        dues_paid_until=dues_paid_until(transfer.member),
    )
    _after_commit(tell_member, transfer, "issued")
    if is_inside(transfer):
        _after_commit(tell_secretaries, transfer, transfer.to_organization, "arrived")
    return transfer


def record_receipt(
    transfer: Transfer, received_on: dt.date, by, note: str = "", today: dt.date | None = None
) -> Transfer:
    """The 回执 came back from the organization outside netbranch: the member becomes transferred out."""
    today = today or timezone.localdate()
    if is_inside(transfer) or transfer.direction != Direction.OUT:
        raise TransferError(
            gettext("The receiving branch accepts this transfer in netbranch; there is no paper receipt to enter."),
            code="inside",
        )
    if transfer.state != State.ISSUED:
        raise wrong_state(transfer)
    if received_on > today:
        raise TransferError(
            gettext("The receipt cannot come back on a day still to come."), code="future_receipt", field="received_on"
        )
    if received_on < transfer.issued_on:
        raise TransferError(
            gettext("The receipt cannot come back before the letter was issued."),
            code="receipt_before_letter",
            field="received_on",
        )
    member_note = (
        gettext("To %(to)s, letter %(number)s") % {"to": transfer.to_name, "number": transfer.letter_number}
        + (f" · {note.strip()}" if note and note.strip() else "")
    )[:200]
    with transaction.atomic():
        _step(transfer, [State.ISSUED], state=State.RECEIVED, received_on=received_on)
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        try:
            roster.transfer_out(member, received_on, member_note, by)
        except RosterError as error:
            raise TransferError(error.message, code=error.code) from None
        _after_commit(tell_member, transfer, "received")
    transfer.member = member
    return transfer


def cancel(transfer: Transfer, note: str, by, now: dt.datetime | None = None) -> Transfer:
    """Call off an open transfer; a branch that already had the letter hears of it."""
    was_issued = transfer.state == State.ISSUED
    _step(
        transfer,
        Transfer.OPEN_STATES,
        state=State.CANCELLED,
        decided_by=by,
        decided_at=now or timezone.now(),
        decision_note=(note or "").strip(),
    )
    _after_commit(tell_member, transfer, "cancelled")
    if was_issued and is_inside(transfer):
        _after_commit(tell_secretaries, transfer, transfer.to_organization, "cancelled")
    return transfer


def expire(transfer: Transfer, today: dt.date) -> bool:
    """An issued letter whose last valid day passed without a receipt lapses; False if it was not due."""
    if transfer.valid_until is None or transfer.valid_until >= today:
        return False
    return bool(
        Transfer.objects.filter(pk=transfer.pk, state=State.ISSUED, valid_until__lt=today).update(state=State.EXPIRED)
    )


# --- The receiving side ---------------------------------------------------------------------


def _check_receiving(transfer: Transfer, by, today: dt.date) -> None:
    if not can(by, Capability.APPROVE_TRANSFERS, transfer.to_organization):
        raise TransferError(gettext("Only the receiving branch can decide on this transfer."), code="not_receiving")
    if transfer.state != State.ISSUED:
        raise wrong_state(transfer)
    if transfer.valid_until is not None and transfer.valid_until < today:
        raise TransferError(
            gettext("The letter expired on %(day)s; the sending organization has to issue a new one.")
            % {"day": transfer.valid_until.isoformat()},
            code="letter_expired",
        )


def accept_incoming(transfer: Transfer, by, *, data: dict | None = None, today: dt.date | None = None) -> Member:
    """The receiving branch takes the member in.

    From a branch in netbranch the entry itself moves (branch changed, group
    cleared) through the roster's audited update, with its history; from
    outside, ``data`` is the new roster entry, added through the roster's add.
    Returns the member on the receiving roster.
    """
    today = today or timezone.localdate()
    _check_receiving(transfer, by, today)
    with transaction.atomic():
        if transfer.direction == Direction.OUT:
            member = Member.objects.select_for_update().select_related("organization").get(pk=transfer.member_id)
            if member.state != Member.State.ACTIVE:
                raise TransferError(gettext("This member is no longer on the sending roster."), code="not_active")
            _step(transfer, [State.ISSUED], state=State.RECEIVED, received_on=today)
            try:
                roster.update_member(member, {"organization": transfer.to_organization, "group": None}, by)
            except RosterError as error:
                raise TransferError(error.message, code=error.code) from None
            except ValidationError as exc:
                raise TransferError(
                    gettext("The member's roster entry needs correcting by the sending branch first: %(errors)s")
                    % {"errors": "; ".join(exc.messages)},
                    code="invalid_entry",
                ) from None
            _after_commit(tell_secretaries, transfer, transfer.from_organization, "accepted")
            _after_commit(tell_member, transfer, "received")
        else:
            entry = {**(data or {}), "organization": transfer.to_organization}
            # Raises ValidationError with the model's messages, for the form that gave ``data``.
            member = roster.add_member(entry, by)
            _step(transfer, [State.ISSUED], state=State.RECEIVED, received_on=today, member=member)
    transfer.member = member
    return member


def refuse_incoming(transfer: Transfer, note: str, by, now: dt.datetime | None = None) -> Transfer:
    """The receiving branch does not take the member, with a reason the sending side reads."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise TransferError(gettext("Give the reason for refusing."), code="no_reason", field="note")
    if not can(by, Capability.APPROVE_TRANSFERS, transfer.to_organization):
        raise TransferError(gettext("Only the receiving branch can decide on this transfer."), code="not_receiving")
    _step(transfer, [State.ISSUED], state=State.REFUSED, decided_by=by, decided_at=now, decision_note=note)
    if transfer.direction == Direction.OUT:
        _after_commit(tell_secretaries, transfer, transfer.from_organization, "refused")
        _after_commit(tell_member, transfer, "refused_there")
    return transfer


def register_incoming(
    to_organization: Organization,
    *,
    from_name: str,
    letter_number: str,
    issued_on: dt.date,
    across_provinces: bool,
    name: str,
    phone: str,
    reason: str = "",
    by,
    now: dt.datetime | None = None,
) -> Transfer:
    """Record a letter from an organization outside netbranch; the person joins the roster when accepted."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if to_organization.kind != Organization.Kind.BRANCH:
        raise TransferError(
            gettext("A Party relationship is transferred to a Party branch."),
            code="not_a_branch",
            field="to_organization",
        )
    if not can(by, Capability.APPROVE_TRANSFERS, to_organization):
        raise TransferError(
            gettext("You can register letters only for branches you manage."),
            code="not_managed",
            field="to_organization",
        )
    from_name, name, letter_number = (from_name or "").strip(), (name or "").strip(), (letter_number or "").strip()
    for value, field, message in (
        (from_name, "from_name", gettext("Give the organization that issued the letter.")),
        (letter_number, "letter_number", gettext("Give the letter's number.")),
        (name, "name", gettext("Give the person's name.")),
    ):
        if not value:
            raise TransferError(message, code="missing", field=field)
    try:
        phone = normalize_phone(phone)
    except ValidationError:
        raise TransferError(gettext("Enter a valid mobile phone number."), code="bad_phone", field="phone") from None
    if issued_on > today:
        raise TransferError(
            gettext("A letter cannot be issued on a day still to come."), code="future_letter", field="issued_on"
        )
    return Transfer.objects.create(
        direction=Direction.IN,
        state=State.ISSUED,
        from_name=from_name,
        to_organization=to_organization,
        incoming_name=name,
        incoming_phone=phone,
        reason=(reason or "").strip(),
        across_provinces=across_provinces,
        letter_number=letter_number,
        issued_on=issued_on,
        valid_until=valid_until(issued_on, across_provinces),
        requested_by=by,
        requested_at=now,
    )


# --- Reading ---------------------------------------------------------------------------------


def open_transfer_of(member: Member) -> Transfer | None:
    """The member's transfer in progress, if any (at most one)."""
    return (
        Transfer.objects.filter(member=member, state__in=Transfer.OPEN_STATES).select_related("to_organization").first()
    )


def actions_for(transfer: Transfer, user) -> set[str]:
    """What ``user`` may do with the transfer in its present state, from the side(s) they stand on."""
    actions: set[str] = set()
    sending = transfer.direction == Direction.OUT and can(
        user, Capability.APPROVE_TRANSFERS, transfer.from_organization
    )
    receiving = (
        transfer.to_organization_id is not None
        and can(user, Capability.APPROVE_TRANSFERS, transfer.to_organization)
        and (transfer.direction == Direction.IN or transfer.issued_on is not None)
    )
    if sending:
        if transfer.state == State.REQUESTED:
            actions |= {"approve", "refuse"}
        if transfer.state == State.APPROVED:
            actions.add("issue")
        if transfer.state == State.ISSUED and not is_inside(transfer):
            actions.add("receipt")
        if transfer.state in Transfer.OPEN_STATES:
            actions.add("cancel")
        if transfer.issued_on is not None:
            actions.add("letter")
    if receiving and transfer.state == State.ISSUED:
        actions |= {"accept", "refuse_incoming"}
    return actions
