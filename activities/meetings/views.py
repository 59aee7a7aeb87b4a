"""The secretary's meeting pages: the list, planning, the list of who is expected, the record and its review.

A meeting's own page is the activity day's page (``activities:detail``): the
same attendance, with the record and the list added for the other kinds.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required, scope_of
from branches.bulk import count_subquery
from branches.errors import add_to_form, show_error
from branches.files import private_file_response
from branches.models import Organization
from branches.params import parse_id
from branches.uploads import content_type_of

from ..access import (
    get_managed_activity,
    get_managed_meeting_file,
    get_reviewable_activity,
    managed_activities,
    may_review,
    reviewable_records,
)
from ..models import Activity, Attendee, CheckIn
from . import services
from .forms import AddAttendeesForm, FileForm, MeetingPlanForm, RecordForm, ReviewForm
from .lists import quorum

C = Capability
PAGE_SIZE = 20


def managed_branches(user):
    return scope_of(user).organizations(C.MANAGE_ACTIVITIES).filter(kind=Organization.Kind.BRANCH).order_by("path")


@capability_required(C.MANAGE_ACTIVITIES)
@require_safe
def meeting_list(request):
    """Every gathering in the scope, the activity days among them, newest first; filter by kind and branch."""
    meetings = managed_activities(request.user).select_related("organization", "group")
    kind = request.GET.get("kind") or ""
    if kind in Activity.Kind.values:
        meetings = meetings.filter(kind=kind)
    else:
        kind = ""
    branch_id = parse_id(request.GET.get("branch"))
    if branch_id is not None:
        meetings = meetings.filter(organization_id=branch_id)
    meetings = meetings.annotate(
        listed=count_subquery(Attendee.objects.filter(activity=OuterRef("pk"), role=Attendee.Role.EXPECTED)),
        checked_in=count_subquery(CheckIn.objects.filter(activity=OuterRef("pk"))),
    ).order_by("-date", "-pk")
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/meetings/list.html",
        {
            "page": page,
            "kinds": Activity.Kind.choices,
            "kind": kind,
            "branch_id": branch_id,
            "branches": list(managed_branches(request.user)),
        },
    )


@capability_required(C.MANAGE_ACTIVITIES)
@require_http_methods(["GET", "POST"])
def meeting_plan(request):
    branches = managed_branches(request.user)
    initial = {"kind": request.GET.get("kind") or Activity.Kind.COMMITTEE}
    if (branch_id := parse_id(request.GET.get("branch"))) is not None:
        initial["branch"] = branch_id
    form = MeetingPlanForm(request.POST or None, branches=branches, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.plan_meeting(
                data["branch"],
                kind=data["kind"],
                group=data.get("group"),
                by=request.user,
                **form.details(),
            )
        except services.MeetingError as error:
            add_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(meeting)s planned; %(n)d members are on its list.")
                % {"meeting": meeting.title, "n": meeting.attendees.count()},
            )
            return redirect("activities:detail", pk=meeting.pk)
    return render(request, "activities/meetings/plan.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_attendees(request, pk: int):
    meeting = get_managed_activity(request.user, pk)
    if meeting.is_theme_day:
        raise Http404("The activity day expects its whole branch")
    form = AddAttendeesForm(request.POST or None, activity=meeting)
    if request.method == "POST":
        remove = parse_id(request.POST.get("remove"))
        try:
            if remove is not None:
                if services.remove_from_list(meeting, remove):
                    messages.success(request, _("Taken off the list."))
                return redirect("meetings:attendees", pk=meeting.pk)
            if form.is_valid():
                guest = form.cleaned_data["role"] == Attendee.Role.GUEST
                added = services.add_to_list(meeting, form.cleaned_data["members"], guest=guest)
                messages.success(request, _("%(n)d added to the list.") % {"n": added})
                return redirect("meetings:attendees", pk=meeting.pk)
        except services.MeetingError as error:
            show_error(request, error)
            return redirect("meetings:attendees", pk=meeting.pk)
    checked_in = set(CheckIn.objects.filter(activity=meeting).values_list("member_id", flat=True))
    attendees = list(
        Attendee.objects.filter(activity=meeting)
        .select_related("member__group")
        .order_by("role", "member__name_pinyin", "member__name")
    )
    for attendee in attendees:
        attendee.checked_in = attendee.member_id in checked_in
    return render(
        request,
        "activities/meetings/attendees.html",
        {"activity": meeting, "attendees": attendees, "form": form, "locked": meeting.closed_at is not None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request, pk: int):
    meeting = get_managed_activity(request.user, pk)
    editable = meeting.record_status in services.EDITABLE
    form = RecordForm(request.POST or None, instance=meeting, prefix="record")
    file_form = FileForm(request.POST or None, request.FILES or None, prefix="file")
    if request.method == "POST":
        if not editable:
            messages.error(request, _("The record has been submitted; it can be changed again only if it is returned."))
            return redirect("activities:detail", pk=meeting.pk)
        if "upload" in request.POST:
            if file_form.is_valid():
                try:
                    services.add_file(
                        meeting,
                        file_form.cleaned_data["content"],
                        name=file_form.cleaned_data["file"].name,
                        photo=file_form.cleaned_data["is_photo"],
                        by=request.user,
                    )
                except services.MeetingError as error:
                    add_to_form(file_form, error)
                else:
                    messages.success(request, _("File attached."))
                    return redirect("meetings:record", pk=meeting.pk)
            form = RecordForm(instance=meeting, prefix="record")
        else:
            file_form = FileForm(prefix="file")
            if form.is_valid():
                form.save()
                messages.success(request, _("Record saved."))
                return redirect("activities:detail", pk=meeting.pk)
    return render(
        request,
        "activities/meetings/record.html",
        {"activity": meeting, "form": form, "file_form": file_form, "files": meeting.files.all(), "editable": editable},
    )


@login_required
@require_POST
def meeting_submit(request, pk: int):
    meeting = get_managed_activity(request.user, pk)
    try:
        services.submit_record(meeting, by=request.user)
    except services.MeetingError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Record submitted for review."))
    return redirect("activities:detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_review(request, pk: int):
    meeting = get_reviewable_activity(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to return the record."))
        return redirect("activities:detail", pk=meeting.pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.review_record(meeting, approve=approve, by=request.user, comment=form.cleaned_data["comment"])
    except services.MeetingError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Record approved.") if approve else _("Record returned with your comment."))
    return redirect("meetings:review_queue")


@capability_required(C.MANAGE_ACTIVITIES)
@require_safe
def review_queue(request):
    records = reviewable_records(request.user).select_related("organization", "submitted_by")
    records = records.order_by("submitted_at", "pk")
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "activities/meetings/review_queue.html", {"page": page})


@login_required
@require_safe
def meeting_file(request, pk: int):
    stored = get_managed_meeting_file(request.user, pk)
    return private_file_response(
        stored.file,
        filename=stored.name,
        content_type=content_type_of(stored.file.name),
        # Photos open in the page; documents download, so nothing uploaded runs in the site's origin.
        as_attachment=not stored.is_photo,
    )


@login_required
@require_POST
def meeting_file_delete(request, pk: int):
    stored = get_managed_meeting_file(request.user, pk)
    try:
        services.check_editable(stored.activity)
    except services.MeetingError as error:
        show_error(request, error)
    else:
        stored.file.delete(save=False)
        stored.delete()
        messages.success(request, _("File removed."))
    return redirect("meetings:record", pk=stored.activity_id)


def record_context(user, activity: Activity) -> dict:
    """What the meeting's page adds for the record and the list: quorum, files, who may submit or review."""
    return {
        "quorum": quorum(activity),
        "files": list(activity.files.all()),
        "may_review": may_review(user, activity),
        "editable": activity.record_status in services.EDITABLE,
        "review_form": ReviewForm(),
        "listed": None if activity.is_theme_day else activity.attendees.count(),
    }
