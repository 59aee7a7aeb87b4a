"""Sending notices: every notice lands in the recipient's inbox; some also go out by SMS, email or WeCom.

The inbox rows are written at once; the other channels get a queued
``Delivery`` row with a due time, which the ``deliver`` sweep sends
(``notifications.delivery``).
"""

from __future__ import annotations

import datetime as dt
import string
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from branches.bulk import insert_from_select
from branches.models import Organization
from members.models import Member

from . import wecom_app, wordings
from .models import BranchChannels, Channel, Delivery, MemberChannels, MessageTemplate, Notification

# Kinds a secretary may reword, with the names shown on the template page.
TEMPLATE_KINDS = {
    "activity_day": _("Activity day"),
    "reminder": _("Activity day reminder"),
    "absent": _("Missed activity day"),
    "leave": _("Leave decision"),
    "material": _("New study material"),
    "greeting": _("Political birthday greeting"),
}
# Every notice is rendered once per branch, never per member, so only values
# shared by the whole branch can be placeholders.
COMMON_PLACEHOLDERS = {
    "title": _("the built-in title"),
    "body": _("the built-in text"),
    "branch": _("the branch's name"),
}
KIND_PLACEHOLDERS: dict[str, dict[str, str]] = dict.fromkeys(TEMPLATE_KINDS, COMMON_PLACEHOLDERS)


@dataclass(frozen=True)
class Notice:
    """What to say: a registered wording and its values, or a fixed title and text.

    With ``params`` (even empty), the notice is worded by the wording named
    ``wording`` (the kind when not given; ``notifications.wordings``): in the
    site's language for the copy SMS and email carry, in the reader's when
    the inbox shows it. Without, ``title`` and ``body`` are all it says.
    """

    kind: str
    title: str = ""
    body: str = ""
    url: str = ""
    # Urgent notices go by SMS at once; the others wait for the end of the branch's quiet hours.
    urgent: bool = False
    wording: str = ""
    params: Mapping[str, Any] | None = None

    @property
    def message(self) -> dict[str, Any] | None:
        """What ``Notification.message`` keeps, or None for a notice with fixed text."""
        if self.params is None:
            return None
        return wordings.message(self.wording or self.kind, self.params)


def notify_members(member_ids: Iterable[int], notice: Notice, key: str) -> int:
    """Write ``notice`` to each member's inbox once; ``key`` holds ``{member}``, replaced by the id.

    One INSERT … SELECT for the batch (one per branch when a template rewords
    the kind), then one more per outside channel for the queued deliveries;
    keys already present are skipped, so a re-run or a redelivered task
    sends nothing twice. Returns the inbox rows written, so a re-run (or a
    sweep racing another) reports none.
    """
    ids = list(member_ids)
    if not ids:
        return 0
    prefix, _sep, suffix = key.partition("{member}")
    now = timezone.now()
    templates = message_templates(notice.kind)
    written = 0
    if templates:
        branches: dict[int, list[int]] = defaultdict(list)
        names: dict[int, str] = {}
        for pk, organization_id, name in Member.objects.filter(pk__in=ids).values_list(
            "pk", "organization_id", "organization__name"
        ):
            branches[organization_id].append(pk)
            names[organization_id] = name
        for organization_id, chunk in branches.items():
            template = templates.get(organization_id) or templates.get(None)
            title, body = render_notice(notice, template, branch=names[organization_id])
            written += _insert_inbox(chunk, notice, title, body, prefix, suffix, now)
    else:
        title, body = render_notice(notice)
        written = _insert_inbox(ids, notice, title, body, prefix, suffix, now)
    queue_deliveries(ids, notice, prefix, suffix, now)
    return written


def _insert_inbox(
    ids: list[int], notice: Notice, title: str, body: str, prefix: str, suffix: str, now: dt.datetime
) -> int:
    select = (
        Member.objects.filter(pk__in=ids)
        .order_by()
        .annotate(
            _user=Value(None, output_field=BigIntegerField()),
            _kind=Value(notice.kind, output_field=CharField()),
            _key=Concat(Value(prefix), Cast("pk", CharField()), Value(suffix), output_field=CharField()),
            _title=Value(title, output_field=CharField()),
            _body=Value(body, output_field=TextField()),
            _url=Value(notice.url, output_field=CharField()),
            _at=Value(now, output_field=DateTimeField()),
            _message=_message_value(notice),
        )
        .values_list("pk", "_user", "_kind", "_key", "_title", "_body", "_url", "_at", "_message")
    )
    return insert_from_select(
        Notification, ["member", "user", "kind", "key", "title", "body", "url", "created_at", "message"], select
    )


def _message_value(notice: Notice) -> Cast | Value:
    # SQL NULL, not JSON null, for a notice with fixed text: a typed NULL,
    # because PostgreSQL reads a bare one in an INSERT … SELECT as text.
    if notice.message is None:
        return Cast(Value(None), output_field=JSONField())
    return Value(notice.message, output_field=JSONField())


def queue_deliveries(ids: list[int], notice: Notice, prefix: str, suffix: str, now: dt.datetime) -> None:
    """Queue SMS, email, WeCom message and WeCom robot deliveries for a batch whose inbox rows are written.

    At most one query for the batch's branches and one INSERT … SELECT per
    channel, whatever the batch size. A member who turned a channel off, or
    whose branch did, gets no row; SMS that would arrive in the branch's
    quiet hours is due when they end, unless the notice is urgent.
    """
    sms = notice.kind in settings.NOTIFICATION_SMS_KINDS
    email = notice.kind in settings.NOTIFICATION_EMAIL_KINDS
    wecom_person = notice.kind in settings.NOTIFICATION_WECOM_APP_KINDS and wecom_app.configured()
    if sms or email or wecom_person:
        keys = [f"{prefix}{pk}{suffix}" for pk in ids]
        branches = _branch_channels(ids)
        # A WeCom message rings the phone like an SMS: both wait for the end of quiet hours.
        due = Value(now, output_field=DateTimeField()) if notice.urgent else _due_after_quiet_hours(branches, now)
        if sms:
            _insert_deliveries(Channel.SMS, keys, branches, due, now)
        if wecom_person:
            _insert_deliveries(Channel.WECOM_APP, keys, branches, due, now)
        if email:
            _insert_deliveries(Channel.EMAIL, keys, branches, Value(now, output_field=DateTimeField()), now)
    if notice.kind in settings.NOTIFICATION_WECOM_KINDS:
        _queue_group_notices(ids, notice, prefix, suffix, now)


@dataclass(frozen=True)
class _Switches:
    quiet_from: dt.time
    quiet_until: dt.time
    sms: bool
    email: bool


_DEFAULTS = _Switches(
    quiet_from=BranchChannels._meta.get_field("quiet_from").default,
    quiet_until=BranchChannels._meta.get_field("quiet_until").default,
    sms=True,
    email=True,
)


def _branch_channels(ids: list[int]) -> dict[int, _Switches]:
    """Each branch of the batch with its channel settings; a branch with no row has the defaults."""
    rows = Organization.objects.filter(pk__in=Member.objects.filter(pk__in=ids).values("organization_id")).values_list(
        "pk",
        "channel_settings__quiet_from",
        "channel_settings__quiet_until",
        "channel_settings__sms_enabled",
        "channel_settings__email_enabled",
    )
    return {
        pk: _Switches(quiet_from, quiet_until, sms, email) if sms is not None else _DEFAULTS
        for pk, quiet_from, quiet_until, sms, email in rows
    }


def quiet_hours_end(now: dt.datetime, quiet_from: dt.time, quiet_until: dt.time) -> dt.datetime | None:
    """When the quiet hours around ``now`` end, in the site's time zone, or None outside them.

    Quiet hours may cross midnight (22:00 to 07:00) or not (12:00 to 14:00);
    equal times mean none.
    """
    zone = timezone.get_default_timezone()
    local = timezone.localtime(now, zone)
    moment = local.time()
    if quiet_from == quiet_until:
        return None
    if quiet_from < quiet_until:
        inside = quiet_from <= moment < quiet_until
        day = local.date()
    else:
        inside = moment >= quiet_from or moment < quiet_until
        day = local.date() if moment < quiet_until else local.date() + dt.timedelta(days=1)
    if not inside:
        return None
    return dt.datetime.combine(day, quiet_until, tzinfo=zone)


def _due_after_quiet_hours(branches: dict[int, _Switches], now: dt.datetime) -> Case | Value:
    # Branches are grouped by due moment, so the CASE has one arm per distinct
    # end of quiet hours, not one per branch.
    by_due: dict[dt.datetime, list[int]] = defaultdict(list)
    for pk, switches in branches.items():
        end = quiet_hours_end(now, switches.quiet_from, switches.quiet_until)
        if end is not None:
            by_due[end].append(pk)
    if not by_due:
        return Value(now, output_field=DateTimeField())
    arms = [
        When(member__organization_id__in=pks, then=Value(due, output_field=DateTimeField()))
        for due, pks in by_due.items()
    ]
    return Case(*arms, default=Value(now, output_field=DateTimeField()), output_field=DateTimeField())


def _insert_deliveries(channel: str, keys: list[str], branches: dict[int, _Switches], due, now: dt.datetime) -> None:
    # Branches switch SMS and email off; WeCom messages have no branch switch.
    off = [pk for pk, switches in branches.items() if not getattr(switches, channel, True)]
    opted_out = MemberChannels.objects.filter(member_id=OuterRef("member_id"), **{channel: False})
    notifications = Notification.objects.filter(key__in=keys, member__isnull=False).exclude(Exists(opted_out))
    if off:
        notifications = notifications.exclude(member__organization_id__in=off)
    if channel == Channel.EMAIL:
        # Most members have no email address; a row for each would only fail.
        notifications = notifications.filter(member__user__email__gt="")
    if channel == Channel.WECOM_APP:
        # Only members whose WeCom user id their branch recorded can be reached.
        notifications = notifications.filter(member__channel_settings__wecom_userid__gt="")
    select = (
        notifications.order_by()
        .annotate(
            _channel=Value(str(channel), output_field=CharField()),
            _status=Value(Delivery.Status.QUEUED.value, output_field=CharField()),
            _due=due,
            _attempts=Value(0, output_field=IntegerField()),
            _error=Value("", output_field=TextField()),
            _at=Value(now, output_field=DateTimeField()),
        )
        .values_list("pk", "_channel", "_status", "_due", "_attempts", "_error", "_at")
    )
    insert_from_select(
        Delivery, ["notification", "channel", "status", "due_at", "attempts", "last_error", "created_at"], select
    )


def _queue_group_notices(ids: list[int], notice: Notice, prefix: str, suffix: str, now: dt.datetime) -> None:
    """One notice per branch or group of the batch that has a WeCom robot, and its WeCom delivery.

    The robot posts to a group chat, so it gets the notice's summary once per
    organization, never a copy per member. The keys start with ``group:`` so
    ``read_receipts`` prefixes never count them. Most batches have no robot:
    then this is one small lookup.
    """
    with_robots = _organizations_with_robots()
    if not with_robots:
        return
    robots = set()
    places = Member.objects.filter(pk__in=ids).values_list("organization_id", "group_id").distinct()
    for organization_id, group_id in places:
        robots |= {organization_id, group_id} & with_robots
    if not robots:
        return
    _write_group_notices({pk: f"group:{prefix}{pk}{suffix}" for pk in robots}, notice, now)


def notify_organizations(organization_ids: Iterable[int], notice: Notice, key: str) -> int:
    """``notice`` to the WeCom robot of each of the organizations that has one, once per key.

    ``key`` holds ``{organization}`` and starts with ``group:``. Returns the
    group notices written: keys already present are skipped and not counted.
    """
    robots = set(organization_ids) & _organizations_with_robots()
    if not robots:
        return 0
    prefix, _sep, suffix = key.partition("{organization}")
    keys = {pk: f"{prefix}{pk}{suffix}" for pk in robots}
    present = set(Notification.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    _write_group_notices(keys, notice, timezone.now())
    return len(set(keys.values()) - present)


def _write_group_notices(keys: dict[int, str], notice: Notice, now: dt.datetime) -> None:
    """The group notices of ``keys`` (organization id -> key) and their WeCom deliveries, each once."""
    title, body = render_notice(notice)
    Notification.objects.bulk_create(
        [
            Notification(
                organization_id=organization_id,
                kind=notice.kind,
                key=key,
                title=title,
                body=body,
                url=notice.url,
                created_at=now,
                message=notice.message,
            )
            for organization_id, key in keys.items()
        ],
        ignore_conflicts=True,
    )
    group_notices = (
        Notification.objects.filter(key__in=keys.values())
        .order_by()
        .annotate(
            _channel=Value(Channel.WECOM.value, output_field=CharField()),
            _status=Value(Delivery.Status.QUEUED.value, output_field=CharField()),
            _due=Value(now, output_field=DateTimeField()),
            _attempts=Value(0, output_field=IntegerField()),
            _error=Value("", output_field=TextField()),
            _at=Value(now, output_field=DateTimeField()),
        )
        .values_list("pk", "_channel", "_status", "_due", "_attempts", "_error", "_at")
    )
    insert_from_select(
        Delivery, ["notification", "channel", "status", "due_at", "attempts", "last_error", "created_at"], group_notices
    )


def notify_users(user_ids: Iterable[int], notice: Notice, key: str) -> int:
    """Like notify_members, for logins without a roster entry (secretaries); key uses ``{user}``.

    Returns the rows written: keys already present are skipped and not counted.
    """
    ids = list(user_ids)
    if not ids:
        return 0
    prefix, _sep, suffix = key.partition("{user}")
    title, body = render_notice(notice)
    select = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .order_by()
        .annotate(
            _kind=Value(notice.kind, output_field=CharField()),
            _key=Concat(Value(prefix), Cast("pk", CharField()), Value(suffix), output_field=CharField()),
            _title=Value(title, output_field=CharField()),
            _body=Value(body, output_field=TextField()),
            _url=Value(notice.url, output_field=CharField()),
            _at=Value(timezone.now(), output_field=DateTimeField()),
            _message=_message_value(notice),
        )
        .values_list("pk", "_kind", "_key", "_title", "_body", "_url", "_at", "_message")
    )
    return insert_from_select(
        Notification, ["user", "kind", "key", "title", "body", "url", "created_at", "message"], select
    )


# Templates and robots are read by every chunk of a fan-out: a 1,000-branch
# dispatch would ask the same two questions 1,000 times. The answers are kept
# for a minute in this process and dropped at once when a row changes here;
# another process sees a change within the minute.
_CACHE_SECONDS = 60
_cache: dict[str, tuple[float, object]] = {}


def _cached(name: str, load):
    now = time.monotonic()
    hit = _cache.get(name)
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = load()
    _cache[name] = (now, value)
    return value


@receiver([post_save, post_delete], sender=MessageTemplate)
@receiver([post_save, post_delete], sender=BranchChannels)
def forget_channel_settings(**kwargs) -> None:
    _cache.clear()


def message_templates(kind: str) -> dict[int | None, MessageTemplate]:
    """The templates rewording ``kind`` in the site's language, by organization id (None: site-wide)."""
    if kind not in TEMPLATE_KINDS:
        return {}
    return _cached(
        f"templates:{kind}",
        lambda: {
            t.organization_id: t for t in MessageTemplate.objects.filter(kind=kind, language=settings.LANGUAGE_CODE)
        },
    )


def _organizations_with_robots() -> frozenset[int]:
    return _cached(
        "robots",
        lambda: frozenset(
            BranchChannels.objects.filter(wecom_webhook__gt="").values_list("organization_id", flat=True)
        ),
    )


def unknown_placeholders(kind: str, text: str) -> list[str]:
    """Placeholders in ``text`` that ``kind`` does not offer; raises ValueError for broken braces."""
    allowed = KIND_PLACEHOLDERS.get(kind, COMMON_PLACEHOLDERS)
    names = [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
    return sorted({name for name in names if name not in allowed})


def render_notice(notice: Notice, template: MessageTemplate | None = None, branch: str = "") -> tuple[str, str]:
    """Title and text in the site's language, reworded by ``template`` when there is one.

    This is the copy stored with the notice and sent by SMS, email and the
    WeCom robot: members have no language of their own, so it is the site's.
    """
    with translation.override(settings.LANGUAGE_CODE):
        title, body = wordings.render(notice.message) or (str(notice.title), str(notice.body))
    if template is None:
        return title, body
    return wordings.reword(template.title, template.body, title, body, branch=branch)


def with_templates(notifications: QuerySet[Notification], language: str | None = None) -> QuerySet[Notification]:
    """The notices with what showing them in ``language`` (the active one by default) needs, in the same query.

    Each row carries its branch's name and the template rewording its kind
    in that language, the branch's own or else the site-wide one, as
    correlated lookups on the templates' unique key: a page of the inbox
    costs no query more, whatever the branches and kinds on it.
    ``Notification.shown_title`` and ``shown_body`` read them.
    """
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    templates = MessageTemplate.objects.filter(kind=OuterRef("kind"), kind__in=TEMPLATE_KINDS, language=language)
    own = templates.filter(organization_id=OuterRef("member__organization_id"))
    site = templates.filter(organization__isnull=True)
    return notifications.annotate(
        branch_name=F("member__organization__name"),
        template_title=Coalesce(Subquery(own.values("title")[:1]), Subquery(site.values("title")[:1])),
        template_body=Coalesce(Subquery(own.values("body")[:1]), Subquery(site.values("body")[:1])),
    )


def inbox_for(user) -> QuerySet[Notification]:
    """Notices addressed to the user's roster entry or to the login itself, newest first."""
    # A subquery rather than a join keeps each side on its own inbox index.
    member_ids = Member.objects.filter(user_id=user.pk).values("pk")
    return Notification.objects.filter(Q(user_id=user.pk) | Q(member_id__in=member_ids)).order_by("-created_at", "-pk")


def mark_read(notification: Notification) -> bool:
    """Record the first time a notice is opened; later openings keep that moment.

    A conditional UPDATE, so two tabs opening it at once still leave one receipt.
    Returns True if this call recorded it.
    """
    now = timezone.now()
    recorded = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    if recorded:
        notification.read_at = now
    return bool(recorded)


def read_receipts(key_prefix: str) -> tuple[int, int]:
    """How many of the notices whose key starts with ``key_prefix`` were opened, out of how many.

    Keys are built as ``kind:object:recipient``, so the prefix ``"material:12:"``
    covers one material's notice to every member.
    """
    totals = Notification.objects.filter(key__startswith=key_prefix).aggregate(
        read=Count("pk", filter=Q(read_at__isnull=False)), total=Count("pk")
    )
    return totals["read"], totals["total"]
