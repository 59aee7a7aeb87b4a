"""The monthly activity-day engine: plan, remind, dispatch, close; and check-in.

Every sweep asks the database what is due up to ``now`` and not yet done, so a
re-run sends nothing twice (unique keys) and a sweep that was down catches up.
Fan-out is set-based: members are read in id-ordered chunks, one query per
chunk, and rows are written with one INSERT … SELECT per chunk. The counts a
sweep reports are the rows the database says it wrote, so a rerun, or a sweep
racing another, reports only what it added.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    IntegerField,
    JSONField,
    Q,
    QuerySet,
    Value,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.bulk import insert_from_select
from branches.dates import shift_month
from branches.errors import DomainError
from branches.models import Organization, Role
from members.models import Member
from notifications.services import Notice, notify_members, notify_users

from . import photos
from .meetings.lists import expected_members, is_expected
from .models import Activity, Attendance, CheckIn, Leave, MaterialDelivery, StudyMaterial

logger = logging.getLogger(__name__)

CHUNK_SIZE = settings.FANOUT_CHUNK
REMINDER_GRACE = dt.timedelta(hours=12)
# The secretary's absentee notice names at most this many; the page lists all.
MAX_NAMES = 50


class CheckInError(DomainError):
    """A check-in, make-up study or attendance entry that cannot be recorded; ``code`` says why."""

    default_code = "checkin_refused"


class LeaveError(DomainError):
    """A leave request or decision that cannot be recorded; ``code`` says why."""

    default_code = "leave_refused"


def sweep_moment(today: dt.date) -> dt.datetime:
    """The instant a sweep runs "as of": now for today, the day's last instant for a replayed day."""
    now = timezone.now()
    if today == timezone.localdate(now):
        return now
    return dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_default_timezone()
    ) - dt.timedelta(microseconds=1)


def member_id_chunks(members: QuerySet[Member], size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    """Member ids in ascending chunks, one keyset-paginated query per chunk."""
    last = 0
    while True:
        chunk = list(members.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


# --- plan ---------------------------------------------------------------------------------


def plan_activities(today: dt.date) -> dict[str, int]:
    """Create every branch's activity for next month, and for this or last month while its window is open.

    A branch created mid-month, or a plan sweep that was down, still gets the
    activity whose check-in can still happen; one whose window has ended is
    not created after the fact (everyone would be marked absent).
    """
    months = [shift_month(today.year, today.month, offset) for offset in (-1, 0, 1)]
    branches = list(Organization.objects.branches())
    existing = set(
        Activity.objects.filter(kind=Activity.Kind.THEME_DAY)
        .filter(reduce(or_, (Q(year=year, month=month) for year, month in months)))
        .values_list("organization_id", "year", "month")
    )
    # Branches whose new activity has the same month, day and window share
    # one INSERT … SELECT: a handful of statements for a thousand branches,
    # and the database's count of rows it wrote, so a sweep racing another
    # (or a rerun) never reports activities the other one created.
    alike: dict[tuple[int, int, dt.date, dt.datetime, dt.datetime], list[int]] = defaultdict(list)
    for branch in branches:
        for year, month in months:
            day = branch.activity_date(year, month)
            if (branch.pk, year, month) in existing or day + dt.timedelta(days=branch.checkin_days) < today:
                continue
            activity = Activity(organization=branch, year=year, month=month, date=day)
            alike[(year, month, day, *activity.window())].append(branch.pk)
    now = timezone.now()
    planned = 0
    for (year, month, day, opens, closes), branch_ids in alike.items():
        blank = Value("", output_field=CharField())
        columns = {
            "year": Value(year, output_field=IntegerField()),
            "month": Value(month, output_field=IntegerField()),
            "date": Value(day, output_field=DateField()),
            "theme": blank,
            "tracks": Value([], output_field=JSONField()),
            "agenda": blank,
            "online_link": blank,
            "place": blank,
            "kind": Value(Activity.Kind.THEME_DAY.value, output_field=CharField()),
            "name": blank,
            "lecturer": blank,
            "outside_guests": blank,
            "is_election": Value(False, output_field=BooleanField()),
            "minutes": blank,
            "decisions": blank,
            "record_status": Value(Activity.RecordStatus.DRAFT.value, output_field=CharField()),
            "review_comment": blank,
            "opens_at": Value(opens, output_field=DateTimeField()),
            "closes_at": Value(closes, output_field=DateTimeField()),
            "created_at": Value(now, output_field=DateTimeField()),
        }
        select = (
            Organization.objects.filter(pk__in=branch_ids)
            .order_by()
            .annotate(**{f"_{name}": value for name, value in columns.items()})
            .values_list("pk", *(f"_{name}" for name in columns))
        )
        planned += insert_from_select(Activity, ["organization", *columns], select)
    return {"branches": len(branches), "planned": planned}


# --- dispatch -------------------------------------------------------------------------------


def dispatch_due(today: dt.date) -> dict[str, int]:
    """Deliver the study material of every activity whose morning has come, and published material."""
    now = sweep_moment(today)
    counts: Counter[str] = Counter()
    due = Activity.objects.filter(dispatched_at__isnull=True, date__lte=today).select_related("organization")
    for activity in due:
        if activity.morning() > now:
            continue
        try:
            written, marked = dispatch_activity(activity, now)
            counts["deliveries"] += written
            counts["activities"] += marked
        except Exception:
            logger.exception("dispatch of activity %s failed", activity.pk)
            counts["failed"] += 1
    for material in StudyMaterial.objects.filter(dispatched_at__isnull=True, publish_at__lte=now):
        try:
            written, marked = dispatch_material(material, now)
            counts["deliveries"] += written
            counts["materials"] += marked
        except Exception:
            logger.exception("dispatch of material %s failed", material.pk)
            counts["failed"] += 1
    return dict(counts)


def dispatch_activity(activity: Activity, now: dt.datetime) -> tuple[int, bool]:
    """Fan the activity's material and the activity-day notice out to its branch's active members.

    Returns the deliveries this call wrote (not the members it went through:
    a rerun or a concurrent sweep writes none) and whether it was this call
    that marked the activity dispatched.
    """
    material_ids = list(activity.materials.values_list("pk", flat=True))
    members = expected_members(activity)
    # Worded for the moment the members read it: a sweep catching up, or a
    # past day replayed, sends today, not on the day it runs "as of".
    notice = activity_day_notice(activity, len(material_ids), max(now, timezone.now()))
    written = 0
    size = CHUNK_SIZE
    marked = None
    for chunk in member_id_chunks(members, size):
        # One commit per chunk: on PostgreSQL each commit waits for the disk,
        # and a branch's roster usually fits in a single chunk. No savepoint
        # is needed, a failed chunk fails the whole activity.
        with transaction.atomic(savepoint=False):
            for material_id in material_ids:
                written += insert_deliveries(members, chunk, material_id, activity.pk, now)
            if notice is not None:
                notify_members(chunk, notice, key=f"activity:{activity.pk}:{{member}}")
            if len(chunk) < size:
                # A short chunk is the last one: marking the activity in the
                # same commit saves one per branch.
                marked = mark_dispatched(activity, now)
    if marked is None:
        marked = mark_dispatched(activity, now)
    return written, marked


def activity_day_notice(activity: Activity, material_count: int, sent_at: dt.datetime) -> Notice | None:
    """The notice that goes with the activity's material, true at ``sent_at``; None once check-in has closed.

    After the close there is nothing left to check in to: the material goes
    out alone, and the close sweep tells the absentees about the make-up study.
    """
    if sent_at >= activity.closes_at:
        return None
    # Worded by ``notices.activity_day`` in each reader's language.
    params = {
        "theme": activity.theme or activity.organization.name,
        "date": activity.date.isoformat(),
        "past": timezone.localdate(sent_at) > activity.date,
        "count": material_count,
        "closes": timezone.localtime(activity.closes_at).strftime("%Y-%m-%d %H:%M"),
        **meeting_params(activity),
    }
    return Notice(kind="activity_day", params=params, url=reverse("home"))


def meeting_params(activity: Activity) -> dict[str, str]:
    """What a notice about a meeting adds so its wording names the meeting; nothing for the activity day."""
    if activity.is_theme_day:
        return {}
    return {"kind": activity.kind, "name": activity.name}


def mark_dispatched(activity: Activity, now: dt.datetime) -> bool:
    # Only after every chunk is written: a worker killed half-way leaves the
    # activity due, and the next run fills in what is missing.
    return bool(Activity.objects.filter(pk=activity.pk, dispatched_at__isnull=True).update(dispatched_at=now))


def dispatch_material(material: StudyMaterial, now: dt.datetime) -> tuple[int, bool]:
    """Deliver a material published on its own to every active member under its organizations.

    Returns the deliveries this call wrote and whether it marked the material dispatched.
    """
    paths = list(material.organizations.values_list("path", flat=True))
    written = 0
    if paths:
        members = Member.objects.active().filter(
            reduce(or_, (Q(organization__path__startswith=path) for path in paths))
        )
        notice = Notice(kind="material", params={"title": material.title})
        for chunk in member_id_chunks(members):
            written += insert_deliveries(members, chunk, material.pk, None, now)
            notify_members(chunk, notice, key=f"material:{material.pk}:{{member}}")
    marked = StudyMaterial.objects.filter(pk=material.pk, dispatched_at__isnull=True).update(dispatched_at=now)
    return written, bool(marked)


def insert_deliveries(
    members: QuerySet[Member], chunk: list[int], material_id: int, activity_id: int | None, now: dt.datetime
) -> int:
    """Deliver one material to the members of one chunk with a single INSERT … SELECT.

    The rows never pass through Python: building and preparing a model
    instance per member cost more than the database's own work. The chunk's
    ids are listed rather than given as a range: a branch's members are spread
    over the whole table, and a range made SQLite scan all of it per chunk.
    Deliveries already present are skipped (the unique member/material key),
    as ``bulk_create(ignore_conflicts=True)`` did. Returns how many it wrote.
    """
    select = (
        members.filter(pk__in=chunk)
        .order_by()
        .annotate(
            _material=Value(material_id, output_field=BigIntegerField()),
            _activity=Value(activity_id, output_field=BigIntegerField()),
            _at=Value(now, output_field=DateTimeField()),
        )
        .values_list("pk", "_material", "_activity", "_at")
    )
    return insert_from_select(MaterialDelivery, ["member", "material", "activity", "delivered_at"], select)


# --- remind ---------------------------------------------------------------------------------


def reminder_moments(activity: Activity) -> list[tuple[int, dt.datetime]]:
    """(days before, when) for each of the branch's reminder offsets."""
    hour = dt.time(activity.organization.morning_hour)
    return [
        (
            offset,
            dt.datetime.combine(
                activity.date - dt.timedelta(days=offset), hour, tzinfo=timezone.get_default_timezone()
            ),
        )
        for offset in activity.organization.reminder_offsets
    ]


def remind_due(today: dt.date) -> dict[str, int]:
    """Remind members who have not checked in (nor asked for leave) at each due offset.

    A reminder is sent within REMINDER_GRACE of its moment, never later: a
    reminder three days ahead that arrives on the day is noise.
    """
    now = sweep_moment(today)
    counts: Counter[str] = Counter()
    upcoming = Activity.objects.filter(
        closed_at__isnull=True, date__gte=today, date__lte=today + dt.timedelta(days=28)
    ).select_related("organization")
    for activity in upcoming:
        for offset, moment in reminder_moments(activity):
            if not moment <= now < moment + REMINDER_GRACE:
                continue
            try:
                sent = send_reminder(activity, offset)
                counts["reminded"] += sent
                # A rerun within the grace period sends nothing: that round is not counted again.
                counts["reminders"] += 1 if sent else 0
            except Exception:
                logger.exception("reminder %s for activity %s failed", offset, activity.pk)
                counts["failed"] += 1
    return dict(counts)


def send_reminder(activity: Activity, offset: int) -> int:
    """Remind the members not yet checked in (nor asking for leave); returns the reminders written by this call."""
    asking = Leave.objects.filter(activity=activity).exclude(status=Leave.Status.DECLINED).values("member_id")
    members = (
        expected_members(activity)
        .exclude(checkins__activity=activity)
        # A member whose leave is approved or still to be decided has answered already; one whose
        # leave was declined is expected after all and is reminded like everyone else.
        .exclude(pk__in=asking)
    )
    notice = Notice(
        kind="reminder",
        params={
            "days": offset,
            "branch": activity.organization.name,
            "date": activity.date.isoformat(),
            "theme": activity.theme,
            **meeting_params(activity),
        },
        url=reverse("home"),
    )
    sent = 0
    for chunk in member_id_chunks(members):
        sent += notify_members(chunk, notice, key=f"remind:{activity.pk}:{offset}:{{member}}")
    return sent


# --- close ----------------------------------------------------------------------------------


def close_due(today: dt.date) -> dict[str, int]:
    """Record attendance for every activity whose check-in window has ended."""
    now = sweep_moment(today)
    counts: Counter[str] = Counter()
    for activity in Activity.objects.filter(closed_at__isnull=True, closes_at__lte=now).select_related("organization"):
        try:
            written, closed = close_activity(activity, now)
        except Exception:
            logger.exception("closing activity %s failed", activity.pk)
            counts["failed"] += 1
            continue
        counts["activities"] += closed
        counts.update({str(outcome): n for outcome, n in written.items() if n})
    return dict(counts)


def close_activity(activity: Activity, now: dt.datetime) -> tuple[Counter[str], bool]:
    """Mark each member attended / excused / made up / absent, then tell the absentees and the secretaries.

    Returns the attendance rows this call wrote, by outcome (a rerun after a
    killed worker writes only the missing ones), and whether it was this call
    that marked the activity closed. The secretaries' notice counts every
    member of the branch, whichever run wrote their row.
    """
    members = expected_members(activity)
    outcomes: Counter[str] = Counter()
    written: Counter[str] = Counter()
    absent_names: list[str] = []
    make_up = Notice(
        kind="absent", params={"date": activity.date.isoformat(), **meeting_params(activity)}, url=reverse("home")
    )
    for chunk in member_id_chunks(members):
        checkins = dict(CheckIn.objects.filter(activity=activity, member_id__in=chunk).values_list("member_id", "kind"))
        excused = set(
            Leave.objects.filter(activity=activity, member_id__in=chunk, status=Leave.Status.APPROVED).values_list(
                "member_id", flat=True
            )
        )
        by_outcome: dict[str, list[int]] = defaultdict(list)
        for member_id in chunk:
            by_outcome[outcome_for(checkins.get(member_id), member_id in excused)].append(member_id)
        for outcome, ids in by_outcome.items():
            outcomes[outcome] += len(ids)
            written[outcome] += insert_attendance(members, ids, activity, outcome, now)
        absent = by_outcome.get(Attendance.Outcome.ABSENT, [])
        notify_members(absent, make_up, key=f"absent:{activity.pk}:{{member}}")
        if len(absent_names) < MAX_NAMES:
            wanted = absent[: MAX_NAMES - len(absent_names)]
            absent_names += Member.objects.filter(pk__in=wanted).order_by("name").values_list("name", flat=True)
    _notify_secretaries(activity, outcomes, absent_names)
    closed = Activity.objects.filter(pk=activity.pk, closed_at__isnull=True).update(closed_at=now)
    return written, bool(closed)


def insert_attendance(
    members: QuerySet[Member], ids: list[int], activity: Activity, outcome: str, now: dt.datetime
) -> int:
    """Record one outcome for these members with a single INSERT … SELECT; returns the rows it wrote.

    Rows already present (a rerun after a killed worker) are skipped by the
    unique member/activity key and not counted.
    """
    select = (
        members.filter(pk__in=ids)
        .order_by()
        .annotate(
            _activity=Value(activity.pk, output_field=BigIntegerField()),
            _outcome=Value(str(outcome), output_field=CharField()),
            _at=Value(now, output_field=DateTimeField()),
        )
        .values_list("pk", "_activity", "_outcome", "_at")
    )
    return insert_from_select(Attendance, ["member", "activity", "outcome", "recorded_at"], select)


def outcome_for(checkin_kind: str | None, excused: bool) -> str:
    if checkin_kind in (CheckIn.Kind.ON_TIME, CheckIn.Kind.MANUAL):
        return Attendance.Outcome.ATTENDED
    if checkin_kind == CheckIn.Kind.MAKE_UP:
        return Attendance.Outcome.MADE_UP
    if excused:
        return Attendance.Outcome.EXCUSED
    return Attendance.Outcome.ABSENT


def _notify_secretaries(activity: Activity, outcomes: Counter[str], absent_names: list[str]) -> None:
    ancestors = [*activity.organization.ancestor_ids(), activity.organization_id]
    user_ids = set(
        Role.objects.filter(organization_id__in=ancestors, kind__in=Role.SECRETARY_KINDS).values_list(
            "user_id", flat=True
        )
    )
    absent = outcomes[Attendance.Outcome.ABSENT]
    notice = Notice(
        kind="attendance",
        params={
            "branch": activity.organization.name,
            "date": activity.date.isoformat(),
            "attended": outcomes[Attendance.Outcome.ATTENDED],
            "made_up": outcomes[Attendance.Outcome.MADE_UP],
            "excused": outcomes[Attendance.Outcome.EXCUSED],
            "absent": absent,
            "names": absent_names,
            "more": absent > len(absent_names),
            **meeting_params(activity),
        },
    )
    notify_users(user_ids, notice, key=f"attendance:{activity.pk}:{{user}}")


# --- check-in -------------------------------------------------------------------------------


def perform_checkin(
    member: Member,
    activity: Activity,
    *,
    now: dt.datetime | None = None,
    nonce: str = "",
    city: str = "",
    kind: str = CheckIn.Kind.ON_TIME,
    note: str = "",
    entered_by=None,
    photo: UploadedFile | None = None,
) -> tuple[CheckIn, bool]:
    """Record one check-in; a double tap, a retry or a second device returns the first one.

    Returns (check-in, created). The unique constraint on (member, activity)
    decides races, not a prior read. ``photo`` must already have passed
    ``branches.uploads.check_photo``; it is kept only with a new check-in and
    re-encoded by a worker (``activities.photos``), off the request.
    """
    now = now or timezone.now()
    if not is_expected(member, activity):
        raise CheckInError(_("This activity is not for you."), code="not_member")
    if kind == CheckIn.Kind.ON_TIME and not activity.is_open(now):
        if now < activity.opens_at:
            raise CheckInError(_("Check-in opens on %(date)s.") % {"date": activity.date}, code="not_open")
        raise CheckInError(_("Check-in has closed; you can do the make-up study instead."), code="closed")
    if kind == CheckIn.Kind.MAKE_UP and now < activity.closes_at:
        # Make-up study is for those who missed the day, not a way round the window.
        raise CheckInError(_("Make-up study opens when check-in closes."), code="not_closed")
    if kind == CheckIn.Kind.MANUAL and now < activity.opens_at:
        raise CheckInError(_("Attendance can be entered once the activity has begun."), code="not_open")
    if kind == CheckIn.Kind.MAKE_UP and not note.strip():
        raise CheckInError(_("Write a short note on what you studied."), code="note_required", field="note")
    # The upload goes in with the row itself: a photo costs the check-in no query.
    upload = photos.keep(photo) if photo is not None else ""
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                member=member,
                activity=activity,
                kind=kind,
                checked_in_at=now,
                nonce=nonce,
                city=city,
                note=note,
                entered_by=entered_by,
                photo_upload=upload,
                photo_state=CheckIn.PhotoState.PROCESSING if upload else CheckIn.PhotoState.NONE,
                photo_queued_at=now if upload else None,
            )
    except IntegrityError:
        # A double tap or a second phone: the first check-in stands, with its own photo if it had one.
        if upload:
            photos.discard(upload)
        return CheckIn.objects.get(member=member, activity=activity), False
    except Exception:
        if upload:
            photos.discard(upload)
        raise
    if upload:
        photos.queue(checkin)
    if activity.closed_at is not None:
        # Late make-up or manual entry after the close: the outcome follows.
        Attendance.objects.filter(member=member, activity=activity).update(outcome=outcome_for(kind, False))
    return checkin, True


# --- leave ----------------------------------------------------------------------------------


def request_leave(
    member: Member, activity: Activity, reason: str, *, now: dt.datetime | None = None
) -> tuple[Leave, bool]:
    """Ask for leave before the activity; a second request returns the first one.

    Returns (leave, created).
    """
    now = now or timezone.now()
    if not is_expected(member, activity):
        raise LeaveError(_("This activity is not for you."), code="not_member")
    if not reason.strip():
        raise LeaveError(_("Give a reason for your leave."), code="reason_required", field="reason")
    if now >= activity.opens_at:
        raise LeaveError(
            _("Leave is asked for before the activity day; check in or do the make-up study instead."),
            code="too_late",
        )
    if CheckIn.objects.filter(member=member, activity=activity).exists():
        raise LeaveError(_("You have already checked in."), code="checked_in")
    try:
        with transaction.atomic():
            leave = Leave.objects.create(member=member, activity=activity, reason=reason.strip())
    except IntegrityError:
        return Leave.objects.get(member=member, activity=activity), False
    return leave, True


def decide_leave(leave: Leave, *, approve: bool, decided_by, note: str = "", now: dt.datetime | None = None) -> Leave:
    """Approve or decline a pending leave, once; the member is told either way.

    ``note`` is the reason for a decline, shown to the member; an approval keeps none.
    """
    now = now or timezone.now()
    status = Leave.Status.APPROVED if approve else Leave.Status.DECLINED
    note = "" if approve else note.strip()
    longest = Leave._meta.get_field("decision_note").max_length
    if len(note) > longest:
        raise LeaveError(
            _("Keep the reason for declining to %(max)d characters.") % {"max": longest}, code="note_too_long"
        )
    # Conditional update: two secretaries deciding at once cannot both win.
    updated = Leave.objects.filter(pk=leave.pk, status=Leave.Status.PENDING).update(
        status=status, decided_by=decided_by, decided_at=now, decision_note=note
    )
    if not updated:
        raise LeaveError(_("This leave request has already been decided."), code="decided")
    leave.status, leave.decided_by, leave.decided_at, leave.decision_note = status, decided_by, now, note
    activity = leave.activity
    if approve and activity.closed_at is not None:
        # Decided after the close: an absence becomes excused, a check-in stays what it was.
        Attendance.objects.filter(
            member_id=leave.member_id, activity=activity, outcome=Attendance.Outcome.ABSENT
        ).update(outcome=Attendance.Outcome.EXCUSED)
    notice = Notice(
        kind="leave",
        params={"date": activity.date.isoformat(), "approved": approve, "note": note},
        url=reverse("activities:member_detail", args=[activity.pk]),
    )
    notify_members([leave.member_id], notice, key=f"leave:{leave.pk}:{{member}}")
    return leave


def excuse(member: Member, activity: Activity, reason: str, *, by, now: dt.datetime | None = None) -> Leave:
    """The secretary records an excused absence with its reason, e.g. for a meeting recorded afterwards.

    A leave the member asked for and still waiting is approved with the
    member's own reason; one already approved stays as it is. After the
    close, the absence becomes excused as with a late approval.
    """
    now = now or timezone.now()
    reason = reason.strip()
    longest = Leave.REASON_MAX_LENGTH
    if not is_expected(member, activity):
        raise LeaveError(_("This member is not expected at this activity."), code="not_member")
    if not reason:
        raise LeaveError(_("Give the reason for the absence."), code="reason_required", field="reason")
    if len(reason) > longest:
        raise LeaveError(_("Keep the reason to %(max)d characters.") % {"max": longest}, code="reason_too_long")
    if CheckIn.objects.filter(member=member, activity=activity).exclude(kind=CheckIn.Kind.MAKE_UP).exists():
        raise LeaveError(_("%(name)s took part and cannot be excused.") % {"name": member.name}, code="checked_in")
    try:
        with transaction.atomic():
            leave = Leave.objects.create(
                member=member,
                activity=activity,
                reason=reason,
                status=Leave.Status.APPROVED,
                decided_by=by,
                decided_at=now,
            )
    except IntegrityError:
        leave = Leave.objects.get(member=member, activity=activity)
        if leave.status != Leave.Status.APPROVED:
            Leave.objects.filter(pk=leave.pk).update(status=Leave.Status.APPROVED, decided_by=by, decided_at=now)
            leave.status = Leave.Status.APPROVED
    # Closed already (or closing as we speak): the absence becomes excused; before the close there is no row.
    Attendance.objects.filter(member=member, activity=activity, outcome=Attendance.Outcome.ABSENT).update(
        outcome=Attendance.Outcome.EXCUSED
    )
    return leave


# --- study ----------------------------------------------------------------------------------


def mark_read(delivery: MaterialDelivery, *, now: dt.datetime | None = None) -> bool:
    """Record the first opening of a delivered material; later openings change nothing."""
    now = now or timezone.now()
    updated = MaterialDelivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=now)
    if updated:
        delivery.read_at = now
    return bool(updated)


def mark_studied(delivery: MaterialDelivery, *, now: dt.datetime | None = None) -> bool:
    """Record that the member studied the material, once; a second call changes nothing and returns False.

    Only the moment is kept, never how long the material was open: members
    are not measured by the time they spend in the app.
    """
    now = now or timezone.now()
    mark_read(delivery, now=now)
    updated = MaterialDelivery.objects.filter(pk=delivery.pk, studied_at__isnull=True).update(studied_at=now)
    if updated:
        delivery.studied_at = now
    return bool(updated)
