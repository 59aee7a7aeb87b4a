"""The member's own dues: the ledger, reporting a payment with its receipt, declaring an income, the receipt itself.

Reading one's ledger and receipts is one's own past, kept after a transfer
(``include_former``); reporting and declaring act in the branch, so only an
active roster entry does. Another member's payment is a 404, like any object
outside the reader's reach.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from branches.errors import add_to_form
from branches.files import private_file_response
from members.access import get_own_member

from . import member_ledger, services
from .amounts import yuan
from .errors import DuesError
from .member_forms import DeclareBasisForm, ReportPaymentForm
from .models import Basis, Payment


def _yuan_value(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


@login_required
@require_safe
def mine(request):
    member = get_own_member(request.user, include_former=True)
    today = timezone.localdate()
    ledger = member_ledger.ledger_of(member, today)
    return render(
        request,
        "dues/member/mine.html",
        {
            "member": member,
            "is_active": member.state == member.State.ACTIVE,
            "ledger": ledger,
            "rates": member_ledger.rate_lines(today),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    member = get_own_member(request.user)
    today = timezone.localdate()
    if request.method != "POST":
        first, last = member_ledger.default_months(member, today)
        try:
            owed = member_ledger.owed_for(member, first, last, today)
        except DuesError:
            owed = None
        form = ReportPaymentForm(
            initial={
                "first_month": first,
                "last_month": last,
                "amount_yuan": _yuan_value(owed),
                "paid_on": today,
                "method": Payment.Method.TRANSFER,
            },
            today=today,
        )
        return _report_page(request, member, form)
    if "work_out" in request.POST:
        return _work_out(request, member, today)
    form = ReportPaymentForm(request.POST, request.FILES, today=today)
    if form.is_valid():
        data = form.cleaned_data
        try:
            member_ledger.check_report(member, data["first_month"], data["last_month"], form.amount_fen, today)
            services.report_payment(
                member,
                first_month=data["first_month"],
                last_month=data["last_month"],
                amount_fen=form.amount_fen,
                paid_on=data["paid_on"],
                method=data["method"],
                receipt=data["receipt"],
                payer_name=data["payer_name"],
                note=data["note"],
                by=request.user,
            )
        except DuesError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Your payment was reported. The secretary will confirm it."))
            return redirect("dues:mine")
    return _report_page(request, member, form, status=400 if form.errors else 200)


def _work_out(request, member, today):
    """Fill in what the months typed come to, without saving (the receipt is chosen after)."""
    data = request.POST.copy()
    form = ReportPaymentForm(data, today=today)
    first = _month_or_none(form, "first_month")
    last = _month_or_none(form, "last_month")
    if first and last:
        try:
            owed = member_ledger.owed_for(member, first, last, today)
        except DuesError as error:
            form.is_valid()
            add_to_form(form, error)
            return _report_page(request, member, form, status=400)
        data["amount_yuan"] = str(_yuan_value(owed))
        messages.info(request, _("These months come to %(owed)s yuan.") % {"owed": yuan(owed)})
        form = ReportPaymentForm(data, today=today)
    form.is_valid()
    return _report_page(request, member, form)


def _month_or_none(form, name: str):
    try:
        return form.fields[name].clean(form.data.get(name))
    except ValidationError:
        # Shown beside the field by the bound form.
        return None


def _report_page(request, member, form, status: int = 200):
    waiting = Payment.objects.filter(member=member, status=Payment.Status.REPORTED).order_by("first_month")
    return render(
        request, "dues/member/report.html", {"member": member, "form": form, "waiting": list(waiting)}, status=status
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def declare(request):
    member = get_own_member(request.user)
    today = timezone.localdate()
    bases = list(
        Basis.objects.filter(member=member)
        .exclude(status=Basis.Status.REJECTED)
        .order_by("-applies_from", "-entered_at", "-pk")[:10]
    )
    current = next((b for b in bases if b.status == Basis.Status.CONFIRMED and b.applies_from <= today), None)
    declared = next((b for b in bases if b.status == Basis.Status.DECLARED), None)
    if request.method == "POST":
        form = DeclareBasisForm(request.POST)
        if form.is_valid():
            income_fen, fixed_fen = form.amounts()
            try:
                services.declare_basis(
                    member,
                    category=form.cleaned_data["category"],
                    applies_from=form.cleaned_data["applies_from"],
                    income_fen=income_fen,
                    fixed_fen=fixed_fen,
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except DuesError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("Your declaration was sent. The secretary will confirm it."))
                return redirect("dues:mine")
    else:
        start = current or declared
        form = DeclareBasisForm(
            initial={
                "category": start.category if start else None,
                "income_yuan": _yuan_value(start.income_fen) if start else None,
                "fixed_yuan": _yuan_value(start.fixed_fen) if start else None,
                "applies_from": today.replace(day=1),
            }
        )
    return render(
        request,
        "dues/member/declare.html",
        {
            "member": member,
            "form": form,
            "current": current,
            "declared": declared,
            "current_income": yuan(current.income_fen) if current and current.income_fen is not None else "",
            "declared_income": yuan(declared.income_fen) if declared and declared.income_fen is not None else "",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_safe
def my_receipt(request, pk: int):
    member = get_own_member(request.user, include_former=True)
    payment = Payment.objects.filter(pk=pk, member=member).exclude(receipt="").first()
    if payment is None:
        raise Http404("No such receipt")
    return private_file_response(
        payment.receipt, filename=f"receipt-{payment.pk}.jpg", content_type="image/jpeg", as_attachment=False
    )
