"""How often each kind of gathering is due in a branch: its own rule, the nearest one above, or the default.

The statutory defaults are ``settings.MEETING_FREQUENCIES`` (《中国共产党支部工作条例》:
支部党员大会 once a quarter, 支委会 and 党小组会 once a month, 主题党日 each month,
党课 once a quarter, 组织生活会 and 民主评议党员 once a year). A committee or
general branch sets a rule for its whole subtree (``MeetingFrequency``); a
branch may set its own. For each branch and kind the nearest organization up
the tree, the branch itself first, with a row for the kind wins. All of it for
any number of branches is one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from branches.errors import DomainError
from branches.models import Organization

from ..models import Activity, MeetingFrequency

KIND = Activity.Kind
PERIOD = MeetingFrequency.Period
# Kinds that have a frequency; an "other" meeting is never due.
DUE_KINDS: tuple[str, ...] = tuple(kind for kind in KIND.values if kind != KIND.OTHER)
MAX_TIMES = 31
# Organizations that set frequencies: a group's meetings are the branch's 党小组会.
SETTING_KINDS = (Organization.Kind.COMMITTEE, Organization.Kind.GENERAL_BRANCH, Organization.Kind.BRANCH)


class FrequencyError(DomainError):
    pass


@dataclass(frozen=True)
class Frequency:
    kind: str
    period: str
    times: int
    # The organization whose rule it is; None for the statutory default.
    source_id: int | None = None
    source_name: str = ""

    @property
    def is_default(self) -> bool:
        return self.source_id is None


def default(kind: str) -> Frequency:
    period, times = settings.MEETING_FREQUENCIES.get(kind, (PERIOD.YEAR, 0))
    return Frequency(kind, period, int(times))


def defaults() -> dict[str, Frequency]:
    return {kind: default(kind) for kind in DUE_KINDS}


def _chain(organization: Organization) -> list[int]:
    """The organization, then each ancestor up to the root."""
    return [organization.pk, *reversed(organization.ancestor_ids())]


def frequencies_for(organizations: Iterable[Organization]) -> dict[int, dict[str, Frequency]]:
    """Per organization, kind → the frequency in force: one query for every organization and ancestor."""
    return _in_force({o.pk: _chain(o) for o in organizations})


def _in_force(chains: dict[int, list[int]]) -> dict[int, dict[str, Frequency]]:
    """Per key, kind → the rule of the first organization of its chain that has one, or the default."""
    if not chains:
        return {}
    rows = MeetingFrequency.objects.filter(
        organization_id__in={pk for chain in chains.values() for pk in chain}
    ).values_list("organization_id", "kind", "period", "times", "organization__name")
    rules: dict[tuple[int, str], Frequency] = {
        (org_id, kind): Frequency(kind, period, times, org_id, name) for org_id, kind, period, times, name in rows
    }
    fallback = defaults()
    result = {}
    for pk, chain in chains.items():
        result[pk] = {
            kind: next((rules[(link, kind)] for link in chain if (link, kind) in rules), fallback[kind])
            for kind in DUE_KINDS
        }
    return result


def inherited_for(organization: Organization) -> dict[str, Frequency]:
    """What the organization would have without rules of its own: the nearest above, or the default."""
    if organization.parent_id is None:
        return defaults()
    # The parent's chain is the organization's own without itself: read from its path, no parent row loaded.
    return _in_force({organization.parent_id: list(reversed(organization.ancestor_ids()))})[organization.parent_id]


def own_rules(organization: Organization) -> dict[str, MeetingFrequency]:
    return {row.kind: row for row in MeetingFrequency.objects.filter(organization=organization)}


def set_frequencies(organization: Organization, rules: Mapping[str, tuple[str, int] | None], *, by) -> int:
    """Write the organization's own rules: kind → (period, times), or None to follow the rule above.

    All or nothing: a wrong kind, period or count raises ``FrequencyError``
    before anything is written. Returns the rows written or removed.
    """
    if organization.kind not in SETTING_KINDS:
        raise FrequencyError(_("Only a committee, a general branch or a branch sets meeting frequencies."), code="kind")
    for kind, rule in rules.items():
        if kind not in DUE_KINDS:
            raise FrequencyError(_("Unknown kind of meeting."), code="kind")
        if rule is None:
            continue
        period, times = rule
        if period not in PERIOD.values:
            raise FrequencyError(_("Choose a month, a quarter or a year."), code="period")
        if not isinstance(times, int) or not 0 <= times <= MAX_TIMES:
            raise FrequencyError(
                _("The number of times must be between 0 and %(max)d.") % {"max": MAX_TIMES}, code="times"
            )
    changed = 0
    with transaction.atomic():
        existing = {
            row.kind: row for row in MeetingFrequency.objects.select_for_update().filter(organization=organization)
        }
        for kind, rule in rules.items():
            row = existing.get(kind)
            if rule is None:
                if row is not None:
                    row.delete()
                    changed += 1
                continue
            period, times = rule
            if row is None:
                MeetingFrequency.objects.create(
                    organization=organization, kind=kind, period=period, times=times, updated_by=by
                )
                changed += 1
            elif (row.period, row.times) != (period, times):
                row.period, row.times, row.updated_by = period, times, by
                row.save(update_fields=["period", "times", "updated_by", "updated_at"])
                changed += 1
    return changed
