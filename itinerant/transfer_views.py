"""Pages of transfers of the Party relationship: the secretaries' list, each side's page, the letter, the member's own.

Pages naming no object need ``Capability.APPROVE_TRANSFERS`` somewhere (403
otherwise). A transfer named by the URL is fetched from the side the page is
for (``transfer_access``): the sending side's pages for outgoing transfers of
its branches, the receiving side's only once a letter exists. Anything else is
a 404, whether or not it exists.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required, scope_of
from branches.errors import add_to_form, show_error
from members.access import get_managed_member, get_own_member
from members.roster import services as roster
from members.roster.forms import MemberForm
from members.validators import mask_phone

from . import transfers as service
from .models import Transfer
from .transfer_access import (
    get_incoming_transfer,
    get_managed_transfer,
    incoming_transfers,
    managed_transfers,
    own_transfers,
    reachable_transfers,
)
from .transfer_forms import (
    CancelForm,
    IssueForm,
    ReasonForm,
    ReceiptForm,
    RegisterIncomingForm,
    RequestForm,
    StartForm,
    TransferFilterForm,
)

APPROVE = Capability.APPROVE_TRANSFERS
PER_PAGE = 50
State = Transfer.State


def _private(response):
    # Names, phones and ID numbers of people on the move: no browser or proxy keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


# --- The list ---------------------------------------------------------------------------------


@capability_required(APPROVE)
@require_safe
def transfer_list(request):
    form = TransferFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    side = data.get("side", "")
    transfers = {"out": managed_transfers, "in": incoming_transfers}.get(side, reachable_transfers)(request.user)
    if data.get("state"):
        transfers = transfers.filter(state=data["state"])
    today = timezone.localdate()
    if data.get("expiring"):
        transfers = transfers.filter(
            state=State.ISSUED, valid_until__lte=today + dt.timedelta(days=service.EXPIRY_WARNING_DAYS)
        )
    transfers = transfers.select_related("member", "from_organization", "to_organization").order_by(
        "-requested_at", "-pk"
    )
    page = Paginator(transfers, PER_PAGE).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    for transfer in page.object_list:
        # A transfer between two branches the user both manages opens on the sending side's page.
        transfer.is_outgoing = transfer.direction == Transfer.Direction.OUT and scope.can(
            APPROVE, transfer.from_organization
        )
        transfer.person = transfer.member.name if transfer.member_id else transfer.incoming_name
        transfer.origin = service.origin_name(transfer)
        transfer.destination = service.destination_name(transfer)
        transfer.expiring = (
            transfer.state == State.ISSUED
            and transfer.valid_until is not None
            and (transfer.valid_until <= today + dt.timedelta(days=service.EXPIRY_WARNING_DAYS))
        )
    return _private(render(request, "itinerant/transfers/list.html", {"form": form, "page": page, "today": today}))


# --- The sending side -------------------------------------------------------------------------


def _detail(request, transfer: Transfer, *, status: int = 200, **forms):
    today = timezone.localdate()
    actions = service.actions_for(transfer, request.user)
    context = {
        "transfer": transfer,
        "actions": actions,
        "inside": service.is_inside(transfer),
        "in_transit": transfer.state in Transfer.OPEN_STATES,
        "destination": service.destination_name(transfer),
        "origin": service.origin_name(transfer),
        "refuse_form": forms.get("refuse_form") or ReasonForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "receipt_form": forms.get("receipt_form") or ReceiptForm(),
        "issue_form": forms.get("issue_form")
        or IssueForm(
            initial={
                "letter_number": service.next_letter_number(transfer.from_organization, today.year),
                "across_provinces": transfer.across_provinces,
            }
        )
        if "issue" in actions
        else None,
        "months": service.validity_months(transfer.across_provinces),
    }
    return _private(render(request, "itinerant/transfers/detail.html", context, status=status))


@login_required
@require_safe
def transfer_detail(request, pk: int):
    return _detail(request, get_managed_transfer(request.user, pk))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def start_transfer(request, pk: int):
    member = get_managed_member(request.user, pk, APPROVE)
    current = service.open_transfer_of(member)
    if current is not None:
        messages.info(request, _("This member's relationship is already being transferred."))
        return redirect("itinerant:transfer", pk=current.pk)
    form = StartForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                transfer = service.request(
                    member,
                    to_organization=form.cleaned_data["to_organization"],
                    to_name=form.cleaned_data["to_name"],
                    reason=form.cleaned_data["reason"],
                    across_provinces=form.cleaned_data["across_provinces"],
                    by=request.user,
                )
                # Started by those who approve: the request and its approval are one act.
                service.approve(transfer, request.user)
        except service.TransferError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Transfer started and approved; the letter can be issued now."))
            return redirect("itinerant:transfer", pk=transfer.pk)
    status = 400 if form.errors else 200
    return _private(render(request, "itinerant/transfers/start.html", {"form": form, "member": member}, status=status))


def _done(request, transfer: Transfer, message: str, view: str = "itinerant:transfer"):
    messages.success(request, message)
    return redirect(view, pk=transfer.pk)


@login_required
@require_POST
def transfer_approve(request, pk: int):
    transfer = get_managed_transfer(request.user, pk)
    try:
        service.approve(transfer, request.user)
    except service.TransferError as error:
        show_error(request, error)
        return redirect("itinerant:transfer", pk=transfer.pk)
    return _done(request, transfer, _("Approved; the letter can be issued now."))


@login_required
@require_POST
def transfer_refuse(request, pk: int):
    transfer = get_managed_transfer(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            service.refuse_request(transfer, form.cleaned_data["note"], request.user)
        except service.TransferError as error:
            add_to_form(form, error)
        else:
            return _done(request, transfer, _("Refused; the member has been told why."))
    return _detail(request, transfer, status=400, refuse_form=form)


@login_required
@require_POST
def transfer_issue(request, pk: int):
    transfer = get_managed_transfer(request.user, pk)
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            service.issue_letter(
                transfer,
                letter_number=form.cleaned_data["letter_number"],
                issued_on=form.cleaned_data["issued_on"],
                across_provinces=form.cleaned_data["across_provinces"],
                by=request.user,
            )
        except service.TransferError as error:
            add_to_form(form, error)
        else:
            return _done(request, transfer, _("The letter is issued. Print it from this page."))
    if transfer.state != State.APPROVED:
        show_error(request, service.wrong_state(transfer))
        return redirect("itinerant:transfer", pk=transfer.pk)
    return _detail(request, transfer, status=400, issue_form=form)


@login_required
@require_POST
def transfer_receipt(request, pk: int):
    transfer = get_managed_transfer(request.user, pk)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        try:
            service.record_receipt(transfer, form.cleaned_data["received_on"], request.user, form.cleaned_data["note"])
        except service.TransferError as error:
            add_to_form(form, error)
        else:
            return _done(request, transfer, _("Receipt recorded; the member is now transferred out."))
    return _detail(request, transfer, status=400, receipt_form=form)


@login_required
@require_POST
def transfer_cancel(request, pk: int):
    transfer = get_managed_transfer(request.user, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            service.cancel(transfer, form.cleaned_data["note"], request.user)
        except service.TransferError as error:
            add_to_form(form, error)
        else:
            return _done(request, transfer, _("Transfer cancelled."))
    return _detail(request, transfer, status=400, cancel_form=form)


# --- The letter -------------------------------------------------------------------------------


def _age(birth: dt.date | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@login_required
@require_safe
def letter(request, pk: int):
    """The 介绍信 with its 回执 stub; before the letter is issued, a draft to check the fields."""
    transfer = get_managed_transfer(request.user, pk)
    member = transfer.member
    issued = transfer.issued_on is not None
    if issued:
        # The official letter carries the full ID number; showing it is logged like any reveal.
        roster.reveal(member, request.user)
    day = transfer.issued_on or timezone.localdate()
    context = {
        "transfer": transfer,
        "member": member,
        "issued": issued,
        "age": _age(member.birth_date, day),
        "id_number": (member.id_number or "") if issued else member.masked_id_number,
        "origin": service.origin_name(transfer),
        "destination": service.destination_name(transfer),
        "months": service.validity_months(transfer.across_provinces),
        "dues_paid_until": transfer.dues_paid_until if issued else service.dues_paid_until(member),
    }
    return _private(render(request, "itinerant/transfers/letter.html", context))


# --- The receiving side -----------------------------------------------------------------------


@login_required
@require_safe
def incoming(request, pk: int):
    transfer = get_incoming_transfer(request.user, pk)
    return _incoming_page(request, transfer)


def _incoming_page(request, transfer: Transfer, *, status: int = 200, refuse_form=None):
    person = transfer.member if transfer.member_id else None
    context = {
        "transfer": transfer,
        "person": person,
        "name": person.name if person else transfer.incoming_name,
        "masked_phone": person.masked_phone if person else mask_phone(transfer.incoming_phone),
        "origin": service.origin_name(transfer),
        "actions": service.actions_for(transfer, request.user),
        "refuse_form": refuse_form or ReasonForm(),
        "expired": transfer.valid_until is not None and transfer.valid_until < timezone.localdate(),
    }
    return _private(render(request, "itinerant/transfers/incoming.html", context, status=status))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def incoming_accept(request, pk: int):
    transfer = get_incoming_transfer(request.user, pk)
    if transfer.direction == Transfer.Direction.OUT:
        if request.method != "POST":
            return redirect("itinerant:incoming", pk=transfer.pk)
        try:
            member = service.accept_incoming(transfer, request.user)
        except service.TransferError as error:
            show_error(request, error)
            return redirect("itinerant:incoming", pk=transfer.pk)
        messages.success(request, _("%(name)s is now on your roster.") % {"name": member.name})
        return redirect("roster:detail", pk=member.pk)
    # A letter from outside: the new roster entry is filled in here and added through the roster.
    form = MemberForm(
        request.POST or None,
        user=request.user,
        fixed_organization=transfer.to_organization,
        initial={"name": transfer.incoming_name, "organization": transfer.to_organization_id},
        known={"phone": transfer.incoming_phone},
    )
    # The number on the letter may be out of date: the secretary may correct it.
    form.fields["phone"].disabled = False
    if request.method == "POST" and form.is_valid():
        try:
            member = service.accept_incoming(transfer, request.user, data=form.cleaned_data)
        except service.TransferError as error:
            add_to_form(form, error)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is now on your roster.") % {"name": member.name})
            return redirect("roster:detail", pk=member.pk)
    status = 400 if form.errors else 200
    return _private(
        render(request, "itinerant/transfers/accept.html", {"form": form, "transfer": transfer}, status=status)
    )


@login_required
@require_POST
def incoming_refuse(request, pk: int):
    transfer = get_incoming_transfer(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            service.refuse_incoming(transfer, form.cleaned_data["note"], request.user)
        except service.TransferError as error:
            add_to_form(form, error)
        else:
            return _done(request, transfer, _("Refused; the sending side has been told why."), "itinerant:incoming")
    return _incoming_page(request, transfer, status=400, refuse_form=form)


@capability_required(APPROVE)
@require_http_methods(["GET", "HEAD", "POST"])
def register_incoming(request):
    form = RegisterIncomingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = service.register_incoming(
                data["to_organization"],
                from_name=data["from_name"],
                letter_number=data["letter_number"],
                issued_on=data["issued_on"],
                across_provinces=data["across_provinces"],
                name=data["name"],
                phone=data["phone"],
                reason=data["reason"],
                by=request.user,
            )
        except service.TransferError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Letter registered. Accept it to add the member to the roster."))
            return redirect("itinerant:incoming", pk=transfer.pk)
    status = 400 if form.errors else 200
    return _private(render(request, "itinerant/transfers/register.html", {"form": form}, status=status))


# --- The member's own -------------------------------------------------------------------------


@login_required
@require_safe
def my_transfers(request):
    member = get_own_member(request.user, include_former=True)
    transfers = list(
        own_transfers(request.user).select_related("from_organization", "to_organization").order_by("-requested_at")
    )
    for transfer in transfers:
        transfer.destination = service.destination_name(transfer)
        transfer.origin = service.origin_name(transfer)
    context = {
        "member": member,
        "transfers": transfers,
        "is_active": member.state == member.State.ACTIVE,
        "has_open": any(t.state in Transfer.OPEN_STATES for t in transfers),
    }
    return render(request, "itinerant/transfers/mine.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_transfer(request):
    member = get_own_member(request.user)
    current = service.open_transfer_of(member)
    form = RequestForm(request.POST or None, member=member)
    if request.method == "POST" and current is None and form.is_valid():
        try:
            service.request(
                member,
                to_organization=form.cleaned_data["to_organization"],
                to_name=form.cleaned_data["to_name"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except service.TransferError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Request sent to your branch's secretary."))
            return redirect("itinerant:my_transfers")
    status = 400 if form.errors else 200
    context = {"form": form, "current": current, "member": member}
    return render(request, "itinerant/transfers/request.html", context, status=status)
