"""The sign-in sheet (签到表) of an activity: who is expected, who checked in when, who is on leave.

Branches still pass a paper sheet round at the venue and file it with the
month's records, so the sheet lists every expected member with an empty
signature box, and fills in what the site already knows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member

from .meetings.lists import expected_members
from .models import Activity, Attendance, CheckIn, Leave

LEAVE_NOTES = {
    Leave.Status.APPROVED: _("On leave"),
    Leave.Status.PENDING: _("Leave pending"),
}
CHECKIN_NOTES = {
    CheckIn.Kind.MAKE_UP: _("Make-up study"),
    CheckIn.Kind.MANUAL: _("Entered by the secretary"),
}
OUTCOME_NOTES = {
    Attendance.Outcome.EXCUSED: _("On leave"),
    Attendance.Outcome.MADE_UP: _("Make-up study"),
    Attendance.Outcome.ABSENT: _("Absent"),
}


@dataclass
class SheetRow:
    member: Member
    checked_in_at: dt.datetime | None = None
    note: str = ""


@dataclass
class SignInSheet:
    activity: Activity
    rows: list[SheetRow] = field(default_factory=list)
    # None before the activity opens: the sheet is printed to be signed, and the counts are filled in by hand.
    present: int | None = None
    on_leave: int = 0

    @property
    def expected(self) -> int:
        return len(self.rows)


def sign_in_sheet(activity: Activity, now: dt.datetime | None = None) -> SignInSheet:
    """The sheet in at most four queries whatever the branch's size.

    Expected are the branch's active members, or, once the activity is
    closed, those its attendance was recorded for (a member who left since
    still signed that day). Present means checked in on the day or entered by
    the secretary; a make-up study is noted but is not presence, and approved
    leave counts as leave unless the member came after all.
    """
    now = now or timezone.now()
    if activity.closed_at:
        outcomes = dict(Attendance.objects.filter(activity=activity).values_list("member_id", "outcome"))
        members = Member.objects.filter(pk__in=Attendance.objects.filter(activity=activity).values("member_id"))
    else:
        outcomes = {}
        members = expected_members(activity)
    members = members.select_related("group").order_by(F("group__name").asc(nulls_last=True), "name", "pk")
    checkins = {
        c.member_id: c for c in CheckIn.objects.filter(activity=activity).only("member_id", "kind", "checked_in_at")
    }
    leaves = dict(Leave.objects.filter(activity=activity).values_list("member_id", "status"))
    sheet = SignInSheet(activity)
    present = on_leave = 0
    for member in members:
        row = SheetRow(member)
        checkin = checkins.get(member.pk)
        if checkin is not None:
            row.checked_in_at = checkin.checked_in_at
            row.note = str(CHECKIN_NOTES.get(checkin.kind, ""))
        outcome = outcomes.get(member.pk)
        if outcome is not None:
            attended = outcome == Attendance.Outcome.ATTENDED
            excused = outcome == Attendance.Outcome.EXCUSED
            row.note = row.note if attended else str(OUTCOME_NOTES[outcome])
        else:
            # As the close will record it (services.outcome_for): a check-in of any kind comes before leave.
            attended = checkin is not None and checkin.kind != CheckIn.Kind.MAKE_UP
            excused = checkin is None and leaves.get(member.pk) == Leave.Status.APPROVED
            if checkin is None and member.pk in leaves:
                row.note = str(LEAVE_NOTES.get(leaves[member.pk], ""))
        present += attended
        on_leave += excused
        sheet.rows.append(row)
    sheet.present = present if activity.closed_at or now >= activity.opens_at else None
    sheet.on_leave = on_leave
    return sheet
