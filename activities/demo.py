"""Demo activity life for the demo online branch: material, this month's plan, a half-year of history.

Idempotent like the roster demo: activities are unique per branch and month,
check-ins and attendance per member and activity, material by title.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from branches.dates import shift_month
from branches.models import Organization
from members.demo import ONLINE_BRANCH_CODE
from members.models import Member

from . import services
from .meetings import demo as meetings_demo
from .meetings.demo import record_quietly
from .models import Activity, Attendance, CheckIn, Leave, MaterialDelivery, StudyMaterial, Track

HISTORY_MONTHS = 6
SEED = 20260606

HANDBOOK = [
    (1, "第一章 入党为什么", "入党是为了什么？这是每一名共产党员都要回答好的根本问题。"),
    (2, "第二章 党员的义务和权利", "党员必须履行党章规定的八项义务，同时享有党章规定的八项权利。"),
    (
        3,
        "第三章 流动党员怎样过组织生活",
        "外出务工期间，流动党员通过网络党支部按时参加统一活动日，坚持学习、按时汇报。",
    ),
]
MONTHLY = (
    "本月学习：安全生产与党员责任",
    "煤矿安全生产事关职工生命安全。党员要在安全生产中走在前、作表率，"
    "无论在本矿还是在外务工，都要严守安全规程，带动身边工友。",
)


def _material(title: str, body: str, chapter: int | None, branch: Organization) -> StudyMaterial:
    material, created = StudyMaterial.objects.get_or_create(
        title=title, defaults={"body": body, "handbook_chapter": chapter}
    )
    if created:
        material.organizations.add(branch)
    return material


@transaction.atomic
def seed(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    branch = Organization.objects.filter(code=ONLINE_BRANCH_CODE).first()
    if branch is None:
        return {}
    handbook = [_material(title, body, chapter, branch) for chapter, title, body in HANDBOOK]
    monthly = _material(*MONTHLY, None, branch)
    services.plan_activities(today)
    upcoming = (
        Activity.objects.filter(organization=branch, kind=Activity.Kind.THEME_DAY, date__gte=today)
        .order_by("date")
        .first()
    )
    if upcoming is not None:
        _dress(upcoming, [monthly, handbook[2]])
    history = _history(branch, today, handbook)
    return {"history": history, **meetings_demo.seed(today)}


def _dress(activity: Activity, materials: list[StudyMaterial]) -> None:
    """Give a planned activity the demo theme, tracks, agenda and material, unless it has a theme already."""
    if activity.theme:
        return
    activity.theme = "学习安全生产重要论述，争当安全生产先锋"
    activity.tracks = [Track.STUDY, Track.ORGANIZATIONAL_LIFE, Track.EXCHANGE]
    activity.agenda = "一、集中学习本月资料\n二、各小组交流外出务工情况\n三、讨论困难党员帮扶事项"
    activity.online_link = "https://meeting.example.com/demo-online"
    activity.save()
    activity.materials.add(*materials)


@transaction.atomic
def open_today(now: dt.datetime | None = None) -> Activity | None:
    """Move the demo branch's activity of this month to today, so that its check-in is open now.

    The activity day is the 6th; someone trying the demo on the 20th would
    otherwise find nothing to check in to. An activity already closed is
    opened again: its outcomes are dropped and recorded anew when the window
    ends (check-ins and leave stay). None when there is no demo branch.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    branch = Organization.objects.filter(code=ONLINE_BRANCH_CODE).first()
    if branch is None:
        return None
    activity = (
        Activity.objects.select_for_update()
        .select_related("organization")
        .filter(organization=branch, kind=Activity.Kind.THEME_DAY, year=today.year, month=today.month)
        .first()
    )
    if activity is None:
        activity = Activity.objects.create(organization=branch, year=today.year, month=today.month, date=today)
    elif activity.date != today or activity.closed_at:
        Attendance.objects.filter(activity=activity).delete()
        activity.date = today
        activity.closed_at = None
        activity.save()
    materials = list(StudyMaterial.objects.filter(title__in=[MONTHLY[0], HANDBOOK[2][1]]))
    _dress(activity, materials)
    return activity


def _history(branch: Organization, today: dt.date, materials: list[StudyMaterial]) -> int:
    """Closed activities of the last months, with realistic attendance, for the charts."""
    rng = random.Random(SEED)  # noqa: S311 -- reproducible demo data, not security
    roster = list(Member.objects.active().filter(organization=branch).order_by("pk").values_list("pk", "user_id"))
    members = [pk for pk, _ in roster]
    # A few members without a login drift away: absent every month, so the
    # absentee list has names (the demo member login is not one of them).
    drifting = {pk for pk, user_id in roster if user_id is None}
    drifting = set(sorted(drifting)[-3:])
    written = 0
    for offset in range(1, HISTORY_MONTHS + 1):
        year, month = shift_month(today.year, today.month, -offset)
        activity, created = Activity.objects.get_or_create(
            organization=branch,
            kind=Activity.Kind.THEME_DAY,
            year=year,
            month=month,
            defaults={"date": branch.activity_date(year, month), "theme": "月度集中学习"},
        )
        if not created and activity.closed_at:
            continue
        material = materials[(month - 1) % len(materials)]
        activity.materials.add(material)
        checkins, leaves, deliveries = [], [], []
        for member_id in members:
            roll = rng.random()
            deliveries.append(
                MaterialDelivery(
                    member_id=member_id,
                    material=material,
                    activity=activity,
                    delivered_at=activity.morning(),
                    read_at=activity.morning() if roll < 0.9 else None,
                    studied_at=activity.morning() + dt.timedelta(hours=2) if roll < 0.8 else None,
                )
            )
            if member_id in drifting:
                continue
            if roll < 0.78:
                when = activity.opens_at + dt.timedelta(hours=rng.randint(8, 60))
                checkins.append(CheckIn(member_id=member_id, activity=activity, checked_in_at=when))
            elif roll < 0.86:
                when = activity.closes_at + dt.timedelta(days=2)
                checkins.append(
                    CheckIn(
                        member_id=member_id,
                        activity=activity,
                        checked_in_at=when,
                        kind=CheckIn.Kind.MAKE_UP,
                        note="补学",
                    )
                )
            elif roll < 0.93:
                leaves.append(
                    Leave(member_id=member_id, activity=activity, reason="井下倒班", status=Leave.Status.APPROVED)
                )
        CheckIn.objects.bulk_create(checkins, ignore_conflicts=True)
        Leave.objects.bulk_create(leaves, ignore_conflicts=True)
        MaterialDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        # History is recorded quietly: the close sweep would also send notices.
        written += record_quietly(activity)
    return written
