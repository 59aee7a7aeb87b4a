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

from branches.files import private_file_response
from branches.services import can_manage, managed_organizations, require_manager
from branches.uploads import content_type_of
from members.models import Member

from .models import Report
from .report_forms import ReplyForm, ReportForm
from .reports import ReportError, next_report_due, reply_to_report, submit_report


def get_own_member(user) -> Member:
    """The roster entry of the logged-in person, or 404 for a login without one."""
    member = Member.objects.select_related("organization").filter(user_id=user.pk).first()
    if member is None:
        raise Http404("No roster entry")
    return member


def get_report_for_user(user, pk: int) -> tuple[Report, bool]:
    """A report its author, or a secretary over the author's branch, may see; else 404.

    Returns the report and whether the user may answer it.
    """
    report = Report.objects.select_related("member__organization", "member__group", "replied_by").filter(pk=pk).first()
    if report is None:
        raise Http404("No such report")
    may_answer = can_manage(user, report.member.organization)
    if report.member.user_id != user.pk and not may_answer:
        raise Http404("No such report")
    return report, may_answer


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_reports(request):
    member = get_own_member(request.user)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = submit_report(member, form.save(commit=False))
        messages.success(request, _("Your report was handed in. Your secretary will answer it."))
        return redirect("reports:detail", pk=report.pk)
    reports = Report.objects.filter(member=member).select_related("replied_by").order_by("-submitted_at", "-pk")
    page = Paginator(reports, 10).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "activities/reports/mine.html",
        {"member": member, "form": form, "page": page, "due_on": next_report_due(member, today), "today": today},
    )


@login_required
@require_safe
def report_detail(request, pk: int):
    report, may_answer = get_report_for_user(request.user, pk)
    form = ReplyForm() if may_answer and not report.replied_at else None
    return render(
        request,
        "activities/reports/detail.html",
        {"report": report, "reply_form": form, "is_author": report.member.user_id == request.user.pk},
    )


@login_required
@require_safe
def report_attachment(request, pk: int):
    report, _may_answer = get_report_for_user(request.user, pk)
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


@login_required
@require_safe
def review_queue(request):
    require_manager(request.user)
    organizations = managed_organizations(request.user)
    reports = (
        Report.objects.filter(member__organization__in=organizations)
        .select_related("member__organization", "member__group")
        .defer("body", "reply")
        .order_by(F("replied_at").desc(nulls_first=True), "-submitted_at", "-pk")
    )
    page = Paginator(reports, 20).get_page(request.GET.get("page"))
    return render(request, "activities/reports/queue.html", {"page": page})


@login_required
@require_POST
def report_reply(request, pk: int):
    report, may_answer = get_report_for_user(request.user, pk)
    if not may_answer:
        raise Http404("No such report")
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
        messages.error(request, str(error))
        return redirect("reports:detail", pk=report.pk)
    messages.success(request, _("Your reply was sent to %(name)s.") % {"name": report.member.name})
    return redirect("reports:queue")
