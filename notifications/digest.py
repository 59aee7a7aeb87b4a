"""The daily digest: the new work of the workspace, told to each manager's inbox and to the branches' robots.

"New" is what arrived since the previous digest of the same recipient (the
last 24 hours for a first one): signups, leave requests, reports, visits
that fell due, as the apps register them with ``members.workspace``. Nothing
new, no digest. The key names the recipient and the day, so a replayed day
or a sweep run twice sends nothing twice; a day the beat missed is covered
by the next digest, which counts from the previous one.

The arrivals are read once for everybody (one query per kind of work since
the earliest moment any recipient needs), then counted per recipient in
memory against their roles, all read in one query: the sweep's queries do
not grow with the number of managers, only its inserts do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from branches.access import Grant, Scope
from branches.models import Role
from branches.sweeps import register
from members.workspace.registry import Todo, todos

from .models import BranchChannels, Notification
from .services import Notice, notify_organizations, notify_users
from .wordings import wording

KIND = "digest"
FIRST_LOOKBACK = dt.timedelta(hours=24)
# A recipient whose last digest is older than this still hears of the last week only.
MAX_LOOKBACK = dt.timedelta(days=7)

# (branch path, group path or None, when it arrived)
Arrival = tuple[str, str | None, dt.datetime]


def user_key(today: dt.date) -> str:
    return f"{KIND}:{today.isoformat()}:{{user}}"


def group_key(today: dt.date) -> str:
    return f"group:{KIND}:{today.isoformat()}:{{organization}}"


@wording(KIND)
def digest_wording(params: Mapping[str, Any]) -> tuple[str, str]:
    """params: counts, {to-do key: number of new items}."""
    labels = {todo.key: todo.label for todo in todos()}
    counts = {key: int(n) for key, n in params["counts"].items() if key in labels and int(n) > 0}
    total = sum(counts.values())
    title = ngettext("%(n)d new item in your workspace", "%(n)d new items in your workspace", total) % {"n": total}
    lines = [_("%(label)s: %(n)d new") % {"label": labels[key], "n": n} for key, n in counts.items()]
    return title, "\n".join(lines)


def _moment(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    # A visit falls due at the start of its day.
    return dt.datetime.combine(value, dt.time.min, tzinfo=timezone.get_default_timezone())


def arrivals(since: dt.datetime, today: dt.date) -> dict[str, list[Arrival]]:
    """What arrived since ``since`` in every scope, by to-do key: one query per kind of work."""
    found = {}
    for todo in todos():
        if todo.arrived is None:
            continue
        rows = [(branch, group, _moment(at)) for branch, group, at in todo.arrived(since, today)]
        found[todo.key] = [row for row in rows if row[2] >= since]
    return found


def _covered(paths: list[str], branch_path: str | None, group_path: str | None) -> bool:
    return any(
        (branch_path and branch_path.startswith(path)) or (group_path and group_path.startswith(path)) for path in paths
    )


def count_new(found: dict[str, list[Arrival]], todo_list: list[Todo], paths_for, since: dt.datetime) -> dict[str, int]:
    """The new items of each to-do whose place lies in the paths ``paths_for(capability)`` gives."""
    counts = {}
    for todo in todo_list:
        paths = paths_for(todo.capability)
        if not paths:
            continue
        n = sum(1 for branch, group, at in found.get(todo.key, ()) if at >= since and _covered(paths, branch, group))
        if n:
            counts[todo.key] = n
    return counts


def _since(previous: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if previous is None:
        return now - FIRST_LOOKBACK
    return max(previous, now - MAX_LOOKBACK)


def _notice(counts: dict[str, int]) -> Notice:
    return Notice(kind=KIND, params={"counts": counts}, url=reverse("workspace:home"))


def send_digests(today: dt.date, now: dt.datetime | None = None) -> dict[str, int]:
    """Each manager's and each robot's digest of new work, once per recipient and day."""
    now = now or timezone.now()
    scopes: dict[int, Scope] = {}
    grants: dict[int, list[Grant]] = defaultdict(list)
    for user_id, *grant in Role.objects.filter(user__is_active=True).values_list(
        "user_id", "kind", "organization_id", "organization__path", "organization__kind"
    ):
        grants[user_id].append(Grant(*grant))
    for user_id, held in grants.items():
        scopes[user_id] = Scope(user_id=user_id, grants=tuple(held))
    last_sent = dict(
        Notification.objects.filter(kind=KIND, user_id__in=list(scopes))
        .values_list("user_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    robots = dict(
        BranchChannels.objects.filter(wecom_webhook__gt="").values_list("organization_id", "organization__path")
    )
    robots_sent = dict(
        Notification.objects.filter(kind=KIND, organization_id__in=list(robots))
        .values_list("organization_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    since = {user_id: _since(last_sent.get(user_id), now) for user_id in scopes}
    robot_since = {pk: _since(robots_sent.get(pk), now) for pk in robots}
    moments = [*since.values(), *robot_since.values()]
    if not moments:
        return {"digests": 0, "group_digests": 0}
    found = arrivals(min(moments), today)
    every = [todo for todo in todos() if todo.key in found]
    sent = 0
    for user_id, scope in scopes.items():
        counts = count_new(found, every, scope.paths, since[user_id])
        if counts:
            sent += notify_users([user_id], _notice(counts), key=user_key(today))
    # A group chat is read by members too: it hears counts, never of anyone's hardship.
    for_chats = [todo for todo in every if todo.for_group_chats]
    group_sent = 0
    for organization_id, path in robots.items():
        counts = count_new(found, for_chats, lambda capability, path=path: [path], robot_since[organization_id])
        if counts:
            group_sent += notify_organizations([organization_id], _notice(counts), key=group_key(today))
    return {"digests": sent, "group_digests": group_sent}


@register(KIND)
def digest(today: dt.date) -> dict:
    return send_digests(today)
