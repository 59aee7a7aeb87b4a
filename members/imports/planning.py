"""Planning an import: what each row would create, update or leave unchanged, and what is wrong with it.

Rows match existing members by phone or ID number, read in a few chunked
queries whatever the file's size; each candidate goes through
``Member.full_clean`` so the rules are the model's. Nothing is written here.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from branches.chunks import chunked
from branches.models import Organization

from ..models import Member
from ..spreadsheets import HEADER_OF_FIELD, NO, YES
from ..validators import mask_phone, normalize_national_phone
from .cells import ROW_FIELDS, parse_row
from .files import Table
from .messages import Invalid, Message, Text, stored

# Rows per IN (...) query: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 1000
# Rows kept in the stored preview; the counts cover every row.
PREVIEW_SAMPLE = 500
PROGRESS_EVERY = 500


@dataclass
class RowError:
    row: int
    column: str
    # Rendered when read, so a stored error reads in its reader's language (``messages``).
    message: Text

    def as_dict(self) -> dict:
        return stored(self.row, self.column, self.message)


@dataclass
class Planned:
    row: int
    member: Member
    # {field: [old, new]} as display strings; empty for a new member
    changes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    total: int = 0
    create: list[Planned] = field(default_factory=list)
    update: list[Planned] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # (pk, updated_at) of every existing member the plan looked at, to tell
    # at confirm time whether the roster changed since.
    seen: set[tuple[int, dt.datetime]] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    id_numbers: set[str] = field(default_factory=set)

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    def summary(self) -> dict:
        sample = [
            {"row": p.row, "action": "create", "name": p.member.name, "phone": mask_phone(p.member.phone)}
            for p in self.create[:PREVIEW_SAMPLE]
        ] + [
            {
                "row": p.row,
                "action": "update",
                "name": p.member.name,
                "phone": mask_phone(p.member.phone),
                "fields": [HEADER_OF_FIELD[name] for name in p.changes],
            }
            for p in self.update[:PREVIEW_SAMPLE]
        ]
        return {
            "create": len(self.create),
            "update": len(self.update),
            "unchanged": len(self.unchanged),
            "errors": len(self.errors),
            "error_rows": self.error_rows,
            "rows": sorted(sample, key=lambda item: item["row"]),
        }


def plan_import(
    table: Table, branch: Organization, *, progress: Callable[[int], None] | None = None, lock: bool = False
) -> ImportPlan:
    """Decide, row by row, what the table would do to the branch's roster. Writes nothing.

    A row matches an existing member by phone or ID number. A match in another
    branch is an error (never a silent move), as is a phone and an ID number
    of two different members, or the same phone or ID twice in the file.
    """
    plan = ImportPlan(total=table.total)
    groups = {group.name: group for group in Organization.objects.filter(parent=branch, kind=Organization.Kind.GROUP)}
    parsed: list[tuple[int, dict[str, object]]] = []
    for number, cells in table.rows:
        values, errors = parse_row(cells, groups)
        plan.errors.extend(RowError(number, column, message) for column, message in errors)
        parsed.append((number, values))
        if "phone" in values:
            plan.phones.add(values["phone"])
        if values.get("id_number"):
            plan.id_numbers.add(values["id_number"])

    by_phone, by_id = existing_members(plan.phones, plan.id_numbers, lock=lock)
    plan.seen = seen_members(by_phone, by_id)
    first_phone: dict[str, int] = {}
    first_id: dict[str, int] = {}
    bad_rows = {error.row for error in plan.errors}
    for done, (number, values) in enumerate(parsed, start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
        phone, id_number = values.get("phone"), values.get("id_number")
        duplicate = False
        if phone:
            if phone in first_phone:
                message = Message(gettext_noop("The same phone number is on row %(row)s."), {"row": first_phone[phone]})
                plan.errors.append(RowError(number, "手机号", message))
                duplicate = True
            else:
                first_phone[phone] = number
        if id_number:
            if id_number in first_id:
                message = Message(gettext_noop("The same ID number is on row %(row)s."), {"row": first_id[id_number]})
                plan.errors.append(RowError(number, "身份证号", message))
                duplicate = True
            else:
                first_id[id_number] = number
        if number in bad_rows or duplicate:
            continue
        existing, match_errors = _match(phone, id_number, by_phone, by_id, branch)
        if match_errors:
            plan.errors.extend(RowError(number, column, message) for column, message in match_errors)
            continue
        _plan_row(plan, number, values, existing, branch)
    if progress:
        progress(plan.total)
    plan.errors.sort(key=lambda error: error.row)
    return plan


def _plan_row(plan: ImportPlan, number: int, values: dict, existing: Member | None, branch: Organization) -> None:
    candidate = copy.copy(existing) if existing else Member(organization=branch)
    candidate.organization = branch
    for name, value in values.items():
        setattr(candidate, name, value)
    if "id_number" in values and "birth_date" not in values:
        # The ID number carries the birth date; clean() takes it from there.
        candidate.birth_date = None
    clean_errors = _full_clean(candidate)
    if not candidate.phone:
        clean_errors.append(("手机号", Message(gettext_noop("Enter a mobile phone number."))))
    if clean_errors:
        plan.errors.extend(RowError(number, column, message) for column, message in clean_errors)
        return
    if existing is None:
        plan.create.append(Planned(number, candidate))
        return
    changes = _differences(existing, candidate)
    if changes:
        candidate.updated_at = timezone.now()
        plan.update.append(Planned(number, candidate, changes))
    else:
        plan.unchanged.append(number)


def existing_members(phones: set[str], id_numbers: set[str], *, lock: bool) -> tuple[dict, dict]:
    """Every member, in any branch, holding one of the phones or ID numbers: a few chunked queries."""
    by_phone: dict[str, Member] = {}
    by_id: dict[str, Member] = {}
    for phone_chunk, id_chunk in zip_longest(
        chunked(sorted(phones), CHUNK), chunked(sorted(id_numbers), CHUNK), fillvalue=[]
    ):
        queryset = Member.objects.filter(Q(phone__in=phone_chunk) | Q(id_number__in=id_chunk))
        queryset = queryset.select_related("group").order_by()
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        for member in queryset:
            by_phone[member.phone] = member
            if member.id_number:
                by_id[member.id_number] = member
    return by_phone, by_id


def seen_members(by_phone: dict, by_id: dict) -> set[tuple[int, dt.datetime]]:
    """What the plan looked at, as (pk, updated_at): compared again at confirm time."""
    return {(m.pk, m.updated_at) for m in (*by_phone.values(), *by_id.values())}


def _match(
    phone: str | None, id_number: str | None, by_phone: dict, by_id: dict, branch: Organization
) -> tuple[Member | None, list[tuple[str, Text]]]:
    holder = by_phone.get(phone) if phone else None
    id_holder = by_id.get(id_number) if id_number else None
    errors = []
    # Other branches' members are named by nothing: the secretary learns only that the number is taken.
    if holder and holder.organization_id != branch.pk:
        message = gettext_noop("This phone number belongs to a member of another branch; it cannot be moved here.")
        errors.append(("手机号", Message(message)))
    if id_holder and id_holder.organization_id != branch.pk:
        message = gettext_noop("This ID number belongs to a member of another branch; it cannot be moved here.")
        errors.append(("身份证号", Message(message)))
    if not errors and holder and id_holder and holder.pk != id_holder.pk:
        message = gettext_noop("The phone number and the ID number belong to two different members.")
        errors.append(("身份证号", Message(message)))
    if errors:
        return None, errors
    return holder or id_holder, []


def _full_clean(member: Member) -> list[tuple[str, Text]]:
    # Foreign keys and uniqueness are checked above against the rows already
    # loaded; Django would check them again with one query per row.
    try:
        # Phone and ID number went through the same validators when the row was read.
        member.full_clean(
            exclude=["organization", "group", "user", "phone", "id_number"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        return [
            (HEADER_OF_FIELD.get(name, "") if name != NON_FIELD_ERRORS else "", Invalid(error))
            for name, errors in exc.error_dict.items()
            for error in errors
        ]
    return []


def _display(member: Member, name: str) -> str:
    value = getattr(member, name)
    if name == "group":
        return value.name if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)


def _comparable(member: Member, name: str) -> object:
    if name == "group":
        return member.group_id
    value = getattr(member, name)
    if name == "emergency_phone" and value:
        # Older entries keep it as +86…, the import reads it as 11 digits: the same number is no change.
        try:
            return normalize_national_phone(value)
        except ValidationError:
            return value
    return value


def _differences(old: Member, new: Member) -> dict[str, list[str]]:
    changes = {}
    for name in ROW_FIELDS:
        before, after = _comparable(old, name), _comparable(new, name)
        if before != after:
            changes[name] = [_display(old, name), _display(new, name)]
    return changes
