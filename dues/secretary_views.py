"""The secretary's dues pages (``Capability.RECORD_DUES``): a branch's ledger, a member's books, the queue, arrears.

Amounts and incomes are personal data: every page here answers with
``Cache-Control: no-store``, and only to those who record the member's dues.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required, get_managed_organization
from branches.errors import add_to_form, show_error
from branches.files import private_file_response
from branches.params import parse_int, parse_next, parse_year
from branches.uploads import content_type_of
from members.models import Member
from notifications.services import Notice, notify_members

from . import secretary_data as data
from . import services
from .access import (
    get_managed_basis,
    get_managed_dues_member,
    get_managed_payment,
    get_readable_payment,
    managed_bases,
    managed_dues_members,
    managed_payments,
)
from .amounts import fen_from_yuan, yuan
from .errors import DuesError
from .models import INCOME_CATEGORIES, Basis, Payment, first_of_month
from .secretary_forms import BasisForm, DecisionForm, PaymentForm, ReliefForm

RECORD = Capability.RECORD_DUES
PER_PAGE = 50
# The queue lists the oldest this many of each kind; deciding them brings up the next.
QUEUE_SIZE = 50


def _private(response):
    # Incomes and amounts: no browser or proxy keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


def _year(request, today: dt.date) -> int:
    return parse_year(request.GET.get("year")) or today.year


# --- A branch's ledger ----------------------------------------------------------------------


@login_required
@require_safe
def ledger(request, pk: int):
    organization = get_managed_organization(request.user, pk, RECORD)
    today = timezone.localdate()
    year = _year(request, today)
    arrears_only = request.GET.get("arrears") == "1"
    no_basis = request.GET.get("nobasis") == "1"
    members = data.ledger_members(organization, year, today, arrears_only=arrears_only, no_basis=no_basis)
    page = Paginator(members.select_related("group"), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "year": year,
        "years": [year - 1, year + 1] if year < today.year else [year - 1],
        "months": data.year_months(year),
        "page": page,
        "rows": data.ledger_rows(page.object_list, year, today),
        "totals": data.ledger_totals(organization, year),
        "arrears_only": arrears_only,
        "no_basis": no_basis,
        "this_month": first_of_month(today),
    }
    return _private(render(request, "dues/secretary/ledger.html", context))


# --- One member's books ---------------------------------------------------------------------


@login_required
@require_safe
def member_dues(request, pk: int):
    member = get_managed_dues_member(request.user, pk)
    today = timezone.localdate()
    year = _year(request, today)
    books = data.member_books(member, year, today)
    context = {
        "member": member,
        "year": year,
        "books": books,
        "back_payments": {p.pk for p in books.payments if services.is_back_payment(p)},
        "decision_form": DecisionForm(),
    }
    return _private(render(request, "dues/secretary/member.html", context))


def _form_page(request, member: Member, template: str, form, status: int = 200, **extra):
    context = {"member": member, "form": form, **extra}
    return _private(render(request, f"dues/secretary/{template}", context, status=status))


@login_required
@require_http_methods(["GET", "POST"])
def set_basis(request, pk: int):
    member = get_managed_dues_member(request.user, pk)
    today = timezone.localdate()
    form = BasisForm(request.POST or None, today=today, initial={"applies_from": first_of_month(today)})
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        # Only the amount the category is worked out from is kept: an income typed for a student is dropped.
        income = cleaned["category"] in INCOME_CATEGORIES
        income_yuan = cleaned["income_yuan"] if income else None
        fixed_yuan = None if income else cleaned["fixed_yuan"]
        try:
            services.set_basis(
                member,
                category=cleaned["category"],
                applies_from=cleaned["applies_from"],
                income_fen=fen_from_yuan(income_yuan) if income_yuan is not None else None,
                fixed_fen=fen_from_yuan(fixed_yuan) if fixed_yuan is not None else None,
                note=cleaned["note"],
                by=request.user,
                today=today,
            )
        except DuesError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The dues basis is saved; the unpaid months follow it."))
            return redirect("dues:member", pk=member.pk)
    status = 400 if request.method == "POST" else 200
    return _form_page(request, member, "basis_form.html", form, status)


@login_required
@require_http_methods(["GET", "POST"])
def add_relief(request, pk: int):
    member = get_managed_dues_member(request.user, pk)
    today = timezone.localdate()
    form = ReliefForm(request.POST or None, today=today, initial={"first_month": first_of_month(today)})
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            services.add_relief(
                member,
                kind=cleaned["kind"],
                first_month=cleaned["first_month"],
                last_month=cleaned["last_month"],
                reason=cleaned["reason"],
                approved_on=cleaned["approved_on"],
                approved_by_name=cleaned["approved_by_name"],
                amount_fen=fen_from_yuan(cleaned["amount_yuan"]) if cleaned["amount_yuan"] is not None else None,
                by=request.user,
                today=today,
            )
        except DuesError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The reduction or exemption is recorded; the unpaid months follow it."))
            return redirect("dues:member", pk=member.pk)
    status = 400 if request.method == "POST" else 200
    return _form_page(request, member, "relief_form.html", form, status)


def _payment_initial(member: Member, today: dt.date) -> tuple[dict, data.Owed, list]:
    """From the oldest unpaid month to this one, and what they come to."""
    unpaid = data.unpaid_through(member, today)
    first = unpaid[0].month if unpaid else first_of_month(today)
    last = first_of_month(today)
    [owed] = data.owed_for([(member, first, last)])
    return (
        {
            "first_month": first,
            "last_month": last,
            "amount_yuan": yuan(owed.total_fen).replace(",", "") if owed.months else "",
            "paid_on": today,
        },
        owed,
        unpaid,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_payment(request, pk: int):
    member = get_managed_dues_member(request.user, pk)
    today = timezone.localdate()
    initial, owed, unpaid = _payment_initial(member, today)
    status = 200
    if request.method == "POST" and "work_out" in request.POST:
        # Only what the months come to: nothing is recorded, the form comes back filled in.
        form = PaymentForm(request.POST, today=today)
        form.is_valid()
        first, last = form.cleaned_data.get("first_month"), form.cleaned_data.get("last_month")
        if first and last and not form.has_error("first_month") and not form.has_error("last_month"):
            [owed] = data.owed_for([(member, first, last)])
            values = {name: request.POST.get(name, "") for name in form.fields}
            values["amount_yuan"] = yuan(owed.total_fen).replace(",", "")
            form = PaymentForm(initial=values, today=today)
        else:
            status = 400
    elif request.method == "POST":
        form = PaymentForm(request.POST, today=today)
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                payment = services.record_payment(
                    member,
                    first_month=cleaned["first_month"],
                    last_month=cleaned["last_month"],
                    amount_fen=fen_from_yuan(cleaned["amount_yuan"]),
                    paid_on=cleaned["paid_on"],
                    method=cleaned["method"],
                    payer_name=cleaned["payer_name"],
                    note=cleaned["note"],
                    by=request.user,
                    today=today,
                )
            except DuesError as error:
                add_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("%(amount)s yuan recorded for %(months)s.")
                    % {"amount": yuan(payment.amount_fen), "months": _months(payment)},
                )
                return redirect("dues:member", pk=member.pk)
        status = 400
    else:
        form = PaymentForm(initial=initial, today=today)
    return _form_page(request, member, "payment_form.html", form, status, owed=owed, unpaid=unpaid)


def _months(payment: Payment) -> str:
    first, last = f"{payment.first_month:%Y-%m}", f"{payment.last_month:%Y-%m}"
    return first if first == last else f"{first}–{last}"


# --- The queue ------------------------------------------------------------------------------


@capability_required(RECORD)
@require_safe
def queue(request):
    payments = list(
        managed_payments(request.user)
        .filter(status=Payment.Status.REPORTED)
        .select_related("member__organization", "member__group", "organization")
        .order_by("entered_at", "pk")[:QUEUE_SIZE]
    )
    owed = data.owed_for([(p.member, p.first_month, p.last_month) for p in payments])
    bases = list(
        managed_bases(request.user)
        .filter(status=Basis.Status.DECLARED)
        .select_related("member__organization", "member__group")
        .order_by("entered_at", "pk")[:QUEUE_SIZE]
    )
    context = {
        "payments": [
            (payment, owing, max(0, payment.amount_fen - owing.total_fen) if owing.settles else 0)
            for payment, owing in zip(payments, owed, strict=True)
        ],
        "bases": bases,
        "payment_count": managed_payments(request.user).filter(status=Payment.Status.REPORTED).count(),
        "basis_count": managed_bases(request.user).filter(status=Basis.Status.DECLARED).count(),
        "form": DecisionForm(),
    }
    return _private(render(request, "dues/secretary/queue.html", context))


def _decision(request) -> tuple[DecisionForm, bool | None]:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data["decision"] == "accept"


def _back(request, fallback: str):
    return redirect(parse_next(request, request.POST.get("next")) or fallback)


def _member_page() -> str:
    return reverse("dues:mine")


@login_required
@require_POST
def decide_payment(request, pk: int):
    payment = get_managed_payment(request.user, pk)
    form, accept = _decision(request)
    if accept is None:
        messages.error(request, _("Choose to confirm or not to accept, and keep the reason to 200 characters."))
        return _back(request, reverse("dues:queue"))
    note = form.cleaned_data["note"]
    try:
        decided = services.decide_payment(payment, accept=accept, by=request.user, note=note)
    except DuesError as error:
        show_error(request, error)
        return _back(request, reverse("dues:queue"))
    notice = Notice(
        kind="dues_payment",
        params={
            "first": f"{decided.first_month:%Y-%m}",
            "last": f"{decided.last_month:%Y-%m}",
            "amount": yuan(decided.amount_fen),
            "accepted": accept,
            "note": decided.decision_note,
        },
        url=_member_page(),
    )
    decision = "confirmed" if accept else "refused"
    notify_members([decided.member_id], notice, key=f"dues-payment:{decided.pk}:{decision}:{{member}}")
    if accept:
        messages.success(request, _("Payment confirmed: %(months)s.") % {"months": _months(decided)})
    else:
        messages.success(request, _("The payment is not accepted; the member is told why."))
    return _back(request, reverse("dues:queue"))


@login_required
@require_POST
def decide_basis(request, pk: int):
    basis = get_managed_basis(request.user, pk)
    form, accept = _decision(request)
    if accept is None:
        messages.error(request, _("Choose to confirm or not to accept, and keep the reason to 200 characters."))
        return _back(request, reverse("dues:queue"))
    try:
        decided = services.decide_basis(basis, accept=accept, by=request.user, note=form.cleaned_data["note"])
    except DuesError as error:
        show_error(request, error)
        return _back(request, reverse("dues:queue"))
    notice = Notice(
        kind="dues_basis",
        params={"month": f"{decided.applies_from:%Y-%m}", "accepted": accept, "note": decided.decision_note},
        url=_member_page(),
    )
    decision = "confirmed" if accept else "refused"
    notify_members([decided.member_id], notice, key=f"dues-basis:{decided.pk}:{decision}:{{member}}")
    if accept:
        messages.success(request, _("The declared basis is confirmed; the member's dues follow it."))
    else:
        messages.success(request, _("The declared basis is not accepted; the member is told why."))
    return _back(request, reverse("dues:queue"))


@login_required
@require_safe
def receipt(request, pk: int):
    """The receipt image of a payment, to its member and to those who keep their books; to anyone else, nothing."""
    payment = get_readable_payment(request.user, pk)
    if not payment.receipt:
        raise Http404("No receipt")
    suffix = PurePosixPath(payment.receipt.name).suffix.lower()
    content_type = content_type_of(payment.receipt.name)
    # Receipts are stored as re-encoded photos; anything else is only ever a download.
    inline = content_type.startswith("image/")
    return _private(
        private_file_response(
            payment.receipt,
            as_attachment=not inline,
            filename=f"receipt-{payment.pk}{suffix}",
            content_type=content_type,
        )
    )


# --- Arrears --------------------------------------------------------------------------------


@capability_required(RECORD)
@require_safe
def arrears(request):
    today = timezone.localdate()
    members = managed_dues_members(request.user).select_related("organization", "group")
    showing = "nobasis" if request.GET.get("show") == "nobasis" else "arrears"
    at_least = parse_int(request.GET.get("min"), minimum=1, maximum=1200) or 1
    if showing == "nobasis":
        listed = data.without_basis(members, today)
    else:
        listed = data.arrears_members(members, today, at_least=at_least)
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    if showing == "arrears":
        owing = data.arrears_of([m.pk for m in page.object_list], today)
        for member in page.object_list:
            member.dues_owing = owing.get(member.pk)
    context = {"page": page, "showing": showing, "at_least": at_least, "today": today}
    return _private(render(request, "dues/secretary/arrears.html", context))
