"""Move reports: the member sends them from the phone; the branch's secretaries confirm them or ask again."""

from __future__ import annotations

from allauth.core.exceptions import RateLimited
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required
from branches.errors import add_to_form, show_error
from branches.params import parse_next
from members.access import get_own_member
from members.validators import mask_phone

from .models import MoveReport
from .move_access import get_managed_move_report, get_own_move_report
from .move_forms import FORMS, DecisionForm, NewPhoneForm, PhoneCodeForm
from .move_phone import NewNumberVerification
from .moves import MoveError, change_rows, decide_move, pending_moves, reported_rows, submit_move, withdraw_move

MY_PER_PAGE = 20
QUEUE_PER_PAGE = 30


def _too_many_codes() -> str:
    return _("Too many codes were sent to this number. Wait a few minutes and try again.")


# --- The member's side ----------------------------------------------------------------------


@login_required
@require_safe
def my_moves(request):
    """My reports and what became of them; a former member still reads theirs."""
    member = get_own_member(request.user, include_former=True)
    reports = MoveReport.objects.filter(member=member).order_by("-submitted_at", "-pk")
    page = Paginator(reports, MY_PER_PAGE).get_page(request.GET.get("page"))
    for report in page:
        report.rows = reported_rows(report)
    return render(
        request,
        "itinerant/moves/mine.html",
        {"member": member, "is_active": member.state == member.State.ACTIVE, "page": page},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_move(request):
    """Choose what changed, then its form; a new number goes on to the code sent to it."""
    member = get_own_member(request.user)
    kind = request.POST.get("kind") if request.method == "POST" else request.GET.get("kind")
    form_class = FORMS.get(kind or "")
    if form_class is None:
        return render(request, "itinerant/moves/choose.html", {"member": member, "kinds": MoveReport.Kind.choices})
    form = form_class(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        if form_class is NewPhoneForm:
            try:
                NewNumberVerification.start(request, form.cleaned_data["new_phone"])
            except RateLimited:
                form.add_error("new_phone", _too_many_codes())
            else:
                messages.info(
                    request,
                    _("A code was sent to %(phone)s.") % {"phone": mask_phone(form.cleaned_data["new_phone"])},
                )
                return redirect("itinerant:verify_phone")
        else:
            try:
                submit_move(member, kind, form.cleaned_data)
            except MoveError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("Your report was sent. Your secretary will confirm it."))
                return redirect("itinerant:my_moves")
    return render(
        request,
        "itinerant/moves/report.html",
        {"member": member, "form": form, "kind": kind, "kind_label": MoveReport.Kind(kind).label},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify_phone(request):
    """The code sent to the new number; the report is written only when it is right."""
    member = get_own_member(request.user)
    process, expired = NewNumberVerification.pending(request)
    start_again = f"{reverse('itinerant:report_move')}?kind={MoveReport.Kind.PHONE}"
    if process is None:
        if expired:
            messages.error(request, _("The code has expired. Ask for a new one."))
        else:
            messages.info(request, _("Enter your new number first; a code is sent to it."))
        return redirect(start_again)
    form = PhoneCodeForm(code=process.code)
    if request.method == "POST" and request.POST.get("action") == "resend":
        if not process.can_resend:
            messages.error(request, _("No more codes can be sent. Start again with your new number."))
            process.abort()
            return redirect(start_again)
        try:
            process.resend()
        except RateLimited:
            messages.error(request, _too_many_codes())
        else:
            messages.info(request, _("A new code was sent to %(phone)s.") % {"phone": mask_phone(process.phone)})
        return redirect("itinerant:verify_phone")
    if request.method == "POST":
        form = PhoneCodeForm(request.POST, code=process.code)
        if form.is_valid():
            try:
                submit_move(
                    member,
                    MoveReport.Kind.PHONE,
                    {"new_phone": process.phone},
                    phone_verified_at=timezone.now(),
                )
            except MoveError as error:
                # The number was taken while the code travelled: nothing is written, start again.
                process.abort()
                show_error(request, error)
                return redirect(start_again)
            process.finish()
            messages.success(request, _("Your new number is verified and sent to your secretary to confirm."))
            return redirect("itinerant:my_moves")
        if not process.record_invalid_attempt():
            messages.error(request, _("Too many wrong codes. Ask for a new code."))
            return redirect(start_again)
    return render(
        request,
        "itinerant/moves/verify_phone.html",
        {"member": member, "form": form, "phone": mask_phone(process.phone), "can_resend": process.can_resend},
    )


@login_required
@require_POST
def withdraw(request, pk: int):
    member = get_own_member(request.user)
    report = get_own_move_report(member, pk)
    try:
        withdraw_move(member, report)
    except MoveError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Your report was withdrawn."))
    return redirect("itinerant:my_moves")


# --- The secretary's side -------------------------------------------------------------------


@capability_required(Capability.MANAGE_ROSTER)
@require_safe
def move_queue(request):
    """Pending reports of the branches the user manages, oldest first, with what confirming would change."""
    others = (
        MoveReport.objects.filter(member=OuterRef("member"), status=MoveReport.Status.PENDING)
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    reports = (
        pending_moves(request.user)
        .select_related("member__organization", "member__group")
        .annotate(other_pending=Subquery(others, output_field=IntegerField()))
        .order_by("submitted_at", "pk")
    )
    page = Paginator(reports, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    for report in page:
        report.rows = change_rows(report)
        report.changed_since = any(row["changed_since"] for row in report.rows)
    response = render(request, "itinerant/moves/queue.html", {"page": page})
    # Whereabouts and numbers are personal data: no browser or proxy keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def decide(request, pk: int):
    report = get_managed_move_report(request.user, pk)
    back = parse_next(request, request.POST.get("next")) or reverse("itinerant:move_queue")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to confirm or to ask again, and keep the reason to 300 characters."))
        return redirect(back)
    confirm = form.cleaned_data["decision"] == "confirm"
    try:
        decide_move(report, confirm=confirm, by=request.user, note=form.cleaned_data["note"])
    except MoveError as error:
        show_error(request, error)
        return redirect(back)
    if confirm:
        messages.success(request, _("Confirmed: %(name)s's roster entry is updated.") % {"name": report.member.name})
    else:
        messages.success(request, _("%(name)s is asked to report again.") % {"name": report.member.name})
    return redirect(back)
