"""Meetings other than the activity day: planning with a fixed list, the record, and its review above.

The attendance itself (check-in, leave, make-up, entry by hand, outcomes at the
close, reminders, absentee notices) is the activity day's engine in
``activities.services``, which asks ``lists.expected_members`` who is expected.
A record goes 草稿 → 已提交 → 已审核, or back to 退回 with the reviewer's
comment and on to 已提交 again; each step is a conditional UPDATE, so two
people acting at once cannot both win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.errors import DomainError
from branches.holders import RoleHolders
from branches.models import Organization, Role
from members.models import Member
from notifications.services import Notice, notify_members, notify_users

from ..models import Activity, Attendee, MeetingFile
from .lists import default_list

RECORD = Activity.RecordStatus
# A meeting is planned at most this far ahead or recorded this far back.
HORIZON = dt.timedelta(days=366)
MAX_FILES = 20


class MeetingError(DomainError):
    """A meeting that cannot be planned, listed, recorded or reviewed as asked; ``code`` says why."""

    default_code = "meeting_refused"


def plan_meeting(
    branch: Organization,
    *,
    kind: str,
    date: dt.date,
    by,
    group: Organization | None = None,
    guests: Iterable[Member] = (),
    **details,
) -> Activity:
    """Plan a meeting of ``kind`` with the list its kind expects, and tell those on it.

    ``details`` are the record's own fields (theme, name, place, starts_at,
    online_link, agenda, host, recorder, lecturer, is_election).
    """
    if kind == Activity.Kind.THEME_DAY:
        # The activity day is planned by the sweep, one a month, and moved on its own page.
        raise MeetingError(_("The activity day is planned each month by itself."), code="theme_day", field="kind")
    today = timezone.localdate()
    if abs(date - today) > HORIZON:
        raise MeetingError(_("Choose a date within a year of today."), code="date_range", field="date")
    if kind == Activity.Kind.GROUP and (group is None or group.parent_id != branch.pk):
        raise MeetingError(_("Choose the group whose meeting this is."), code="group", field="group")
    with transaction.atomic():
        activity = Activity(
            organization=branch,
            kind=kind,
            date=date,
            year=date.year,
            month=date.month,
            group=group if kind == Activity.Kind.GROUP else None,
            **details,
        )
        activity.full_clean(exclude=["materials"])
        activity.save()
        expected = default_list(kind, branch.pk, date, group.pk if group else None)
        _add(activity, expected.values_list("pk", "status"), Attendee.Role.EXPECTED)
        _add(activity, [(m.pk, m.status) for m in guests], Attendee.Role.GUEST)
    _tell_planned(activity)
    return activity


def _add(activity: Activity, rows: Iterable[tuple[int, str]], role: str) -> int:
    created = Attendee.objects.bulk_create(
        [
            Attendee(
                activity=activity,
                member_id=pk,
                role=role,
                # Guests attend without a vote; so do probationary members.
                votes=role == Attendee.Role.EXPECTED and status == Member.Status.FULL,
            )
            for pk, status in rows
        ],
        ignore_conflicts=True,
    )
    return len(created)


def _tell_planned(activity: Activity) -> None:
    notice = Notice(
        kind="meeting_planned",
        params={
            "kind": activity.kind,
            "name": activity.name,
            "branch": activity.organization.name,
            "date": activity.date.isoformat(),
            "time": activity.starts_at.strftime("%H:%M") if activity.starts_at else "",
            "place": activity.place,
            "theme": activity.theme,
        },
        url=reverse("activities:member_detail", args=[activity.pk]),
    )
    ids = Attendee.objects.filter(activity=activity).values_list("member_id", flat=True)
    notify_members(ids, notice, key=f"meeting:{activity.pk}:{{member}}")


def _check_list_open(activity: Activity) -> None:
    if activity.is_theme_day:
        raise MeetingError(_("The activity day expects its whole branch."), code="theme_day")
    if activity.closed_at is not None:
        # The outcomes are written: 应到 must stay what it was.
        raise MeetingError(_("The meeting is closed; its list can no longer change."), code="closed")


def add_to_list(activity: Activity, members: Iterable[Member], *, guest: bool = False) -> int:
    """Put members on an open meeting's list (as guests: without a vote); those already on it stay as they are."""
    _check_list_open(activity)
    members = list(members)
    if not guest and any(m.organization_id != activity.organization_id for m in members):
        raise MeetingError(_("Only members of the branch can be expected; invite others as guests."), code="outsider")
    role = Attendee.Role.GUEST if guest else Attendee.Role.EXPECTED
    added = _add(activity, [(m.pk, m.status) for m in members], role)
    if added:
        _tell_planned(activity)
    return added


def remove_from_list(activity: Activity, member_id: int) -> bool:
    """Take someone off an open meeting's list; one who has checked in stays, so 实到 stays true."""
    _check_list_open(activity)
    if activity.checkins.filter(member_id=member_id).exists():
        raise MeetingError(_("This member has checked in and stays on the list."), code="checked_in")
    return bool(Attendee.objects.filter(activity=activity, member_id=member_id).delete()[0])


# --- the record -------------------------------------------------------------------------------


EDITABLE = (RECORD.DRAFT, RECORD.RETURNED)


def check_editable(activity: Activity) -> None:
    if activity.record_status not in EDITABLE:
        raise MeetingError(
            _("The record has been submitted; it can be changed again only if it is returned."), code="locked"
        )


def add_file(activity: Activity, content: File, *, name: str, photo: bool, by) -> MeetingFile:
    """Attach a checked file to the record: ``content`` has passed ``clean_photo`` or ``clean_attachment``.

    Photos come re-encoded without their location and camera tags, so nothing
    a phone wrote into the original is ever served.
    """
    check_editable(activity)
    if activity.files.count() >= MAX_FILES:
        raise MeetingError(
            _("A record keeps at most %(max)d files.") % {"max": MAX_FILES}, code="too_many_files", field="file"
        )
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or _("file")
    stored = MeetingFile(activity=activity, name=name, is_photo=photo, uploaded_by=by)
    stored.file.save(getattr(content, "name", None) or name, content, save=False)
    stored.save()
    return stored


def reviewers_of(activity: Activity) -> set[int]:
    """The secretaries of the nearest organization above the branch that has any: who reviews its records."""
    branch = activity.organization
    if branch.parent_id is None:
        return set()
    return RoleHolders([branch], Role.SECRETARY_KINDS).nearest(branch, Role.SECRETARY_KINDS, above=True)


def submit_record(activity: Activity, *, by, now: dt.datetime | None = None) -> Activity:
    """Hand the record in for review; the committee above is told."""
    now = now or timezone.now()
    if not activity.minutes.strip():
        raise MeetingError(_("Write the minutes before submitting the record."), code="no_minutes", field="minutes")
    if now < activity.opens_at:
        raise MeetingError(_("A meeting is recorded once it has been held."), code="not_held")
    updated = Activity.objects.filter(pk=activity.pk, record_status__in=EDITABLE).update(
        record_status=RECORD.SUBMITTED, submitted_at=now, submitted_by=by
    )
    if not updated:
        raise MeetingError(_("The record has already been submitted."), code="submitted")
    activity.record_status, activity.submitted_at, activity.submitted_by = RECORD.SUBMITTED, now, by
    notice = Notice(
        kind="record_submitted",
        params={
            "kind": activity.kind,
            "name": activity.name,
            "branch": activity.organization.name,
            "date": activity.date.isoformat(),
        },
        url=reverse("activities:detail", args=[activity.pk]),
    )
    # One notice per submission: a record returned and handed in again is announced again.
    notify_users(reviewers_of(activity), notice, key=f"record:{activity.pk}:{now.timestamp():.0f}:{{user}}")
    return activity


def review_record(activity: Activity, *, approve: bool, by, comment: str = "", now: dt.datetime | None = None):
    """Approve a submitted record, or return it with the reviewer's comment; whoever submitted it is told."""
    now = now or timezone.now()
    comment = comment.strip()
    if not approve and not comment:
        raise MeetingError(_("Say what needs to change when returning a record."), code="comment", field="comment")
    status = RECORD.APPROVED if approve else RECORD.RETURNED
    updated = Activity.objects.filter(pk=activity.pk, record_status=RECORD.SUBMITTED).update(
        record_status=status, reviewed_at=now, reviewed_by=by, review_comment=comment
    )
    if not updated:
        raise MeetingError(_("This record is not waiting for review."), code="not_submitted")
    activity.record_status, activity.reviewed_at, activity.reviewed_by = status, now, by
    activity.review_comment = comment
    if activity.submitted_by_id:
        notice = Notice(
            kind="record_reviewed",
            params={
                "kind": activity.kind,
                "name": activity.name,
                "date": activity.date.isoformat(),
                "approved": approve,
                "comment": comment,
            },
            url=reverse("activities:detail", args=[activity.pk]),
        )
        notify_users([activity.submitted_by_id], notice, key=f"reviewed:{activity.pk}:{now.timestamp():.0f}:{{user}}")
    return activity
