"""The roster as an .xlsx in the import's own columns, masked unless full data is asked for; the import template.

The columns are the import's, so a full export imports back unchanged (the
formula guard is undone on reading, phones are written as the import reads
them); none of them is a hardship field. The masked export is marked as for
reading only, and the import refuses it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Expression, QuerySet
from django.utils.translation import ngettext
from openpyxl import Workbook

from branches.params import parse_id

from ..access import hardship_filter
from ..models import Member, MemberChange
from ..roster import badges
from ..roster.search import name_or_phone
from ..services import record_change
from ..spreadsheets import (
    GENDER_LABELS,
    MASKED_NOTE,
    MASKED_SHEET_TITLE,
    NO,
    PROVINCE_NAMES,
    ROSTER_HEADERS,
    STATUS_LABELS,
    YES,
    safe_cell,
)
from ..validators import id_check_char, mask_phone

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ExportColumn:
    """A column an app above ``members`` adds to the export, after the import's own (the permit number).

    ``value`` builds an expression over ``Member`` rows (correlated on
    ``OuterRef("pk")``), read in the export's own query. The import reads
    only ``ROSTER_HEADERS`` and leaves any other column alone, so these are
    for reading: a full export with them imports back unchanged.
    """

    header: str
    value: Callable[[], Expression]


_extra_columns: list[ExportColumn] = []


def register_export_column(column: ExportColumn) -> ExportColumn:
    """Add a column; a second registration under the same header replaces the first."""
    _extra_columns[:] = [c for c in _extra_columns if c.header != column.header]
    _extra_columns.append(column)
    return column


def extra_headers() -> list[str]:
    return [column.header for column in _extra_columns]


def filter_roster(queryset: QuerySet[Member], params: Mapping[str, str], *, user) -> QuerySet[Member]:
    """Apply the roster list's filter parameters to an already permission-scoped queryset.

    q (name or phone digits), group (id), status, itinerant, province (code),
    hardship (only for a ``user`` who may see it; ignored otherwise), activated
    (or login: has a login), with yes/no or 1/0, state (active by default;
    "all" for every state) and each registered badge (``badge_<key>``: holds a
    permit, in transit), as the roster list reads them. Unknown values
    filter nothing rather than erroring, as a hand-edited URL should still give a file.
    """
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(name_or_phone(q))
    group = parse_id(params.get("group"))
    if group is not None:
        queryset = queryset.filter(group_id=group)
    status = params.get("status")
    if status in Member.Status.values:
        queryset = queryset.filter(status=status)
    province = params.get("province")
    if province in PROVINCE_NAMES:
        queryset = queryset.filter(province=province)
    itinerant = _yes_no(params, "itinerant")
    if itinerant is not None:
        queryset = queryset.filter(is_itinerant=itinerant)
    in_hardship = _yes_no(params, "hardship")
    condition = None if in_hardship is None else hardship_filter(user, in_hardship)
    if condition is not None:
        queryset = queryset.filter(condition)
    activated = _yes_no(params, "activated", "login")
    if activated is not None:
        queryset = queryset.filter(user__isnull=not activated)
    state = params.get("state") or Member.State.ACTIVE
    if state in Member.State.values:
        queryset = queryset.filter(state=state)
    for badge in badges.registered():
        wanted = _yes_no(params, badge.attribute)
        if wanted is not None:
            queryset = queryset.filter(badge.condition()) if wanted else queryset.exclude(badge.condition())
    return queryset


def _yes_no(params: Mapping[str, str], *names: str) -> bool | None:
    value = next((params.get(name) for name in names if params.get(name)), "").lower()
    if value in TRUE_VALUES:
        return True
    return False if value in FALSE_VALUES else None


def _row(member: Member, full: bool) -> list:
    return [
        member.name,
        GENDER_LABELS.get(member.gender, ""),
        _national(member.phone) if full else member.masked_phone,
        (member.id_number or "") if full else member.masked_id_number,
        member.birth_date,
        member.joined_party_on,
        member.full_member_on,
        STATUS_LABELS.get(member.status, ""),
        member.group.name if member.group else "",
        YES if member.is_itinerant else NO,
        PROVINCE_NAMES.get(member.province, ""),
        member.city,
        member.workplace,
        member.emergency_contact,
        _national(member.emergency_phone) if full else mask_phone(member.emergency_phone),
    ]


def _national(phone: str) -> str:
    # 11 digits, as secretaries type them and as the import reads them back.
    return phone[3:] if phone.startswith("+86") else phone


def roster_workbook(members: QuerySet[Member], *, full: bool = False) -> tuple[bytes, int]:
    """The members as an .xlsx, and how many rows it holds."""
    workbook = Workbook(write_only=True)
    extra = {f"extra_{n}": column for n, column in enumerate(_extra_columns)}
    if full:
        sheet = workbook.create_sheet(title="花名册")
        sheet.append([*ROSTER_HEADERS, *extra_headers()])
    else:
        # Masked numbers would overwrite the real ones: the file says it is for reading, and the import refuses it.
        sheet = workbook.create_sheet(title=MASKED_SHEET_TITLE)
        sheet.append([*ROSTER_HEADERS, MASKED_NOTE, *extra_headers()])
    # The masked file's note stands right after the import's columns; the extra ones follow it.
    gap = [] if full else [None]
    members = members.annotate(**{name: column.value() for name, column in extra.items()})
    count = 0
    for member in members.select_related("group").order_by("organization_id", "name", "pk").iterator(chunk_size=2000):
        cells = [*_row(member, full), *gap, *(getattr(member, name) or "" for name in extra)]
        sheet.append([safe_cell(cell) for cell in cells])
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def export_roster(user, members: QuerySet[Member], *, full: bool = False, organization=None) -> bytes:
    """Build the export; a full (unmasked) one is written to the roster's audit log with its size."""
    data, count = roster_workbook(members, full=full)
    if full:
        record_change(
            None,
            user,
            MemberChange.Action.EXPORTED,
            organization=organization,
            note=ngettext("%(count)d row", "%(count)d rows", count) % {"count": count},
        )
    return data


# Region code 510000 is a province-level code that no real card carries.
EXAMPLE_ID_NUMBER = "51000019850701001" + id_check_char("51000019850701001")


def template_rows() -> Iterable[list]:
    """The import template: the headers and one fictitious example row."""
    yield list(ROSTER_HEADERS)
    yield [
        safe_cell(cell)
        for cell in (
            "张三",
            "男",
            "17000000001",
            EXAMPLE_ID_NUMBER,
            "1985-07-01",
            "2010-07-01",
            "2011-07-01",
            "正式党员",
            "",
            "是",
            "广东",
            "深圳",
            "某建筑公司",
            "李四",
            "17000000002",
        )
    ]
