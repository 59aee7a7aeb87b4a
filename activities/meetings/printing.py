"""Records for paper: one meeting's record (会议记录), and a branch's year of meetings (台账).

Branches file a printed record of every meeting and keep a yearly ledger of
them for inspection (三会一课台账). Both are read from what the site already
holds: the list fixed at planning (or the branch's roster for the activity
day), the outcomes written at the close or, before it, the check-ins and
leave, and the record the secretary wrote and had reviewed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from branches.bulk import count_subquery
from branches.models import Organization
from members.models import Member

from ..models import Activity, Attendance, Attendee, CheckIn, Leave, MeetingFile
from ..services import outcome_for
from .lists import Quorum, expected_members, quorum

ATTENDED, EXCUSED, MADE_UP, ABSENT = (
    Attendance.Outcome.ATTENDED,
    Attendance.Outcome.EXCUSED,
    Attendance.Outcome.MADE_UP,
    Attendance.Outcome.ABSENT,
)
# Before the close nobody is absent yet: they have not checked in.
NOT_IN = "not_in"
OUTCOME_LABELS = {
    ATTENDED: _("Present"),
    EXCUSED: _("On leave"),
    MADE_UP: _("Made up later"),
    ABSENT: _("Absent"),
    NOT_IN: _("Not checked in"),
}


@dataclass
class RecordLine:
    member: Member
    outcome: str
    reason: str = ""  # the leave's reason, when the member asked for leave

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])


@dataclass
class MeetingRecord:
    activity: Activity
    lines: list[RecordLine] = field(default_factory=list)  # the expected members, guests apart
    guests: list[RecordLine] = field(default_factory=list)
    files: list[MeetingFile] = field(default_factory=list)
    quorum: Quorum | None = None
    is_final: bool = False  # the outcomes were written at the close

    def _with(self, *outcomes: str) -> list[RecordLine]:
        return [line for line in self.lines if line.outcome in outcomes]

    @property
    def expected(self) -> int:
        return len(self.lines)

    @property
    def present(self) -> list[RecordLine]:
        return self._with(ATTENDED)

    @property
    def excused(self) -> list[RecordLine]:
        return self._with(EXCUSED)

    @property
    def absent(self) -> list[RecordLine]:
        """Absent from the meeting: made up later or not, and before the close those not checked in."""
        return self._with(ABSENT, MADE_UP, NOT_IN)


def meeting_record(activity: Activity) -> MeetingRecord:
    """The record in a fixed number of queries whatever the list's size.

    An activity day expects its branch's active roster until the close fixes
    who was expected (the outcomes' rows); a meeting expects its list, whose
    guests (列席) are shown apart and counted nowhere. Before the close a
    check-in is presence and approved leave is leave, as the close will
    record them (``services.outcome_for``).
    """
    closed = activity.closed_at is not None
    outcomes: dict[int, str] = {}
    if closed:
        outcomes = dict(Attendance.objects.filter(activity=activity).values_list("member_id", "outcome"))
    if activity.is_theme_day and closed:
        members = Member.objects.filter(pk__in=Attendance.objects.filter(activity=activity).values("member_id"))
    else:
        members = expected_members(activity)
    members = members.select_related("group").order_by(F("group__name").asc(nulls_last=True), "name", "pk")
    guests: set[int] = set()
    if not activity.is_theme_day:
        guests = set(
            Attendee.objects.filter(activity=activity, role=Attendee.Role.GUEST).values_list("member_id", flat=True)
        )
    checkins = dict(CheckIn.objects.filter(activity=activity).values_list("member_id", "kind"))
    leaves = {
        member_id: (status, reason)
        for member_id, status, reason in Leave.objects.filter(activity=activity).values_list(
            "member_id", "status", "reason"
        )
    }
    record = MeetingRecord(activity, is_final=closed)
    for member in members:
        leave = leaves.get(member.pk)
        outcome = outcomes.get(member.pk) or _outcome_so_far(checkins.get(member.pk), leave)
        line = RecordLine(member, outcome, reason=leave[1] if leave else "")
        (record.guests if member.pk in guests else record.lines).append(line)
    record.files = list(MeetingFile.objects.filter(activity=activity).only("pk", "name", "is_photo", "activity_id"))
    present_ids = {line.member.pk for line in record.lines + record.guests if line.outcome == ATTENDED}
    record.quorum = quorum(activity, present_ids=present_ids)
    return record


def _outcome_so_far(checkin_kind: str | None, leave: tuple[str, str] | None) -> str:
    """As the close will record it; not absent yet, only not in, while the check-in is open."""
    outcome = outcome_for(checkin_kind, leave is not None and leave[0] == Leave.Status.APPROVED)
    return NOT_IN if outcome == ABSENT else outcome


# --- the year's ledger ------------------------------------------------------------------------


def _is_guest() -> Exists:
    """The row's member is on its meeting's list as a guest (列席): counted nowhere."""
    return Exists(
        Attendee.objects.filter(
            activity_id=OuterRef("activity_id"), member_id=OuterRef("member_id"), role=Attendee.Role.GUEST
        )
    )


@dataclass
class LedgerRow:
    activity: Activity
    expected: int
    present: int
    excused: int
    made_up: int
    absent: int | None  # None while the meeting is ahead
    is_final: bool


@dataclass
class KindTotal:
    kind: str
    label: str
    meetings: int = 0
    expected: int = 0
    present: int = 0
    excused: int = 0
    made_up: int = 0
    absent: int = 0
    approved: int = 0


@dataclass
class Ledger:
    branch: Organization
    year: int
    rows: list[LedgerRow]
    totals: list[KindTotal]


def ledger(branch: Organization, year: int, today: dt.date) -> Ledger:
    """Every meeting of the branch held in ``year``, with its counts: one query whatever their number.

    The counts are those of ``meeting_record``: the outcomes once closed,
    before that the check-ins and approved leave against the list (the
    activity day: the active roster).
    """

    def outcome(value: str):
        rows = Attendance.objects.filter(activity=OuterRef("pk"), outcome=value).exclude(_is_guest())
        return count_subquery(rows)

    activities = (
        Activity.objects.filter(organization=branch, year=year)
        .select_related("group")
        .annotate(
            n_closed=count_subquery(Attendance.objects.filter(activity=OuterRef("pk")).exclude(_is_guest())),
            n_attended=outcome(ATTENDED),
            n_excused=outcome(EXCUSED),
            n_made_up=outcome(MADE_UP),
            n_absent=outcome(ABSENT),
            n_list=count_subquery(Attendee.objects.filter(activity=OuterRef("pk"), role=Attendee.Role.EXPECTED)),
            n_checked_in=count_subquery(
                CheckIn.objects.filter(activity=OuterRef("pk")).exclude(kind=CheckIn.Kind.MAKE_UP).exclude(_is_guest())
            ),
            n_made_up_so_far=count_subquery(
                CheckIn.objects.filter(activity=OuterRef("pk"), kind=CheckIn.Kind.MAKE_UP).exclude(_is_guest())
            ),
            n_on_leave=count_subquery(
                Leave.objects.filter(activity=OuterRef("pk"), status=Leave.Status.APPROVED)
                .exclude(
                    Exists(CheckIn.objects.filter(activity_id=OuterRef("activity_id"), member_id=OuterRef("member_id")))
                )
                .exclude(_is_guest())
            ),
        )
        .order_by("date", "starts_at", "pk")
    )
    rows: list[LedgerRow] = []
    totals: dict[str, KindTotal] = {}
    # An open activity day expects the branch's active roster: the same number for each, counted once if asked.
    roster: int | None = None
    for activity in activities:
        if activity.closed_at is not None:
            expected = activity.n_closed or 0
            if not activity.is_theme_day:
                expected = max(expected, activity.n_list or 0)
            present, excused = activity.n_attended or 0, activity.n_excused or 0
            made_up = activity.n_made_up or 0
            absent: int | None = (activity.n_absent or 0) + made_up
        else:
            if activity.is_theme_day and roster is None:
                roster = Member.objects.active().filter(organization=branch).count()
            expected = (roster if activity.is_theme_day else activity.n_list) or 0
            present, excused = activity.n_checked_in or 0, activity.n_on_leave or 0
            made_up = activity.n_made_up_so_far or 0
            absent = max(expected - present - excused, 0) if activity.date <= today else None
        row = LedgerRow(activity, expected, present, excused, made_up, absent, activity.closed_at is not None)
        rows.append(row)
        total = totals.setdefault(activity.kind, KindTotal(activity.kind, str(activity.get_kind_display())))
        total.meetings += 1
        total.expected += expected
        total.present += present
        total.excused += excused
        total.made_up += made_up
        total.absent += absent or 0
        total.approved += activity.record_status == Activity.RecordStatus.APPROVED
    order = list(Activity.Kind.values)
    return Ledger(branch, year, rows, [totals[kind] for kind in order if kind in totals])
