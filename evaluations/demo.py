"""Demo evaluation year for the demo mine committee: schemes, a year of records, rounds at every stage.

Builds on the roster and activity demos (``members.demo``, ``activities.demo``):
the committee gets this year's 先锋指数 and 堡垒指数 copied from the library;
the online branch's members get the contact log and quarterly thought reports
that the automatic items read (the activity demo only makes half a year of
activity days); and there are three rounds to look at:

- last year's 堡垒指数 over the committee, finished, so the committee chart
  has a trend;
- this year's 堡垒指数 over the committee, in review;
- this year's 先锋指数 over the online branch, in self-assessment, with about
  two thirds of the members' self-assessments in and the demo member login's
  left empty for a visitor to try.

Idempotent like the other demos: schemes are looked up by organization, year
and library key, rounds by their scheme's key and organization, contacts by
member and month, reports by member and title; every draw comes from a fixed
seed, so a re-run on the same day changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from activities.demo import HISTORY_MONTHS
from activities.models import Report
from branches.dates import month_end
from branches.models import Organization, Role
from members.demo import (
    COMMITTEE_CODE,
    ITINERANT_PHONES_FROM,
    MEMBER_LOGIN_SLOT,
    ONLINE_BRANCH_CODE,
    ORDINARY_BRANCHES,
    demo_phone,
)
from members.models import Contact, Member, User

from . import services
from .models import Assessment, Evaluation, Item, ItemScore, Scheme, ScoreChange, Section
from .scoring import score_automatic

# Any fixed seed would do; fixed so every run draws the same year.
SEED = 20261201

OFFICE_BRANCH_CODE = "demo-jiguan"

# Of members who keep in touch, reports come in most quarters; the few who
# drift away (the activity demo's repeated absentees) rarely.
KEEPS_IN_TOUCH = 0.92
DRIFTING_KEEPS_IN_TOUCH = 0.3
REPORTS = 0.85
DRIFTING_REPORTS = 0.25
REPLIED = 0.75
SELF_ASSESSED = 2 / 3

CONTACT_NOTES = (
    "电话了解本月工作和生活情况，工地已复工，收入稳定。",
    "微信联系，提醒按时参加统一活动日并完成学习。",
    "电话联系，询问家中老人身体情况，转达支部问候。",
    "了解工作地点变动情况，已更新联系方式。",
    "提醒注意高温天气施工安全，按时交纳党费。",
)
REPORT_BODIES = (
    "本季度在外务工期间，坚持在手机上学习支部推送的资料，认真学习了党的创新理论。"
    "工作中严格遵守安全操作规程，带动身边工友遵章作业。今后要进一步加强学习，发挥好党员作用。",
    "这个季度工地任务重，我主动承担夜班，按时完成了工作。参加了网络党支部的统一活动日，"
    "对照党员标准查找了自己在理论学习上的不足，下季度打算每周至少学习两次。",
    "本季度工作单位没有变化。我认真学习《我是党员》手册，体会到流动党员也要时刻不忘党员身份。"
    "在工地上帮助两名新来的工友熟悉安全规定，得到班组好评。",
)
REPLIES = (
    "汇报收悉。在外务工注意安全，继续坚持学习，有困难及时向支部反映。",
    "写得很实在。希望继续发挥党员带头作用，把学习体会用到工作中去。",
    "已阅。下季度请结合统一活动日的学习内容多谈体会。",
)
SUMMARIES = (
    "今年一直在{workplace}工作，每月按时在网络党支部签到学习，按季度提交思想汇报。"
    "工作中严守安全规程，带动身边工友遵章作业。不足是学习笔记记得少，明年改进。",
    "全年坚持参加统一活动日，因倒班请假的都按时补学。在{workplace}带头完成急难任务，"
    "主动帮助新来的工友熟悉安全操作。今后要加强理论学习。",
    "外出务工期间与支部保持联系，按月交纳党费。在{workplace}岗位上尽职尽责，无违章记录，参加了两次党员志愿服务活动。",
    "今年工作地点变动一次，变动后七日内向党小组报告。坚持学习《我是党员》手册，结合工作谈体会。"
    "对照党员标准，联系服务群众还做得不够。",
)
# (bonus item title, points claimed, note)
BONUS_CLAIMS = (
    ("积极参加志愿服务", "2", "参加工地所在社区的党员志愿服务两次。"),
    ("帮扶困难党员群众", "2", "结对帮助一名受伤工友办理工伤认定。"),
    ("在急难险重任务中表现突出", "3", "汛期参加工地抢险，连续值守两昼夜。"),
    ("受到表彰奖励", "3", "被务工单位评为年度安全生产先进个人。"),
)
# Last year's 堡垒指数: (branch code, item title, points, reason) given by hand
# before the rest of each item was scored at full points.
LAST_YEAR_LOWER = (
    ("demo-jidian", "书记履行第一责任人职责", "2", "年度述职评议为一般。"),
    ("demo-jidian", "落实“三会一课”制度", "2", "全年党小组会缺两次记录。"),
    ("demo-jidian", "完成生产经营任务、提质增效", "7", "年度检修任务完成计划的九成。"),
    ("demo-online", "流动党员管理", "6", "一名流动党员失联两个月，后经家属联系恢复。"),
    ("demo-online", "台账资料规范", "3", "线上学习记录未按月归档。"),
    ("demo-jiguan", "党建与业务深度融合", "10", "党建与业务结合不够紧密，个别工作“两张皮”。"),
)
FULL_POINTS_NOTE = "经党委审核，符合要求。"


def _zone():
    return timezone.get_default_timezone()


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=_zone())


@transaction.atomic
def seed(today: dt.date | None = None) -> dict[str, int]:
    """Create whatever part of the demo evaluation year is missing; see the module docstring."""
    today = today or timezone.localdate()
    committee = Organization.objects.filter(code=COMMITTEE_CODE).first()
    online = Organization.objects.filter(code=ONLINE_BRANCH_CODE).first()
    if committee is None or online is None:
        return {}
    created: Counter[str] = Counter()
    created["branch types"] = _set_branch_types()
    reviewer = _committee_user(committee)
    secretary = _branch_secretary(online) or reviewer
    members = list(
        Member.objects.active()
        .filter(organization=online)
        .order_by("pk")
        .values_list("pk", "user_id", "joined_party_on", "workplace")
    )
    drifting = {pk for pk, user_id, *_rest in members if user_id is None}
    drifting = set(sorted(drifting)[-3:])
    created["contacts"] = _contacts(members, drifting, secretary, today)
    created["reports"] = _reports(online, members, drifting, secretary, today)

    if _round(committee, today.year - 1, "bastion") is None:
        scheme = _scheme("bastion", committee, today.year - 1, reviewer, created)
        _finished_branch_round(scheme, committee, reviewer, today)
        created["rounds"] += 1
    if _round(committee, today.year, "bastion") is None:
        scheme = _scheme("bastion", committee, today.year, reviewer, created)
        evaluation = services.open_evaluation(scheme, committee, reviewer)
        evaluation = services.advance(evaluation, reviewer)
        _rescore(evaluation, today)
        created["rounds"] += 1
    if _round(online, today.year, "vanguard") is None:
        scheme = _scheme("vanguard", committee, today.year, reviewer, created)
        created["self-assessments"] = _member_round(scheme, online, reviewer, today)
        created["rounds"] += 1
    return {key: n for key, n in created.items() if n}


# --- Organizations and people ---------------------------------------------------------------


def _set_branch_types() -> int:
    """The 堡垒指数's individual index needs each branch's type; the mine's branches serve a state enterprise."""
    enterprise = [ONLINE_BRANCH_CODE, *(code for code, *_rest in ORDINARY_BRANCHES if code != OFFICE_BRANCH_CODE)]
    blank = Organization.objects.filter(branch_type="")
    return blank.filter(code__in=enterprise).update(
        branch_type=Organization.BranchType.STATE_ENTERPRISE
    ) + blank.filter(code=OFFICE_BRANCH_CODE).update(branch_type=Organization.BranchType.OFFICE)


def _committee_user(committee: Organization) -> User | None:
    """The committee's secretary from the demo logins runs the rounds; the site's superuser if there is none."""
    role = (
        Role.objects.filter(organization=committee, kind=Role.Kind.SECRETARY).select_related("user").order_by("pk")
    ).first()
    if role is not None:
        return role.user
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _branch_secretary(branch: Organization) -> User | None:
    role = Role.objects.filter(organization=branch, kind=Role.Kind.SECRETARY).select_related("user").order_by("pk")
    first = role.first()
    return first.user if first else None


# --- A year of records ----------------------------------------------------------------------


def _contacts(members: list[tuple], drifting: set[int], secretary: User | None, today: dt.date) -> int:
    """The branch's contact log for the months of the year before the activity demo's history starts.

    In the history's months, check-ins already show who kept in touch.
    """
    first_history = today.month - HISTORY_MONTHS
    months = range(1, first_history)
    if not months:
        return 0
    existing = set(
        Contact.objects.filter(
            member_id__in=[m[0] for m in members],
            at__gte=_at(dt.date(today.year, 1, 1), 0),
            at__lt=_at(dt.date(today.year + 1, 1, 1), 0),
        )
        .annotate(month=ExtractMonth("at"))
        .values_list("member_id", "month")
    )
    rows = []
    for month in months:
        # One draw per member and month, whatever else exists: the same log every run.
        rng = random.Random(SEED * 100 + today.year * 12 + month)  # noqa: S311 -- repeatable demo data
        for pk, _user_id, joined, _workplace in members:
            keeps = rng.random() < (DRIFTING_KEEPS_IN_TOUCH if pk in drifting else KEEPS_IN_TOUCH)
            day, hour = rng.randint(8, 25), rng.randint(9, 20)
            note = rng.choice(CONTACT_NOTES)
            channel = rng.choice((Contact.Channel.CALL, Contact.Channel.CALL, Contact.Channel.MESSAGE))
            when = dt.date(today.year, month, day)
            if not keeps or when < joined or (pk, month) in existing:
                continue
            rows.append(Contact(member_id=pk, by=secretary, at=_at(when, hour), channel=channel, note=note))
    Contact.objects.bulk_create(rows)
    return len(rows)


def _report_periods(every: int) -> list[tuple[int, range]]:
    return [(n, range(start, min(start + every, 13))) for n, start in enumerate(range(1, 13, every), start=1)]


def _report_title(year: int, number: int, span: range, every: int) -> str:
    if every == 3:
        return f"{year}年第{'一二三四'[number - 1]}季度思想汇报"
    return f"{year}年{span[0]}—{span[-1]}月思想汇报"


def _reports(
    branch: Organization, members: list[tuple], drifting: set[int], secretary: User | None, today: dt.date
) -> int:
    """Thought reports for each report period of the year: most members every period, some replied."""
    every = branch.report_every_months
    year = today.year
    now = timezone.now()
    periods = _report_periods(every)
    titles = {_report_title(year, n, span, every) for n, span in periods}
    existing = set(
        Report.objects.filter(member_id__in=[m[0] for m in members], title__in=titles).values_list("member_id", "title")
    )
    rows, when = [], []
    for number, span in periods:
        rng = random.Random(SEED * 1000 + year * 12 + number)  # noqa: S311 -- repeatable demo data
        ended = month_end(year, span[-1]) < today
        # A period still running: some members have reported already, in a month that is over.
        open_months = [m for m in span if month_end(year, m) < today]
        title = _report_title(year, number, span, every)
        for pk, _user_id, joined, _workplace in members:
            roll = rng.random()
            month = span[-1] if ended else rng.choice(open_months or [span[0]])
            day, hour = rng.randint(5, 26), rng.randint(8, 22)
            body = rng.choice(REPORT_BODIES)
            replied = rng.random() < REPLIED
            delay, reply = rng.randint(1, 6), rng.choice(REPLIES)
            chance = DRIFTING_REPORTS if pk in drifting else REPORTS
            submitted = _at(dt.date(year, month, day), hour)
            if (
                not open_months
                or roll >= (chance if ended else chance / 2)
                or submitted.date() < joined
                or submitted >= now
                or (pk, title) in existing
            ):
                continue
            report = Report(member_id=pk, title=title, body=body)
            answered = submitted + dt.timedelta(days=delay)
            if replied and answered < now:
                report.reply, report.replied_by, report.replied_at = reply, secretary, answered
            rows.append(report)
            when.append(submitted)
    # submitted_at is set on insert; the demo's dates go in right after.
    created = Report.objects.bulk_create(rows)
    for report, submitted in zip(created, when, strict=True):
        report.submitted_at = submitted
    Report.objects.bulk_update(created, ["submitted_at"], batch_size=500)
    return len(created)


# --- Schemes and rounds ---------------------------------------------------------------------


def _round(organization: Organization, year: int, key: str) -> Evaluation | None:
    return Evaluation.objects.filter(organization=organization, year=year, scheme__source=key).first()


def _scheme(key: str, committee: Organization, year: int, user, created: Counter) -> Scheme:
    scheme = Scheme.objects.filter(organization=committee, year=year, source=key).order_by("version").first()
    if scheme is None:
        scheme = services.copy_from_library(key, committee, year, user)
        created["schemes"] += 1
    return scheme


def _rescore(evaluation: Evaluation, today: dt.date) -> None:
    """Opening and advancing score as of the real day; the demo's own day may be another."""
    if today != timezone.localdate():
        score_automatic(evaluation, today)


def _manual_items(scheme: Scheme) -> list[Item]:
    return list(
        Item.objects.filter(section__scheme=scheme, method=Item.MANUAL)
        .exclude(section__kind__in=[Section.Kind.VETO, Section.Kind.REVERSE])
        .select_related("section")
        .order_by("section__position", "position", "pk")
    )


def _finished_branch_round(scheme: Scheme, committee: Organization, user, today: dt.date) -> Evaluation:
    """Last year's 堡垒指数, run through review, publicity and to final, dated early this year."""
    opened, reviewed, published, finalized = _last_round_dates(scheme, today)
    evaluation = services.open_evaluation(scheme, committee, user)
    evaluation = services.advance(evaluation, user, now=reviewed)
    items = {item.title: item for item in _manual_items(scheme)}
    assessments = {
        a.branch.code: a
        for a in Assessment.objects.filter(evaluation=evaluation).select_related(
            "branch", "member", "evaluation__scheme", "evaluation__organization"
        )
    }
    for code, title, points, reason in LAST_YEAR_LOWER:
        assessment, item = assessments.get(code), items.get(title)
        # A branch whose type was changed by hand has other typed items.
        if assessment and item and item.section.branch_type in ("", assessment.branch_type):
            services.score_item(assessment, item, user, points, reason)
    for item in items.values():
        services.score_item_for_rest(evaluation, item, user, str(item.points), FULL_POINTS_NOTE)
    evaluation = services.advance(evaluation, user, now=published)
    evaluation = services.advance(evaluation, user, now=finalized)
    # The log reads as the round ran: opened before the year's end, reviewed and published in January.
    changes = ScoreChange.objects.filter(evaluation=evaluation)
    changes.exclude(what=ScoreChange.What.STAGE).update(at=reviewed)
    for stage, at in (
        (Evaluation.Stage.SELF_ASSESSMENT, opened),
        (Evaluation.Stage.REVIEW, reviewed),
        (Evaluation.Stage.PUBLICITY, published),
        (Evaluation.Stage.FINAL, finalized),
    ):
        changes.filter(what=ScoreChange.What.STAGE, new=stage).update(at=at)
    Evaluation.objects.filter(pk=evaluation.pk).update(created_at=opened)
    return evaluation


def _last_round_dates(scheme: Scheme, today: dt.date) -> tuple[dt.datetime, ...]:
    published = _at(dt.date(today.year, 1, 8), 9)
    days = dt.timedelta(days=scheme.publicity_days + 1)
    latest = timezone.now() - dt.timedelta(days=1)
    if published + days > latest:
        # Early January: the round finished yesterday.
        published = latest - days
    return published - dt.timedelta(days=29), published - dt.timedelta(days=3), published, published + days


def _member_round(scheme: Scheme, branch: Organization, user, today: dt.date) -> int:
    """This year's 先锋指数 over the online branch, opened ten days ago, two thirds self-assessed."""
    opened = _at(today - dt.timedelta(days=10), 9)
    evaluation = services.open_evaluation(scheme, branch, user, self_assessment_ends_on=today + dt.timedelta(days=14))
    _rescore(evaluation, today)
    Evaluation.objects.filter(pk=evaluation.pk).update(created_at=opened)
    ScoreChange.objects.filter(evaluation=evaluation).update(at=opened)
    visitor = demo_phone(ITINERANT_PHONES_FROM + MEMBER_LOGIN_SLOT)
    assessments = list(
        Assessment.objects.filter(evaluation=evaluation)
        .exclude(member__phone=visitor)
        .select_related("member")
        .order_by("member_id")
    )
    rng = random.Random(SEED + today.year)  # noqa: S311 -- repeatable demo data
    total = Assessment.objects.filter(evaluation=evaluation).count()
    chosen = sorted(rng.sample(range(len(assessments)), min(len(assessments), round(total * SELF_ASSESSED))))
    items = _manual_items(scheme)
    basic = [item for item in items if item.section.kind == Section.Kind.BASIC]
    bonus = {item.title: item for item in items if item.section.kind == Section.Kind.BONUS}
    now = timezone.now()
    scores, changes, done = [], [], []
    for index in chosen:
        assessment = assessments[index]
        submitted = min(opened + dt.timedelta(seconds=rng.randint(3600, 9 * 86400)), now)
        claims = []
        for item in basic:
            short = rng.random() < 0.15 and item.points >= 1
            claims.append((item, item.points - 1 if short else item.points, ""))
        if rng.random() < 0.3:
            title, points, note = rng.choice(BONUS_CLAIMS)
            if title in bonus:
                claims.append((bonus[title], Decimal(points), note))
        for item, points, note in claims:
            scores.append(ItemScore(assessment=assessment, item=item, self_points=points, self_note=note))
        assessment.self_summary = rng.choice(SUMMARIES).format(workplace=assessment.member.workplace or "务工单位")
        assessment.self_submitted_at = submitted
        done.append(assessment)
        changes.append(
            ScoreChange(
                evaluation=evaluation,
                assessment=assessment,
                at=submitted,
                what=ScoreChange.What.SELF,
                new=str(len(claims)),
            )
        )
    # Written directly: these members have no login to submit with (the demo member login does).
    ItemScore.objects.bulk_create(scores, batch_size=500, ignore_conflicts=True)
    Assessment.objects.bulk_update(done, ["self_summary", "self_submitted_at"], batch_size=500)
    ScoreChange.objects.bulk_create(changes, batch_size=500)
    return len(done)


def member_round(today: dt.date | None = None) -> Evaluation | None:
    """The demo's 先锋指数 round of the online branch for ``today``'s year."""
    today = today or timezone.localdate()
    branch = Organization.objects.filter(code=ONLINE_BRANCH_CODE).first()
    return _round(branch, today.year, "vanguard") if branch else None


def branch_round(year: int) -> Evaluation | None:
    """The demo committee's 堡垒指数 round of ``year``."""
    committee = Organization.objects.filter(code=COMMITTEE_CODE).first()
    return _round(committee, year, "bastion") if committee else None
