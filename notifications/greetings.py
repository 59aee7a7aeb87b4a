"""政治生日: greeting members on the anniversary of joining the Party, and the secretary's personal line."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.chunks import chunked
from branches.dates import shift_month
from branches.errors import DomainError
from members.models import Member

from .models import Greeting
from .services import Notice, notify_members

logger = logging.getLogger(__name__)

# A beat that was down catches up this many days; an anniversary further back
# is left alone, because a greeting a week late reads as an afterthought.
CATCH_UP_DAYS = 7
# The secretary's list looks this far ahead.
UPCOMING_DAYS = 30
# Greetings per card-rendering task: about ten seconds of work at ~100 ms a card,
# far below the task time limit, and few enough to redo if a worker dies.
CARD_CHUNK = 100


class GreetingError(DomainError):
    """A refused change to a greeting; ``code`` ("inactive", "too_early", "sent") names the reason."""

    default_code = "greeting_refused"


def greeting_notice() -> Notice:
    # Worded by ``notices.greeting``.
    return Notice(kind="greeting", params={}, url=reverse("home"))


def greeting_key(year: int) -> str:
    """One inbox greeting per member and year, whichever sweep run or redelivered task writes it."""
    return f"greeting:{year}:{{member}}"


def eligible_members(day: dt.date) -> QuerySet[Member]:
    """Active members whose anniversary is ``day`` and who joined at least one year before it.

    ``political_birthdays_on`` looks (month, day) up in member_party_birthday_idx
    and keeps only members who joined before ``day``; since the month and day
    match, that is at least a full year. Probationary members count from joining.
    """
    return Member.objects.active().political_birthdays_on(day)


def greet_due(today: dt.date, chunk_size: int | None = None) -> dict[str, int]:
    """Greet everyone whose anniversary is ``today`` or fell in the last CATCH_UP_DAYS and who has no greeting yet.

    Oldest day first, so that a beat back after two days greets the late ones
    first. Each day costs one query for its members and four per chunk
    (insert greetings, read their ids, inbox notices, mark sent), whatever
    the number of members. Cards are rendered by workers afterwards.
    """
    from . import cards

    size = chunk_size or settings.FANOUT_CHUNK
    now = timezone.now()
    counts = {"greeted": 0, "late": 0, "cards_queued": 0}
    for offset in range(CATCH_UP_DAYS, -1, -1):
        day = today - dt.timedelta(days=offset)
        greeted = greet_day(day, days_late=offset, now=now, chunk_size=size)
        counts["greeted"] += greeted
        if offset:
            counts["late"] += greeted
    counts["cards_queued"] = queue_missing_cards(today)
    # Greetings are out already; a missing font is an error the sweep's
    # status records, and the card tasks will fail the same way until it is fixed.
    cards.font_path()
    return counts


def greet_day(day: dt.date, *, days_late: int, now: dt.datetime, chunk_size: int) -> int:
    """Create and send the greetings of one anniversary day; returns how many were sent by this call."""
    rows = list(eligible_members(day).order_by("pk").values_list("pk", "joined_party_on"))
    sent = 0
    for chunk in chunked(rows, chunk_size):
        with transaction.atomic(savepoint=False):
            Greeting.objects.bulk_create(
                [
                    Greeting(
                        member_id=member_id,
                        year=day.year,
                        anniversary=day,
                        party_age=day.year - joined.year,
                        days_late=days_late,
                    )
                    for member_id, joined in chunk
                ],
                ignore_conflicts=True,
            )
            # Rows the secretary created early (for a personal line) are not
            # sent yet either; rows already sent are left alone.
            pending = list(
                Greeting.objects.filter(
                    year=day.year, member_id__in=[member_id for member_id, _joined in chunk], sent_at__isnull=True
                ).values_list("pk", "member_id")
            )
            if not pending:
                continue
            notify_members([member_id for _pk, member_id in pending], greeting_notice(), key=greeting_key(day.year))
            sent += Greeting.objects.filter(pk__in=[pk for pk, _member in pending], sent_at__isnull=True).update(
                sent_at=now, days_late=days_late, anniversary=day
            )
    return sent


def queue_missing_cards(today: dt.date) -> int:
    """Queue card rendering for sent greetings of the catch-up window that have no card yet.

    This is also how a card whose task was lost (a killed worker, a broker
    restart) gets made: the next sweep finds it missing and queues it again.
    """
    from .tasks import render_cards

    ids = list(
        Greeting.objects.filter(
            anniversary__range=(today - dt.timedelta(days=CATCH_UP_DAYS), today), sent_at__isnull=False, card=""
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    from branches.queue import enqueue_on_commit

    for chunk in chunked(ids, CARD_CHUNK):
        # With the broker down this logs and goes on: the cards are still missing, so the next sweep queues them.
        enqueue_on_commit(render_cards, chunk)
    return len(ids)


def render_missing_cards(greeting_ids: Iterable[int]) -> int:
    """Render and store the card of each greeting that has none; returns how many this call stored.

    A greeting that got its card meanwhile (a redelivered task, two workers)
    is skipped; the conditional UPDATE keeps the first card if two renders race.
    """
    from . import cards

    stored = 0
    greetings = Greeting.objects.filter(pk__in=list(greeting_ids), card="", sent_at__isnull=False).select_related(
        "member__organization"
    )
    for greeting in greetings:
        data = cards.render_card(greeting)
        storage = greeting.card.storage
        name = card_name(greeting)
        if storage.exists(name) and not Greeting.objects.filter(card=name).exists():
            # Left by a render whose worker died before the row was updated:
            # without this, storage would save the retry under a suffixed name
            # and the first file would stay on disk with nothing pointing to it.
            storage.delete(name)
        saved = storage.save(name, ContentFile(data))
        if Greeting.objects.filter(pk=greeting.pk, card="").update(card=saved):
            stored += 1
            save_thumbnail(storage, saved, cards.thumbnail(data))
        elif saved != name:
            # Lost a race to a render that stored the card under ``name``.
            storage.delete(saved)
    return stored


def card_name(greeting: Greeting) -> str:
    """The one storage name a greeting's card ever gets, so a retried render finds the file of a lost one.

    The folder is the greeting's year, not the render's (as ``upload_to``
    would give): a retry after New Year must still find the first file.
    """
    return f"cards/{greeting.year}/greeting-{greeting.pk}.jpg"


def thumbnail_name(card: str) -> str:
    """Where a card's thumbnail lives: beside the card, named after it, so the card's row is all it needs."""
    stem = card.removesuffix(".jpg")
    return f"{stem}-thumb.jpg"


def save_thumbnail(storage, card: str, data: bytes) -> str:
    """Store the thumbnail of the card stored as ``card``; a thumbnail already there is replaced."""
    name = thumbnail_name(card)
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        # Another render wrote the same thumbnail between the two calls; keep that one.
        storage.delete(saved)
    return name


def card_thumbnail(greeting: Greeting) -> str:
    """The storage name of the greeting's thumbnail, made from the card when it is missing.

    Cards drawn before thumbnails existed, or a worker that died between the
    card and its thumbnail, get one the first time it is asked for. A card
    that cannot be read gives the card's own name: the member still sees it.
    """
    from . import cards

    storage = greeting.card.storage
    name = thumbnail_name(greeting.card.name)
    if storage.exists(name):
        return name
    try:
        with storage.open(greeting.card.name, "rb") as handle:
            data = cards.thumbnail(handle.read())
    except FileNotFoundError:
        return greeting.card.name
    except OSError as error:
        logger.warning("greeting %s: no thumbnail from its card (%s)", greeting.pk, error)
        return greeting.card.name
    return save_thumbnail(storage, greeting.card.name, data)


# --- The secretary's side -----------------------------------------------------------------------


@dataclass
class Upcoming:
    """One member's next political birthday as the secretary's list shows it."""

    member: Member
    on: dt.date
    party_age: int
    greeting: Greeting | None

    @property
    def days_left(self) -> int:
        return (self.on - timezone.localdate()).days

    @property
    def sent(self) -> bool:
        return bool(self.greeting and self.greeting.sent_at)


def birthday_window(today: dt.date, days: int = UPCOMING_DAYS) -> Q:
    """(month, day) conditions for anniversaries from ``today`` to ``today + days``, on the indexed columns.

    One condition per calendar month touched (30 days touch two months, or
    three from 30 or 31 January); a common-year window that ends on 28
    February also takes the 29 February members, who are greeted that day.
    """
    end = today + dt.timedelta(days=days)
    condition = Q()
    year, month = today.year, today.month
    while (year, month) <= (end.year, end.month):
        first = today.day if (year, month) == (today.year, today.month) else 1
        last = end.day if (year, month) == (end.year, end.month) else 31
        if month == 2 and last == 28 and not calendar.isleap(year):
            last = 29
        condition |= Q(joined_party_month=month, joined_party_day__gte=first, joined_party_day__lte=last)
        year, month = shift_month(year, month, 1)
    return condition


def upcoming_birthdays(members: QuerySet[Member], today: dt.date, days: int = UPCOMING_DAYS) -> QuerySet[Member]:
    """Active members of ``members`` with an anniversary in the next ``days`` days, soonest first.

    Sorting by (month, day) with months before today's moved after them puts
    January after December when the window crosses the new year.
    """
    return (
        members.active()
        .filter(birthday_window(today, days), joined_party_on__lt=today)
        .annotate(
            _next_year=Case(
                When(joined_party_month__lt=today.month, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .select_related("organization", "group")
        .order_by("_next_year", "joined_party_month", "joined_party_day", "name", "pk")
    )


def with_greetings(members: Iterable[Member], today: dt.date) -> list[Upcoming]:
    """Pair each member with their next anniversary and its greeting, if one was made: one query."""
    members = list(members)
    dates = {member.pk: member.next_political_birthday(today) for member in members}
    greetings = {
        (g.member_id, g.year): g
        for g in Greeting.objects.filter(
            member_id__in=list(dates), year__in={on.year for on in dates.values()}
        ).order_by()
    }
    return [
        Upcoming(
            member=member,
            on=dates[member.pk],
            party_age=dates[member.pk].year - member.joined_party_on.year,
            greeting=greetings.get((member.pk, dates[member.pk].year)),
        )
        for member in members
    ]


def set_personal_line(member: Member, line: str, today: dt.date | None = None) -> Greeting:
    """Write the secretary's line for the member's next greeting, creating the greeting early if needed.

    Refused once the greeting is sent: the card already carries the old line
    (or none). The conditional UPDATE also refuses a line that loses the race
    against the morning sweep.
    """
    today = today or timezone.localdate()
    if member.state != Member.State.ACTIVE:
        raise GreetingError(_("A transferred-out member gets no greeting."), code="inactive")
    on = member.next_political_birthday(today)
    if on <= member.joined_party_on:
        raise GreetingError(_("The member has no political birthday yet."), code="too_early")
    greeting, _created = Greeting.objects.get_or_create(
        member=member,
        year=on.year,
        defaults={"anniversary": on, "party_age": on.year - member.joined_party_on.year},
    )
    line = line.strip()
    if greeting.sent_at or not Greeting.objects.filter(pk=greeting.pk, sent_at__isnull=True).update(personal_line=line):
        raise GreetingError(
            _("This year's greeting was already sent, so its line can no longer be changed."), code="sent"
        )
    greeting.personal_line = line
    return greeting


def recent_greeting(member: Member, today: dt.date) -> Greeting | None:
    """The member's greeting sent on the day or in the week after it, for the home page."""
    return (
        Greeting.objects.filter(
            member=member,
            sent_at__isnull=False,
            anniversary__range=(today - dt.timedelta(days=CATCH_UP_DAYS), today),
        )
        .order_by("-anniversary")
        .first()
    )
