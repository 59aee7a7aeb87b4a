"""A year of meetings of every kind for the demo branches, with records at every stage of review.

The online branch keeps every kind on time; 综采一队 has missed committee
meetings and a Party lecture (so the compliance view has someone overdue);
one of its records was returned by the committee with a comment. Past
meetings are recorded quietly (no notices for last spring's absences); the
next ones are planned through the services, so their lists and notices are
what a secretary's would be. Idempotent: a meeting is found again by its
branch, kind, group and date.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from branches.dates import shift_month
from branches.holders import RoleHolders
from branches.models import Organization, Role
from members.demo import COMMITTEE_CODE, ONLINE_BRANCH_CODE, ORDINARY_BRANCHES
from members.models import Member

from ..models import Activity, Attendance, Attendee, CheckIn, Leave
from . import services
from .lists import default_list, expected_members

K = Activity.Kind
RECORD = Activity.RecordStatus
SEED = 20261202
MONTHS = 12
# (kind, every n months, day of the month)
SCHEDULE = (
    (K.COMMITTEE, 1, 3),
    (K.GROUP, 1, 12),
    (K.GENERAL, 3, 15),
    (K.LECTURE, 3, 20),
)
THEMES = {
    K.COMMITTEE: "研究本月支部工作和党员发展事项",
    K.GROUP: "交流外出务工情况，学习本月资料",
    K.GENERAL: "传达上级会议精神，通报支部季度工作",
    K.LECTURE: "学习党章，做合格党员",
    K.LIFE_MEETING: "年度组织生活会：对照检查，开展批评和自我批评",
    K.REVIEW: "年度民主评议党员",
}
MINUTES = {
    K.COMMITTEE: "书记主持会议。会议传达了矿党委本月工作安排，研究了入党积极分子培养考察情况和困难党员走访安排。",
    K.GROUP: "组长主持。组员逐一汇报外出务工地点和思想状况，集中学习本月资料并交流体会。",
    K.GENERAL: "书记通报支部季度工作，传达上级会议精神；党员分组讨论，提出意见建议五条。",
    K.LECTURE: "书记讲授专题党课，围绕党章规定的党员义务，结合安全生产实际作了讲解。",
    K.LIFE_MEETING: "书记代表支委会作对照检查，党员逐一发言，开展批评和自我批评，形成整改清单。",
    K.REVIEW: "按照个人自评、党员互评、民主测评程序进行，评出优秀党员二名。",
}
# Months of the year (counting back from last month) a branch skipped, by kind: its overdue periods.
SKIPPED = {
    ORDINARY_BRANCHES[0][0]: {K.COMMITTEE: {1, 2, 4}, K.LECTURE: {2}},
    ORDINARY_BRANCHES[2][0]: {K.COMMITTEE: {3}},
}
# Its committee meeting of last month comes back from the committee with this comment.
RETURNED_BRANCH = ORDINARY_BRANCHES[1][0]
RETURNED_COMMENT = "会议记录缺少表决情况和缺席人员名单，请补充后重新提交。"


def _day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def _people(branch: Organization) -> list[Member]:
    return list(Member.objects.active().filter(organization=branch).order_by("pk"))


def _reviewer() -> int | None:
    return (
        Role.objects.filter(organization__code=COMMITTEE_CODE, kind=Role.Kind.SECRETARY)
        .values_list("user_id", flat=True)
        .first()
    )


def _secretary(branch: Organization) -> int | None:
    """The branch's secretary, or else the nearest one above: who hands in its records."""
    users = RoleHolders([branch], Role.SECRETARY_KINDS).nearest(branch, Role.SECRETARY_KINDS)
    return min(users) if users else None


def record_quietly(activity: Activity) -> int:
    """The outcomes the close would write, without its notices: the demo's past is not news."""
    from .. import services as engine

    checkins = dict(CheckIn.objects.filter(activity=activity).values_list("member_id", "kind"))
    excused = set(
        Leave.objects.filter(activity=activity, status=Leave.Status.APPROVED).values_list("member_id", flat=True)
    )
    rows = [
        Attendance(
            member_id=member_id,
            activity=activity,
            outcome=engine.outcome_for(checkins.get(member_id), member_id in excused),
            recorded_at=activity.closes_at,
        )
        for member_id in expected_members(activity).values_list("pk", flat=True)
    ]
    Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    Activity.objects.filter(pk=activity.pk).update(dispatched_at=activity.morning(), closed_at=activity.closes_at)
    return len(rows)


def _held(branch: Organization, kind: str, day: dt.date, rng: random.Random, group: Organization | None) -> int:
    """A past meeting with its list, check-ins, a leave or two, outcomes and a record."""
    existing = Activity.objects.filter(organization=branch, kind=kind, date=day, group=group).first()
    if existing is not None:
        return 0
    people = _people(branch)
    activity = Activity.objects.create(
        organization=branch,
        kind=kind,
        group=group,
        date=day,
        year=day.year,
        month=day.month,
        starts_at=dt.time(19, 30) if kind in (K.COMMITTEE, K.GROUP) else dt.time(9, 0),
        place="职工活动中心三楼党员活动室" if not branch.is_online else "",
        online_link="https://meeting.example.com/demo-online" if branch.is_online else "",
        theme=THEMES[kind],
        lecturer="矿党委书记 赵振华" if kind == K.LECTURE else "",
        host=people[0] if people else None,
        recorder=people[1] if len(people) > 1 else None,
        minutes=MINUTES[kind],
        decisions="同意按计划推进。" if kind in (K.COMMITTEE, K.GENERAL) else "",
    )
    listed = list(default_list(kind, branch.pk, day, group.pk if group else None).values_list("pk", "status"))
    Attendee.objects.bulk_create(
        [Attendee(activity=activity, member_id=pk, votes=status == Member.Status.FULL) for pk, status in listed],
        ignore_conflicts=True,
    )
    checkins, leaves = [], []
    arrived = activity.opens_at + dt.timedelta(hours=19)
    for member_id, _status in listed:
        roll = rng.random()
        if roll < 0.82:
            checkins.append(CheckIn(member_id=member_id, activity=activity, checked_in_at=arrived))
        elif roll < 0.92:
            leaves.append(
                Leave(member_id=member_id, activity=activity, reason="在外地上夜班", status=Leave.Status.APPROVED)
            )
    CheckIn.objects.bulk_create(checkins, ignore_conflicts=True)
    Leave.objects.bulk_create(leaves, ignore_conflicts=True)
    return record_quietly(activity)


def _review(branch: Organization, today: dt.date) -> None:
    """Records of the year approved, last month's waiting, one of 综采一队's returned, this month's in draft."""
    reviewer, secretary = _reviewer(), _secretary(branch)
    if reviewer is None or secretary is None:
        return
    month_start = today.replace(day=1)
    last_month = shift_month(today.year, today.month, -1)
    # The activity days' records are the branch's own to write; the demo leaves them as drafts.
    records = Activity.objects.filter(organization=branch, closed_at__isnull=False, record_status=RECORD.DRAFT).exclude(
        kind=K.THEME_DAY
    )
    older = records.filter(date__lt=dt.date(*last_month, 1))
    older.update(
        record_status=RECORD.APPROVED,
        submitted_by_id=secretary,
        submitted_at=timezone.now() - dt.timedelta(days=30),
        reviewed_by_id=reviewer,
        reviewed_at=timezone.now() - dt.timedelta(days=25),
    )
    records.filter(date__lt=month_start).update(
        record_status=RECORD.SUBMITTED, submitted_by_id=secretary, submitted_at=timezone.now() - dt.timedelta(days=2)
    )
    if (
        branch.code == RETURNED_BRANCH
        and not Activity.objects.filter(organization=branch, record_status=RECORD.RETURNED).exists()
    ):
        returned = (
            Activity.objects.filter(organization=branch, kind=K.COMMITTEE, record_status=RECORD.SUBMITTED)
            .order_by("-date")
            .first()
        )
        if returned is not None:
            Activity.objects.filter(pk=returned.pk).update(
                record_status=RECORD.RETURNED,
                reviewed_by_id=reviewer,
                reviewed_at=timezone.now() - dt.timedelta(days=1),
                review_comment=RETURNED_COMMENT,
            )


def _upcoming(branch: Organization, today: dt.date) -> int:
    """The next committee meeting and Party lecture, planned as a secretary would, so their lists are told."""
    planned = 0
    secretary = _secretary(branch)
    by = get_user_model().objects.filter(pk=secretary).first() if secretary else None
    for kind, days in ((K.COMMITTEE, 5), (K.LECTURE, 12)):
        day = today + dt.timedelta(days=days)
        if Activity.objects.filter(organization=branch, kind=kind, date__gt=today).exists():
            continue
        services.plan_meeting(
            branch,
            kind=kind,
            date=day,
            by=by,
            starts_at=dt.time(19, 30),
            theme=THEMES[kind],
            place="线上会议" if branch.is_online else "职工活动中心三楼党员活动室",
            online_link="https://meeting.example.com/demo-online" if branch.is_online else "",
            lecturer="矿党委书记 赵振华" if kind == K.LECTURE else "",
        )
        planned += 1
    return planned


@transaction.atomic
def seed(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    # The committee's posts make the 支委会's list; they are seeded by their own app, idempotently.
    from committees import demo as committees_demo

    committees_demo.seed(today)
    rng = random.Random(SEED)  # noqa: S311 -- reproducible demo data, not security
    codes = [ONLINE_BRANCH_CODE, *(code for code, *_rest in ORDINARY_BRANCHES)]
    branches = list(Organization.objects.filter(code__in=codes).order_by("code"))
    held = planned = 0
    for branch in branches:
        groups = list(Organization.objects.filter(parent=branch, kind=Organization.Kind.GROUP).order_by("code"))
        skipped = SKIPPED.get(branch.code, {})
        for back in range(1, MONTHS + 1):
            year, month = shift_month(today.year, today.month, -back)
            for kind, every, day in SCHEDULE:
                if month % every or back in skipped.get(kind, ()):
                    continue
                if kind == K.GROUP:
                    for group in groups:
                        held += bool(_held(branch, kind, _day(year, month, day), rng, group))
                else:
                    held += bool(_held(branch, kind, _day(year, month, day), rng, None))
        # Last year's organizational life meeting and appraisal, in its fourth quarter; this year's are due.
        for kind, day in ((K.LIFE_MEETING, _day(today.year - 1, 12, 10)), (K.REVIEW, _day(today.year - 1, 12, 18))):
            held += bool(_held(branch, kind, day, rng, None))
        _review(branch, today)
        planned += _upcoming(branch, today)
    return {"meetings held": held, "meetings planned": planned}
