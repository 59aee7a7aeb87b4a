"""Reports: a member hands them in and reads the answers; a secretary answers them."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required
from branches.errors import show_error
from branches.files import private_file_response
from branches.uploads import content_type_of
from members.access import get_own_member

from .access import get_managed_report, get_readable_report, managed_reports
from .models import Report
from .report_forms import ReplyForm, ReportForm
from .reports import ReportError, away_report_due, next_report_due, reply_to_report, submit_report


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_reports(request):
    if request.method == "POST":
        # Handing in a report acts in the branch: only an active entry does.
        member = get_own_member(request.user)
    else:
        # Reading one's reports and their answers is one's own past, kept after a transfer.
        member = get_own_member(request.user, include_former=True)
    is_active = member.state == member.State.ACTIVE
    # A link from the yearly reminder opens the form on the report it asks for.
    initial = {"kind": request.GET["kind"]} if request.GET.get("kind") in Report.Kind.values else None
    form = (
        ReportForm(request.POST or None, request.FILES or None, itinerant=member.is_itinerant, initial=initial)
        if is_active
        else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = submit_report(member, form.save(commit=False))
        except ReportError as error:
            show_error(request, error)
            return redirect("reports:mine")
        messages.success(request, _("Your report was handed in. Your secretary will answer it."))
        return redirect("reports:detail", pk=report.pk)
    reports = Report.objects.filter(member=member).select_related("replied_by").order_by("-submitted_at", "-pk")
    page = Paginator(reports, 10).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "activities/reports/mine.html",
        {
            "member": member,
            "is_active": is_active,
            "form": form,
            "page": page,
            # A former member owes the branch they left no more reports.
            "due_on": next_report_due(member, today) if is_active else None,
            "away_due_on": away_report_due(member, today) if is_active else None,
            "today": today,
        },
    )


@login_required
@require_safe
def report_detail(request, pk: int):
    report, may_answer = get_readable_report(request.user, pk)
    form = ReplyForm() if may_answer and not report.replied_at else None
    return render(
        request,
        "activities/reports/detail.html",
        {"report": report, "reply_form": form, "is_author": report.member.user_id == request.user.pk},
    )


@login_required
@require_safe
def report_attachment(request, pk: int):
    report, _may_answer = get_readable_report(request.user, pk)
    if not report.attachment:
        raise Http404("No attachment")
    extension = PurePath(report.attachment.name).suffix.lower()
    # Always a download, never rendered inline in our origin.
    return private_file_response(
        report.attachment,
        as_attachment=True,
        filename=f"report-{report.pk}{extension}",
        content_type=content_type_of(report.attachment.name),
    )


@capability_required(Capability.ANSWER_REPORTS)
@require_safe
def review_queue(request):
    reports = (
        managed_reports(request.user)
        .select_related("member__organization", "member__group")
        .defer("body", "reply")
        .order_by(F("replied_at").desc(nulls_first=True), "-submitted_at", "-pk")
    )
    page = Paginator(reports, 20).get_page(request.GET.get("page"))
    return render(request, "activities/reports/queue.html", {"page": page})


@login_required
@require_POST
def report_reply(request, pk: int):
    report = get_managed_report(request.user, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "activities/reports/detail.html",
            {"report": report, "reply_form": form, "is_author": report.member.user_id == request.user.pk},
            status=400,
        )
    try:
        reply_to_report(report, request.user, form.cleaned_data["reply"])
    except ReportError as error:
        show_error(request, error)
        return redirect("reports:detail", pk=report.pk)
    messages.success(request, _("Your reply was sent to %(name)s.") % {"name": report.member.name})
    return redirect("reports:queue")
