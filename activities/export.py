"""The month's attendance as an .xlsx that Excel on a secretary's PC opens as is."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from members.spreadsheets import safe_cell

from .meetings.lists import expected_members
from .models import Activity, Attendance, CheckIn, Leave


def attendance_workbook(activity: Activity) -> bytes:
    """One row per member of the branch: outcome if closed, check-in state otherwise."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=f"{activity.year}-{activity.month:02d}")
    header = [_("Name"), _("Group"), _("Province"), _("City"), _("Outcome"), _("Checked in at"), _("Check-in city")]
    sheet.append([safe_cell(cell) for cell in header])
    outcomes = dict(Attendance.objects.filter(activity=activity).values_list("member_id", "outcome"))
    labels = dict(Attendance.Outcome.choices)
    checkins = {
        c.member_id: c for c in CheckIn.objects.filter(activity=activity).only("member_id", "checked_in_at", "city")
    }
    # Before the close, only an approved leave counts as leave, as the close will record it.
    leaves = dict(Leave.objects.filter(activity=activity).values_list("member_id", "status"))
    leave_labels = {Leave.Status.APPROVED: _("On leave"), Leave.Status.PENDING: _("Leave awaiting a decision")}
    members = expected_members(activity).select_related("group").order_by("group__name", "name")
    for member in members.iterator(chunk_size=2000):
        checkin = checkins.get(member.pk)
        outcome = outcomes.get(member.pk)
        row = [
            member.name,
            member.group.name if member.group else "",
            member.get_province_display(),
            member.city,
            str(labels[outcome]) if outcome else _open_state(checkin, leave_labels.get(leaves.get(member.pk))),
            timezone.localtime(checkin.checked_in_at).strftime("%Y-%m-%d %H:%M") if checkin else "",
            checkin.city if checkin else "",
        ]
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _open_state(checkin: CheckIn | None, leave_label: str | None) -> str:
    if checkin:
        return _("Checked in")
    return leave_label or _("Not yet")
