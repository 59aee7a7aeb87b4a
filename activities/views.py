import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from branches.services import can_manage, get_managed_organization, managed_organizations
from members.models import Member

from . import stats
from .export import attendance_workbook
from .forms import ActivityForm, materials_for
from .models import Activity, Attendance, CheckIn, Leave


def get_managed_activity(user, pk: int) -> Activity:
    """Fetch an activity under one of the user's roles, or 404."""
    activity = Activity.objects.select_related("organization").filter(pk=pk).first()
    if activity is None or not can_manage(user, activity.organization):
        raise Http404("No such activity")
    return activity


@login_required
@require_safe
def activity_list(request):
    branches = managed_organizations(request.user).filter(kind="branch")
    if not request.user.is_superuser and not branches.exists():
        raise PermissionDenied
    activities = (
        Activity.objects.filter(organization__in=branches)
        .select_related("organization")
        .order_by("-date", "organization__path")
    )
    page = Paginator(activities, 20).get_page(request.GET.get("page"))
    ids = [activity.pk for activity in page]
    checked_in = dict(
        CheckIn.objects.filter(activity_id__in=ids).values_list("activity_id").annotate(n=Count("id")).order_by()
    )
    for activity in page:
        activity.checked_in = checked_in.get(activity.pk, 0)
    return render(request, "activities/list.html", {"page": page, "now": timezone.now()})


@login_required
@require_safe
def activity_detail(request, pk: int):
    activity = get_managed_activity(request.user, pk)
    members = Member.objects.active().filter(organization_id=activity.organization_id).select_related("group")
    if activity.closed_at:
        rows = Attendance.objects.filter(activity=activity).select_related("member__group").order_by("member__name")
        groups: dict[str, list] = {outcome: [] for outcome in Attendance.Outcome.values}
        for row in rows:
            groups[row.outcome].append(row.member)
        sections = [(label, groups[value]) for value, label in Attendance.Outcome.choices]
    else:
        checkins = {c.member_id: c for c in CheckIn.objects.filter(activity=activity)}
        leaves = {leave.member_id: leave for leave in Leave.objects.filter(activity=activity)}
        present, made_up, on_leave, missing = [], [], [], []
        for member in members.order_by("name"):
            checkin = checkins.get(member.pk)
            if checkin:
                member.checkin = checkin
                (made_up if checkin.kind == CheckIn.Kind.MAKE_UP else present).append(member)
            elif member.pk in leaves:
                member.leave = leaves[member.pk]
                on_leave.append(member)
            else:
                missing.append(member)
        sections = [
            (_("Checked in"), present),
            (_("Make-up study"), made_up),
            (_("Asked for leave"), on_leave),
            (_("Not yet"), missing),
        ]
    return render(
        request,
        "activities/detail.html",
        {"activity": activity, "sections": sections, "tally": stats.activity_tally(activity)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = get_managed_activity(request.user, pk)
    form = ActivityForm(
        request.POST or None,
        instance=activity,
        materials=materials_for(activity.organization),
        initial={"tracks": activity.tracks},
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("activities:detail", pk=activity.pk)
    return render(request, "activities/edit.html", {"activity": activity, "form": form})


@login_required
@require_safe
def organization_stats(request, pk: int):
    organization = get_managed_organization(request.user, pk)
    today = timezone.localdate()
    months, series = stats.monthly_attendance(organization, today)
    return render(
        request,
        "activities/stats.html",
        {
            "organization": organization,
            "chart": stats.line_chart(months, series),
            "materials": stats.study_completion(organization, since=today - dt.timedelta(days=365)),
            "absentees": stats.repeated_absentees(organization),
        },
    )


@login_required
@require_safe
def attendance_export(request, pk: int):
    activity = get_managed_activity(request.user, pk)
    response = HttpResponse(
        attendance_workbook(activity),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"attendance-{activity.organization.code}-{activity.year}-{activity.month:02d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
