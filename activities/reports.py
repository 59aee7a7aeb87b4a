"""思想汇报 / 工作汇报: when a member's next report is due, handing one in, answering it."""

from __future__ import annotations

import datetime as dt
from types import EllipsisType

from django.db import transaction
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
