"""The roster's audit log as people read it: which fields a change touched, old → new.

Every change to an entry is logged through ``members.services.record_change``
with the display values built here, so the log shows what people saw, with
personal numbers masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.utils.translation import gettext

from branches.models import Role

from ..models import Member, MemberChange
from ..validators import mask_id_number, mask_phone

# An activation SMS is a MemberChange with this note; the marker stays the
# same whatever the language, so the daily limit can look it up.
ACTIVATION_SMS_NOTE = "activation-sms"
# Role changes are logged as MemberChange with a note "role:+kind:org-code:user-id"
# ("-" for a removal); the roles page finds its log by this prefix.
ROLE_NOTE_PREFIX = "role:"

# Fields a secretary edits; the login link and the state have their own use cases.
EDITABLE_FIELDS = [
    "name",
    "gender",
    "phone",
    "id_number",
    "birth_date",
    "joined_party_on",
    "full_member_on",
    "status",
    "organization",
    "group",
    "is_itinerant",
    "province",
    "city",
    "workplace",
    "left_home_on",
    "emergency_contact",
    "emergency_phone",
    "in_hardship",
    "hardship_note",
]
AUDITED_FIELDS = [*EDITABLE_FIELDS, "state", "transferred_out_on"]

# Logged changes that are not fields of Member (role changes) and their labels.
EXTRA_LABELS = {"role": Role._meta.get_field("kind").verbose_name}


def display_value(member: Member, field_name: str) -> str:
    """A field's value as people read it; personal numbers masked, as everywhere outside a reveal."""
    value = getattr(member, field_name)
    if field_name == "id_number":
        return mask_id_number(value or "")
    if field_name in ("phone", "emergency_phone"):
        return mask_phone(value) if value else ""
    field = Member._meta.get_field(field_name)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(getattr(member, f"get_{field_name}_display")())
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def snapshot(member: Member) -> dict[str, str]:
    return {name: display_value(member, name) for name in AUDITED_FIELDS}


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {name: [before[name], after[name]] for name in after if before.get(name) != after[name]}


def change_rows(change: MemberChange, hidden: Collection[str] = ()) -> list[tuple[str, str, str]]:
    """(label, old, new) for each field of a logged change, leaving out the ``hidden`` fields."""
    rows = []
    for name, values in (change.changes or {}).items():
        if name in hidden:
            continue
        try:
            label = str(Member._meta.get_field(name).verbose_name)
        except Exception:  # a field that has since been removed keeps its raw name
            label = str(EXTRA_LABELS.get(name, name))
        old, new = ([*values, "", ""])[:2] if isinstance(values, list) else ("", str(values))
        rows.append((label, old, new))
    return rows


def audit_log(member: Member, limit: int = 50, *, hidden: Collection[str] = ()) -> list[MemberChange]:
    """The entry's latest changes with their rows; ``hidden`` fields are left out of every row list."""
    changes = []
    for change in member.changes.select_related("user")[:limit]:
        change.rows = change_rows(change, hidden)
        if change.changes and not change.rows:
            # A change of hidden fields only: even that it happened is not for this reader.
            continue
        changes.append(change)
        change.is_activation_sms = change.note == ACTIVATION_SMS_NOTE
        # The note of a role change is a marker for the roles page, not text for people.
        change.hides_note = change.is_activation_sms or change.note.startswith(ROLE_NOTE_PREFIX)
    return changes
