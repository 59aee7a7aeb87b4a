import datetime as dt
import mimetypes
import uuid
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Count, OuterRef, Q, Subquery, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required, get_managed_organization
from branches.errors import show_error
from branches.files import private_file_response
from branches.params import parse_id, parse_next
from members.access import get_own_member
from members.models import Member
from notifications.services import read_receipts

from . import services, stats
from .access import get_managed_activity, get_managed_leave, get_own_activity, get_own_delivery, managed_activities
from .export import attendance_workbook
from .forms import ActivityForm, CheckInForm, LeaveForm, MakeUpForm, materials_for
from .meetings.forms import MeetingDetailsForm
from .meetings.lists import expected_members, own_activities_filter
from .meetings.views import record_context
from .models import Activity, Attendance, CheckIn, Leave, MaterialDelivery, StudyMaterial, Track


@capability_required(Capability.MANAGE_ACTIVITIES)
@require_safe
def activity_list(request):
    activities = (
        managed_activities(request.user)
        .filter(kind=Activity.Kind.THEME_DAY)
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
    now = timezone.now()
    # Attendance by hand is for people who were there without a phone: only once the day has begun.
    can_enter = now >= activity.opens_at
    members = expected_members(activity).select_related("group")
    if activity.closed_at:
        rows = Attendance.objects.filter(activity=activity).select_related("member__group").order_by("member__name")
        groups: dict[str, list] = {outcome: [] for outcome in Attendance.Outcome.values}
        for row in rows:
            row.member.can_enter = can_enter and row.outcome in (
                Attendance.Outcome.ABSENT,
                Attendance.Outcome.EXCUSED,
            )
            groups[row.outcome].append(row.member)
        sections = [(label, groups[value]) for value, label in Attendance.Outcome.choices]
    else:
        checkins = {c.member_id: c for c in CheckIn.objects.filter(activity=activity)}
        leaves = {leave.member_id: leave for leave in Leave.objects.filter(activity=activity)}
        present, made_up, on_leave, waiting, missing = [], [], [], [], []
        for member in members.order_by("name"):
            checkin = checkins.get(member.pk)
            leave = leaves.get(member.pk)
            if checkin:
                member.checkin = checkin
                (made_up if checkin.kind == CheckIn.Kind.MAKE_UP else present).append(member)
                continue
            member.leave = leave
            member.can_enter = can_enter
            # Only an approved leave excuses, as the close counts it; a pending one waits for the decision
            # and a declined one is still expected.
            if leave and leave.status == Leave.Status.APPROVED:
                on_leave.append(member)
            elif leave and leave.status == Leave.Status.PENDING:
                waiting.append(member)
            else:
                missing.append(member)
        sections = [
            (_("Checked in"), present),
            (_("Make-up study"), made_up),
            (_("On leave"), on_leave),
            (_("Leave awaiting a decision"), waiting),
            (_("Not yet"), missing),
        ]
    # Pending first: those are the ones with buttons.
    leave_requests = (
        Leave.objects.filter(activity=activity)
        .select_related("member")
        .order_by(Case(When(status=Leave.Status.PENDING, then=0), default=1), "created_at", "pk")
    )
    return render(
        request,
        "activities/detail.html",
        {
            "activity": activity,
            "sections": sections,
            "tally": stats.activity_tally(activity),
            # Read receipts of the activity-day notice the dispatch sent every member.
            "receipts": read_receipts(f"activity:{activity.pk}:") if activity.dispatched_at else None,
            "leave_requests": leave_requests,
            **record_context(request.user, activity),
        },
    )


@login_required
@require_POST
def leave_decide(request, pk: int):
    leave = get_managed_leave(request.user, pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, _("Choose to approve or to decline."))
    else:
        try:
            services.decide_leave(
                leave,
                approve=decision == "approve",
                decided_by=request.user,
                note=request.POST.get("note") or "",
            )
        except services.LeaveError as error:
            show_error(request, error)
        else:
            messages.success(request, _("Leave approved.") if decision == "approve" else _("Leave declined."))
    # The leave queue decides in place and stays where it was.
    back = parse_next(request, request.POST.get("next"))
    return redirect(back) if back else redirect("activities:detail", pk=leave.activity_id)


def _listed_member(request, activity: Activity, posted, missing: str) -> Member | None:
    """The member a form names from the activity's list; None (with ``missing`` said) when it names none.

    A form sent without a usable member is a mistake to point out, not a guessed
    object; a member who is not on the list is a 404, like any object out of reach.
    """
    member_id = parse_id(posted)
    if member_id is None:
        messages.error(request, missing)
        return None
    member = expected_members(activity).filter(pk=member_id).first()
    if member is None:
        raise Http404("No such member")
    return member


@login_required
@require_POST
def manual_checkin(request, pk: int):
    activity = get_managed_activity(request.user, pk)
    missing = _("Choose a member of this branch to mark as attending.")
    member = _listed_member(request, activity, request.POST.get("member"), missing)
    if member is None:
        return redirect("activities:detail", pk=activity.pk)
    try:
        created = services.perform_checkin(member, activity, kind=CheckIn.Kind.MANUAL, entered_by=request.user)[1]
    except services.CheckInError as error:
        show_error(request, error)
    else:
        if created:
            messages.success(request, _("%(name)s is marked as attending.") % {"name": member.name})
        else:
            messages.info(request, _("%(name)s had already checked in.") % {"name": member.name})
    return redirect("activities:detail", pk=activity.pk)


@login_required
@require_POST
def excuse(request, pk: int):
    """Record an absence as excused, with its reason: for those who told the secretary, not the site."""
    activity = get_managed_activity(request.user, pk)
    missing = _("Choose a member on this activity's list to excuse.")
    member = _listed_member(request, activity, request.POST.get("member"), missing)
    if member is None:
        return redirect("activities:detail", pk=activity.pk)
    try:
        services.excuse(member, activity, request.POST.get("reason") or "", by=request.user)
    except services.LeaveError as error:
        show_error(request, error)
    else:
        messages.success(request, _("%(name)s is recorded as excused.") % {"name": member.name})
    return redirect("activities:detail", pk=activity.pk)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = get_managed_activity(request.user, pk)
    if activity.is_theme_day:
        form = ActivityForm(
            request.POST or None,
            instance=activity,
            materials=materials_for(activity.organization),
            initial={"tracks": activity.tracks},
        )
    else:
        form = MeetingDetailsForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("activities:detail", pk=activity.pk)
    return render(request, "activities/edit.html", {"activity": activity, "form": form})


@login_required
@require_safe
def organization_stats(request, pk: int):
    organization = get_managed_organization(request.user, pk, Capability.MANAGE_ACTIVITIES)
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
    if activity.is_theme_day:
        filename = f"attendance-{activity.organization.code}-{activity.year}-{activity.month:02d}.xlsx"
    else:
        filename = f"attendance-{activity.organization.code}-{activity.kind}-{activity.date.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the member's side ----------------------------------------------------------------------


def member_activity_context(member: Member, activity: Activity, now: dt.datetime) -> dict:
    """What the member's activity page shows: the day, my state, and the one form that fits the moment.

    Three queries: the materials with my delivery of each, my check-in, my leave.
    """
    mine = MaterialDelivery.objects.filter(member=member, material=OuterRef("pk")).order_by()
    materials = list(
        activity.materials.order_by("handbook_chapter", "title").annotate(
            delivery_pk=Subquery(mine.values("pk")[:1]),
            delivery_read_at=Subquery(mine.values("read_at")[:1]),
            delivery_studied_at=Subquery(mine.values("studied_at")[:1]),
        )
    )
    for material in materials:
        material.delivery = None
        if material.delivery_pk is not None:
            # What the page reads of the delivery, not a row to save.
            material.delivery = MaterialDelivery(
                pk=material.delivery_pk,
                member=member,
                material=material,
                read_at=material.delivery_read_at,
                studied_at=material.delivery_studied_at,
            )
            material.delivery._state.adding = False
    if now < activity.opens_at:
        phase = "before"
    elif now < activity.closes_at:
        phase = "open"
    else:
        phase = "after"
    return {
        "activity": activity,
        "phase": phase,
        "tracks": [Track(value).label for value in activity.tracks if value in Track.values],
        "materials": materials,
        "checkin": CheckIn.objects.filter(member=member, activity=activity).first(),
        "leave": Leave.objects.filter(member=member, activity=activity).first(),
        "checkin_form": CheckInForm(initial={"nonce": uuid.uuid4().hex}),
        "leave_form": LeaveForm(),
        "makeup_form": MakeUpForm(),
    }


LEAVE_LABELS = {
    Leave.Status.PENDING: gettext_lazy("Leave requested"),
    Leave.Status.APPROVED: gettext_lazy("Leave approved"),
    Leave.Status.DECLINED: gettext_lazy("Leave declined"),
}


def member_activities(member: Member, now: dt.datetime, size: int = 12) -> tuple[Activity | None, list]:
    """The member's current activity and their last ``size`` activities with what became of each, in one query.

    The current one is the activity whose window is open, else the next one,
    else the latest one. The rows are the branch's activities opened by now,
    newest first, plus the next one ahead; what became of each (attendance,
    check-in, leave) comes as correlated lookups on the member's unique keys.
    """
    branch = Activity.objects.filter(own_activities_filter(member))
    next_opens_at = branch.filter(opens_at__gt=now).order_by("opens_at").values("opens_at")[:1]
    activities = list(
        branch.select_related("organization")
        .filter(Q(opens_at__lte=now) | Q(opens_at=Subquery(next_opens_at)))
        .annotate(
            ahead=Case(When(opens_at__gt=now, then=True), default=False, output_field=BooleanField()),
            outcome=Subquery(Attendance.objects.filter(member=member, activity=OuterRef("pk")).values("outcome")[:1]),
            checkin_kind=Subquery(CheckIn.objects.filter(member=member, activity=OuterRef("pk")).values("kind")[:1]),
            leave_status=Subquery(Leave.objects.filter(member=member, activity=OuterRef("pk")).values("status")[:1]),
        )
        .order_by("-ahead", "-date")[: size + 1]
    )
    ahead = [activity for activity in activities if activity.ahead]
    past = [activity for activity in activities if not activity.ahead][:size]
    open_now = sorted((activity for activity in past if activity.is_open(now)), key=lambda a: a.opens_at)
    current = (open_now or ahead or past or [None])[0]
    rows = []
    for activity in past:
        if activity.outcome:
            label = Attendance.Outcome(activity.outcome).label
        elif activity.checkin_kind:
            label = CheckIn.Kind(activity.checkin_kind).label
        elif activity.leave_status:
            label = LEAVE_LABELS[activity.leave_status]
        elif activity.is_open(now):
            label = _("Open now")
        else:
            label = "—"
        rows.append((activity, str(label)))
    return current, rows


@login_required
@require_safe
def my_activity(request):
    member = get_own_member(request.user)
    now = timezone.now()
    activity, history = member_activities(member, now)
    context = {"member": member, "history": history, "back": reverse("activities:mine")}
    if activity is not None:
        context.update(member_activity_context(member, activity, now))
    return render(request, "activities/mine.html", context)


@login_required
@require_safe
def member_detail(request, pk: int):
    member = get_own_member(request.user)
    activity = get_own_activity(member, pk)
    context = member_activity_context(member, activity, timezone.now())
    context.update(member=member, back=reverse("activities:member_detail", args=[activity.pk]))
    return render(request, "activities/member_detail.html", context)


def _back(request, activity: Activity):
    # Back to the page the form was on; only our own two pages, never an address from the request.
    if request.POST.get("next") == reverse("activities:mine"):
        return redirect("activities:mine")
    return redirect("activities:member_detail", pk=activity.pk)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def member_checkin(request, pk: int):
    member = get_own_member(request.user)
    activity = get_own_activity(member, pk)
    form = CheckInForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, activity)
    try:
        checkin, created = services.perform_checkin(
            member,
            activity,
            nonce=form.cleaned_data["nonce"],
            city=form.cleaned_data["city"].strip(),
            photo=form.cleaned_data["photo"],
        )
    except services.CheckInError as error:
        show_error(request, error)
    else:
        at = timezone.localtime(checkin.checked_in_at).strftime("%H:%M")
        nonce = form.cleaned_data["nonce"]
        if created or (nonce and checkin.nonce == nonce):
            # The same nonce is the same tap resent: it gets the same answer.
            messages.success(request, _("Checked in at %(time)s.") % {"time": at})
        else:
            # A second phone, or the page reloaded: the first check-in stands.
            messages.info(request, _("You had already checked in at %(time)s.") % {"time": at})
    return _back(request, activity)


@login_required
@require_POST
def member_leave(request, pk: int):
    member = get_own_member(request.user)
    activity = get_own_activity(member, pk)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, activity)
    try:
        created = services.request_leave(member, activity, form.cleaned_data["reason"])[1]
    except services.LeaveError as error:
        show_error(request, error)
    else:
        if created:
            messages.success(request, _("Your leave request has been sent to the secretary."))
        else:
            messages.info(request, _("You had already asked for leave."))
    return _back(request, activity)


@login_required
@require_POST
def member_makeup(request, pk: int):
    member = get_own_member(request.user)
    activity = get_own_activity(member, pk)
    form = MakeUpForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, activity)
    try:
        created = services.perform_checkin(
            member, activity, kind=CheckIn.Kind.MAKE_UP, note=form.cleaned_data["note"].strip()
        )[1]
    except services.CheckInError as error:
        show_error(request, error)
    else:
        if created:
            messages.success(request, _("Your make-up study is recorded."))
        else:
            messages.info(request, _("This activity is already recorded for you."))
    return _back(request, activity)


@login_required
@require_safe
def study(request):
    member = get_own_member(request.user)
    deliveries = (
        MaterialDelivery.objects.filter(member=member).select_related("material").order_by("-delivered_at", "-pk")
    )
    page = Paginator(deliveries, 20).get_page(request.GET.get("page"))
    ancestors = [*member.organization.ancestor_ids(), member.organization_id]
    chapters = list(
        StudyMaterial.objects.filter(handbook_chapter__isnull=False)
        .filter(Q(deliveries__member=member) | Q(organizations__in=ancestors) | Q(organizations__isnull=True))
        .distinct()
        .order_by("handbook_chapter", "pk")
    )
    mine = {
        d.material_id: d
        for d in MaterialDelivery.objects.filter(member=member, material_id__in=[c.pk for c in chapters])
    }
    for chapter in chapters:
        chapter.delivery = mine.get(chapter.pk)
    studied = sum(1 for chapter in chapters if chapter.delivery and chapter.delivery.studied_at)
    return render(
        request,
        "activities/study.html",
        {"page": page, "chapters": chapters, "studied": studied, "member": member},
    )


@login_required
@require_safe
def material_detail(request, pk: int):
    member = get_own_member(request.user)
    delivery = get_own_delivery(member, pk)
    services.mark_read(delivery)
    return render(request, "activities/material.html", {"delivery": delivery, "material": delivery.material})


@login_required
@require_POST
def material_studied(request, pk: int):
    member = get_own_member(request.user)
    delivery = get_own_delivery(member, pk)
    if services.mark_studied(delivery):
        messages.success(request, _("Marked as studied."))
    else:
        messages.info(request, _("You had already studied this material."))
    return redirect("activities:material", pk=delivery.pk)


# Served inline only when the browser will show them as what they are; anything else downloads.
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp", "image/gif"}


@login_required
@require_safe
def material_file(request, pk: int):
    """The material's file, to the members it was sent to only (never a public /media/ link)."""
    member = get_own_member(request.user)
    delivery = get_own_delivery(member, pk)
    material = delivery.material
    if not material.file or material.kind not in (StudyMaterial.Kind.PDF, StudyMaterial.Kind.IMAGE):
        raise Http404("No file")
    name = PurePosixPath(material.file.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    return private_file_response(
        material.file,
        as_attachment=not inline,
        filename=name,
        content_type=content_type if inline else "application/octet-stream",
    )
