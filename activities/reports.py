"""思想汇报 / 工作汇报: when a member's next report is due, handing one in, answering it."""

from __future__ import annotations

import datetime as dt
from types import EllipsisType

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.dates import add_months
from branches.errors import DomainError
from members.models import Member
from notifications.services import Notice, notify_members

from .models import Report


class ReportError(DomainError):
    """A report action that cannot be done; ``code`` says why."""

    default_code = "report_refused"


def next_report_due(member: Member, today: dt.date, *, last: dt.datetime | EllipsisType | None = ...) -> dt.date:
    """The day the member's next report is due: the last one's date plus the branch's interval.

    A member who never reported is due ``today``. ``member.organization``
    should be loaded already (select_related) so this asks one query, or
    none when the caller read the last report's ``submitted_at`` as ``last``.
    """
    if last is ...:
        last = member.reports.order_by("-submitted_at").values_list("submitted_at", flat=True).first()
    if last is None:
        return today
    return add_months(timezone.localdate(last), member.organization.report_every_months)


# The report on life away (外出期间思想、工作和参加组织生活情况) is owed by itinerant members once a
# calendar year, by 31 December; those who have not sent it hear of it once, from 1 December.
AWAY_DUE = (12, 31)
AWAY_REMINDERS_FROM = (12, 1)
AWAY_REMINDER_BATCH = 2000


def _year_start(year: int) -> dt.datetime:
    return dt.datetime(year, 1, 1, tzinfo=timezone.get_default_timezone())


def away_report_due(member: Member, today: dt.date) -> dt.date | None:
    """When the itinerant member's next report on life away is due; None for a member who is not away.

    This year's 31 December, or next year's once this year's is in. One query.
    """
    if not member.is_itinerant:
        return None
    sent = Report.objects.filter(
        member=member, kind=Report.Kind.AWAY, submitted_at__gte=_year_start(today.year)
    ).exists()
    return dt.date(today.year + (1 if sent else 0), *AWAY_DUE)


def remind_away_reports(today: dt.date) -> dict[str, int]:
    """From 1 December, tell each active itinerant member without this year's report on life away, once a year.

    Set-based: the members come in batches of ids, each batch one INSERT … SELECT
    of inbox rows keyed by member and year, so a second run (or a redelivered
    task) sends nothing twice. Members who left home in December itself owe
    nothing for a year they spent at home.
    """
    reminders_from = dt.date(today.year, *AWAY_REMINDERS_FROM)
    if today < reminders_from:
        return {"reminded": 0}
    sent = Report.objects.filter(
        member=OuterRef("pk"), kind=Report.Kind.AWAY, submitted_at__gte=_year_start(today.year)
    )
    owing = (
        Member.objects.active()
        .filter(is_itinerant=True)
        .filter(Q(left_home_on__isnull=True) | Q(left_home_on__lt=reminders_from))
        .exclude(Exists(sent))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    notice = Notice(
        kind="away_report",
        params={"year": today.year, "due": dt.date(today.year, *AWAY_DUE).isoformat()},
        url=reverse("reports:mine") + f"?kind={Report.Kind.AWAY}",
    )
    reminded = 0
    ids = list(owing)
    for start in range(0, len(ids), AWAY_REMINDER_BATCH):
        batch = ids[start : start + AWAY_REMINDER_BATCH]
        reminded += notify_members(batch, notice, key=f"away-report:{today.year}:{{member}}")
    return {"reminded": reminded}


def submit_report(member: Member, report: Report) -> Report:
    """Save a member's new report (already validated by the form).

    Handing in acts in the branch, so a transferred-out entry is refused
    whichever page called; it still reads its past reports.
    """
    if member.state != Member.State.ACTIVE:
        raise ReportError(_("Only an active member of the branch hands in reports."), code="not_member")
    report.member = member
    report.save()
    return report


def reply_to_report(report: Report, user, text: str) -> Report:
    """Answer a report once and tell the member in their inbox.

    The reply is taken with a conditional UPDATE, so two secretaries answering
    at once leave one answer; the notice key is unique, so the member hears once.
    """
    now = timezone.now()
    with transaction.atomic():
        answered = Report.objects.filter(pk=report.pk, replied_at__isnull=True).update(
            reply=text, replied_by=user, replied_at=now
        )
        if not answered:
            raise ReportError(_("This report has already been answered."), code="already_answered")
        report.reply, report.replied_by, report.replied_at = text, user, now
        # Worded in the member's language when read, whoever answers and in whichever language.
        notice = Notice(
            kind="report_reply",
            params={"title": report.title, "reply": text},
            url=reverse("reports:detail", args=[report.pk]),
        )
        notify_members([report.member_id], notice, key=f"report-reply:{report.pk}:{{member}}")
    return report
