"""The six-month warning: members with no sign of organizational life, dues, reports or contact.

党章: a member who, without proper reason, for six months in a row takes no
part in organizational life, pays no dues and does no work the Party gave
them is regarded as having left the Party; the branch talks with a member
who has missed three months (批评教育). netbranch cannot see a reason, so it
raises a warning and the secretaries find out:

- at three months silent a TALK warning (a talk is due), to the branch's
  secretaries;
- at six months a CASE warning, also to the committee above, which must
  verify before anyone is treated as having left.

A sign of life is any of: attending or making up a meeting, a check-in,
approved leave (at the activity's date: an excused month is not a silent
one), a confirmed dues payment, a report sent, a contact the branch
logged, a confirmed move report. With none, the day the entry reached the
roster starts the count. A permit not returned, with a host organization,
checked (or issued) within six months, means the member takes part
elsewhere: no warning while it holds.

Each warning is raised once per silent spell: ``since`` is the last sign of
life, unique with the member and level, so a replay finds its rows, and a
member who shows up and falls silent again gets a new spell.

Set-based: the last sign of every member comes from one ``UNION ALL`` of
grouped ``MAX`` queries, one per source, grouped once more per member in
the database; only the new warnings come back to Python.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Expression,
    F,
    Max,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, TruncDate
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from activities.models import Attendance, CheckIn, Leave, Report
from branches.access import Capability, role_kinds_with
from branches.bulk import insert_from_select
from branches.dates import add_months
from branches.errors import DomainError
from dues.models import Payment
from members.models import Member
from notifications.models import Notification

from .models import LifeWarning, MoveReport, Permit

Level = LifeWarning.Level

TALK_MONTHS = 3
CASE_MONTHS = 6
PERMIT_MONTHS = 6
BATCH = 2000
NOTICE_KIND = "life_warning"
# Who hears of a warning: the holders of roles that keep the roster, on the branch (and for a case, above it).
NOTICE_ROLES = role_kinds_with(Capability.MANAGE_ROSTER)

# The kinds of sign, in the order the pages show them. "start" is the day the entry reached the
# roster, "permit" the last check of a permit held: neither is a sign of life, both explain a date.
SIGN_KINDS = ("meeting", "checkin", "leave", "dues", "report", "contact", "move")
SIGN_LABELS = {
    "meeting": _("Meeting attended or made up"),
    "checkin": _("Check-in"),
    "leave": _("Approved leave"),
    "dues": _("Dues paid"),
    "report": _("Report sent"),
    "contact": _("Contact logged"),
    "move": _("Move report confirmed"),
    "start": _("On the roster since"),
    "permit": _("Permit last checked"),
}
COLUMNS = ("start", *SIGN_KINDS, "permit")

# What the rules say, printed beside each warning.
CONSTITUTION_RULE = _(
    "Party Constitution, Article 9: a member who, without proper reason, for six months in a row takes no part "
    "in the Party's organizational life, pays no dues or does no work the Party gave them is regarded as having "
    "left the Party of their own accord."
)
TALK_RULE = _(
    "Three months without organizational life: the branch talks with the member (criticism and education) "
    "and finds out why."
)
CASE_RULE = _(
    "Six months: before the member is treated as having left the Party, the branch and the committee above "
    "verify the facts (a proper reason, such as illness or work where no organization could be reached, "
    "means the member has not left)."
)

TALK_TITLE = _("A talk is due: %(name)s")
TALK_BODY = _(
    "%(name)s has shown no sign of organizational life, dues, reports or contact since %(since)s: three months. "
    "A talk with the member is due."
)
CASE_TITLE = _("Six months without a sign: %(name)s")
CASE_BODY = _(
    "%(name)s has shown no sign of organizational life, dues, reports or contact since %(since)s: six months. "
    "Verify the facts before the member is treated as having left the Party."
)
WORDS = {Level.TALK: (TALK_TITLE, TALK_BODY), Level.CASE: (CASE_TITLE, CASE_BODY)}


class WarningError(DomainError):
    default_code = "warning_refused"


def rule_of(level: str):
    return TALK_RULE if level == Level.TALK else CASE_RULE


# --- The last signs of life ---------------------------------------------------------------


class _NullDate(Cast):
    """A typed NULL date: PostgreSQL reads a bare NULL in a UNION as text, which no date column matches.

    A constant, so it stays out of GROUP BY, where it would keep the databases from grouping in index order.
    """

    def get_group_by_cols(self):
        return []


def _null() -> Expression:
    return _NullDate(Value(None), output_field=DateField())


def _part(queryset: QuerySet, member: str, column: str, day: Expression) -> QuerySet:
    """One source: per member, its last date in ``column``, NULL in the others."""
    values = {f"s_{name}": _null() for name in COLUMNS}
    values[f"s_{column}"] = day
    grouped = queryset.order_by().values(member).annotate(s_member=F(member), **values)
    return grouped.values_list("s_member", *(f"s_{name}" for name in COLUMNS))


def _date(field: str) -> Expression:
    # The local day of a moment (Asia/Shanghai), in each database's own syntax.
    return TruncDate(Max(field), output_field=DateField())


def sources() -> list[QuerySet]:
    """Every source as a grouped query: the member, then one date column per kind, NULL but for its own."""
    start = TruncDate("created_at", output_field=DateField())
    contact = TruncDate("last_contact_at", output_field=DateField())
    # The entry itself: the day it reached the roster, and its last contact (a column kept by the contacts).
    columns = {f"s_{name}": _null() for name in COLUMNS} | {"s_start": start, "s_contact": contact}
    members = (
        Member.objects.filter(state=Member.State.ACTIVE)
        .order_by()
        .annotate(s_member=F("pk"), **columns)
        .values_list("s_member", *(f"s_{name}" for name in COLUMNS))
    )
    attended = [Attendance.Outcome.ATTENDED, Attendance.Outcome.MADE_UP]
    hosted = Q(host_organization__isnull=False) | ~Q(host_name="")
    return [
        members,
        _part(Attendance.objects.filter(outcome__in=attended), "member_id", "meeting", Max("activity__date")),
        _part(CheckIn.objects.all(), "member_id", "checkin", _date("checked_in_at")),
        _part(Leave.objects.filter(status=Leave.Status.APPROVED), "member_id", "leave", Max("activity__date")),
        _part(Payment.objects.filter(status=Payment.Status.CONFIRMED), "member_id", "dues", Max("paid_on")),
        _part(Report.objects.all(), "member_id", "report", _date("submitted_at")),
        _part(MoveReport.objects.filter(status=MoveReport.Status.CONFIRMED), "member_id", "move", _date("decided_at")),
        _part(
            Permit.objects.filter(hosted, returned_on__isnull=True),
            "member_id",
            "permit",
            Max(Coalesce("checked_on", "issued_on")),
        ),
    ]


def _silent_sql(today: dt.date) -> tuple[str, list[Any]]:
    """The SQL of the members due a warning they do not have yet, with their last signs and the level."""
    first, *rest = sources()
    union_sql, union_params = first.union(*rest, all=True).query.sql_with_params()
    talk, case = add_months(today, -TALK_MONTHS).isoformat(), add_months(today, -CASE_MONTHS).isoformat()
    permit = add_months(today, -PERMIT_MONTHS).isoformat()
    columns = ", ".join(f"MAX(u.s_{name}) AS s_{name}" for name in COLUMNS)
    # Each row of the union holds one kind's date: the first non-NULL sign is that row's sign of life.
    sign = ", ".join(f"u.s_{name}" for name in SIGN_KINDS)
    table = connection.ops.quote_name(LifeWarning._meta.db_table)
    level = "CASE WHEN g.s_day <= %s THEN 'case' ELSE 'talk' END"
    # Only table and column names are spliced in; every value is a parameter.
    sql = (
        f"SELECT g.s_member, {', '.join(f'g.s_{name}' for name in COLUMNS)}, g.s_day, {level} "  # noqa: S608
        # With no sign of life at all, the day the entry reached the roster starts the count.
        f"FROM (SELECT u.s_member AS s_member, {columns}, COALESCE(MAX(COALESCE({sign})), MAX(u.s_start)) AS s_day "
        f"FROM ({union_sql}) u GROUP BY u.s_member) g "
        # Only members on the roster have a start; permits taking part elsewhere hold off the warning.
        "WHERE g.s_start IS NOT NULL AND g.s_day <= %s AND (g.s_permit IS NULL OR g.s_permit < %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {table} w WHERE w.member_id = g.s_member AND w.since = g.s_day "
        f"AND w.level = {level})"
    )
    return sql, [case, *union_params, talk, permit, case]


def _day(value: Any) -> dt.date | None:
    # SQLite hands dates back as text, PostgreSQL as dates.
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def due_warnings(today: dt.date) -> list[LifeWarning]:
    """The warnings due up to ``today`` that do not exist yet, unsaved; one query."""
    sql, params = _silent_sql(today)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    warnings = []
    for member_id, *values, last, level in rows:
        signs = {name: _day(value).isoformat() for name, value in zip(COLUMNS, values, strict=True) if value}
        warnings.append(LifeWarning(member_id=member_id, level=level, since=_day(last), signs=signs, raised_on=today))
    return warnings


# --- Raising them, and telling the secretaries ------------------------------------------------


def raise_warnings(today: dt.date) -> dict[str, int]:
    """Write the warnings due up to ``today`` and tell whoever answers for each, once.

    The warnings and their notices are written in one transaction, so a run
    cut short leaves neither, and the next run does both.
    """
    due = due_warnings(today)
    if not due:
        return {"talk": 0, "case": 0, "notices": 0}
    with transaction.atomic():
        LifeWarning.objects.bulk_create(due, batch_size=BATCH, ignore_conflicts=True)
        notices = notify_secretaries(today)
    counts = {"talk": 0, "case": 0}
    for warning in due:
        counts[warning.level] += 1
    return {**counts, "notices": notices}


def _format(template: str, values: Mapping[str, Expression]) -> Expression:
    """A ``%(name)s`` template as SQL: its text around the rows' own values."""
    parts = re.split(r"%\((\w+)\)s", template)
    pieces: list[Expression] = []
    for index, part in enumerate(parts):
        if index % 2:
            pieces.append(values[part])
        elif part:
            pieces.append(Value(part.replace("%%", "%"), output_field=TextField()))
    if len(pieces) == 1:
        return pieces[0]
    return Concat(*pieces, output_field=TextField())


def _notice_rows(warnings: QuerySet[LifeWarning], user_field: str, level: str, url: str) -> QuerySet:
    """(user, kind, key, title, body, url, created_at, message) per warning and addressee, in SQL."""
    title, body = WORDS[level]
    with translation.override(settings.LANGUAGE_CODE):
        title, body = str(title), str(body)
    since = Cast("since", CharField())
    values = {"name": F("member__name"), "since": since}
    return (
        warnings.filter(level=level)
        .order_by()
        .annotate(
            _user=F(user_field),
            _kind=Value(NOTICE_KIND, output_field=CharField()),
            _key=Concat(
                Value(f"{NOTICE_KIND}:"),
                Cast("pk", CharField()),
                Value(":"),
                Cast(user_field, CharField()),
                output_field=CharField(),
            ),
            _title=_format(title, values),
            _body=_format(body, values),
            _url=Value(f"{url}?level={level}", output_field=CharField()),
            _at=Value(timezone.now(), output_field=DateTimeField()),
            _message=JSONObject(
                wording=Value(NOTICE_KIND),
                params=JSONObject(name=F("member__name"), level=F("level"), since=since),
            ),
        )
        .values_list("_user", "_kind", "_key", "_title", "_body", "_url", "_at", "_message")
        .distinct()
    )


def _audience(relation: str) -> Q:
    return Q(**{f"{relation}__kind__in": NOTICE_ROLES, f"{relation}__user__is_active": True})


def notify_secretaries(today: dt.date) -> int:
    """Each warning raised ``today`` to the holders of roster roles on its branch; a case also above it.

    One ``INSERT … SELECT`` per audience and level; the notice key (warning,
    user) makes a replay write nothing and a person holding roles on both
    levels hear once. Returns the notices written.
    """
    url = reverse("itinerant:warnings")
    raised = LifeWarning.objects.filter(raised_on=today, resolved_at__isnull=True)
    fields = ["user", "kind", "key", "title", "body", "url", "created_at", "message"]
    branch_roles = "member__organization__roles"
    committee_roles = "member__organization__parent__roles"
    written = 0
    for level, relations in ((Level.TALK, [branch_roles]), (Level.CASE, [branch_roles, committee_roles])):
        for relation in relations:
            rows = _notice_rows(raised.filter(_audience(relation)), f"{relation}__user", level, url)
            written += insert_from_select(Notification, fields, rows)
    return written


def resolve(warning: LifeWarning, resolution: str, by, *, now: dt.datetime | None = None) -> None:
    """Record what was done (the talk held, the reason found, the case sent on); the warning leaves the list."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise WarningError(_("Say what was done."), code="resolution_required", field="resolution")
    now = now or timezone.now()
    done = LifeWarning.objects.filter(pk=warning.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=by, resolution=resolution[:300]
    )
    if not done:
        raise WarningError(_("This warning has already been dealt with."), code="already_resolved")
    warning.resolved_at, warning.resolved_by, warning.resolution = now, by, resolution[:300]


def sign_rows(warning: LifeWarning) -> list[tuple[Any, str]]:
    """(label, date) of each kind of sign, as kept when the warning was raised; "never" is None."""
    signs = warning.signs or {}
    rows = [(SIGN_LABELS[kind], signs.get(kind)) for kind in SIGN_KINDS]
    for kind in ("start", "permit"):
        if signs.get(kind):
            rows.append((SIGN_LABELS[kind], signs[kind]))
    return rows


def wording(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: name, level (LifeWarning.Level), since (ISO date)."""
    title, body = WORDS[Level(params["level"])]
    values = {"name": params["name"], "since": params["since"]}
    return str(title) % values, str(body) % values


def open_warnings(warnings: QuerySet[LifeWarning], levels: Iterable[str] = ()) -> QuerySet[LifeWarning]:
    levels = list(levels)
    warnings = warnings.filter(resolved_at__isnull=True, member__state=Member.State.ACTIVE)
    return warnings.filter(level__in=levels) if levels else warnings
