"""Roster import: read a spreadsheet, plan what it changes, then apply the plan all or nothing.

Steps, each a function the web views, the Celery tasks and ``manage.py
import_roster`` share:

- ``read_roster(data)``: bytes → ``Table`` (header + rows of cell values), or
  ``RosterFileError`` for anything that is not a usable spreadsheet.
- ``plan_import(table, branch)``: what each row would create, update or leave
  unchanged, and what is wrong with it (``Member.full_clean`` so the rules are
  the model's). Reads the database in a few chunked queries, writes nothing.
- ``apply_plan(plan, branch, user)``: writes the plan in bulk inside the
  caller's transaction, with one ``MemberChange`` per created/updated member.
- ``preview_import`` / ``confirm_import``: the ``RosterImport`` life cycle.
"""

from __future__ import annotations

import codecs
import copy
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from branches.models import Organization, Role

from .models import Member, MemberChange, RosterImport
from .spreadsheets import (
    GENDER_LABELS,
    HEADER_OF_FIELD,
    NO,
    REQUIRED_HEADERS,
    ROSTER_HEADERS,
    STATUS_LABELS,
    YES,
    province_code,
    safe_cell,
)
from .validators import id_check_char, mask_phone, normalize_id_number, normalize_phone

MAX_ROWS = 20_000
# A workbook whose parts inflate beyond this is a zip bomb, not a roster.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
# Rows per IN (...) query: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 1000
# Rows kept in the stored preview; the counts cover every row.
PREVIEW_SAMPLE = 500
MAX_STORED_ERRORS = 1000
PROGRESS_EVERY = 500

# The fields a row can set, in the order the comparison reports them.
ROW_FIELDS = (
    "name",
    "gender",
    "phone",
    "id_number",
    "birth_date",
    "joined_party_on",
    "full_member_on",
    "status",
    "group",
    "is_itinerant",
    "province",
    "city",
    "workplace",
    "emergency_contact",
    "emergency_phone",
)
DATE_FIELDS = {"birth_date", "joined_party_on", "full_member_on"}
GENDERS = {label: code for code, label in GENDER_LABELS.items()}
STATUSES = {label: code for code, label in STATUS_LABELS.items()}
BOOLEANS = {YES: True, NO: False}
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Encrypted .xlsx files are OLE containers with this stream name (UTF-16).
ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


class RosterFileError(Exception):
    """The file cannot be read as a roster at all; nothing was written."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Table:
    """A sheet as read: the header names and the data rows (row number, values by header)."""

    headers: list[str]
    rows: list[tuple[int, dict[str, object]]]

    @property
    def total(self) -> int:
        return len(self.rows)


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


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


# --- Reading ---------------------------------------------------------------------


def read_roster(data: bytes, max_rows: int = MAX_ROWS) -> Table:
    """Read an .xlsx or a .csv (UTF-8, UTF-8 with BOM, GBK) by its content, not its name."""
    if data.startswith(XLSX_MAGIC):
        header, rows = _xlsx_rows(data, max_rows)
    elif data.startswith(OLE_MAGIC):
        if ENCRYPTION_MARK in data:
            raise RosterFileError(
                _("The workbook is password-protected. Remove the password in Excel and upload it again."),
                "encrypted",
            )
        raise RosterFileError(
            _("This is an old-style .xls workbook. Save it as .xlsx (Excel workbook) and upload it again."), "xls"
        )
    else:
        header, rows = _csv_rows(data, max_rows)
    headers = [_header_text(cell) for cell in header]
    missing = [name for name in REQUIRED_HEADERS if name not in headers]
    if missing:
        raise RosterFileError(
            _("The first row must hold the column headers; missing: %(columns)s. Download the template to see them.")
            % {"columns": "、".join(missing)},
            "missing_headers",
        )
    known = [(index, name) for index, name in enumerate(headers) if name in ROSTER_HEADERS]
    table = Table(headers=[name for _index, name in known], rows=[])
    for number, cells in rows:
        values = {name: cells[index] if index < len(cells) else None for index, name in known}
        if any(_is_filled(value) for value in values.values()):
            table.rows.append((number, values))
    return table


def _header_text(cell: object) -> str:
    # Headers typed with a trailing space or a full-width space still match.
    return str(cell or "").replace("\u3000", " ").strip().lstrip("*").strip()


def _is_filled(value: object) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def _too_many(max_rows: int) -> RosterFileError:
    return RosterFileError(
        _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{max_rows:,}"},
        "too_many_rows",
    )


def _xlsx_rows(data: bytes, max_rows: int) -> tuple[list, list[tuple[int, list]]]:
    damaged = RosterFileError(
        _("The workbook is damaged and cannot be read. Open it in Excel, save it again and upload it."), "corrupt"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise damaged
            if archive.testzip() is not None:
                raise damaged
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise damaged from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise RosterFileError(_("The file is not an Excel workbook (.xlsx) or a CSV file."), "not_spreadsheet")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises anything from KeyError to XML errors on a broken part
        raise damaged from None
    try:
        sheet = workbook.worksheets[0]
        header: list = []
        rows: list[tuple[int, list]] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number == 1:
                header = list(cells)
                continue
            if not any(_is_filled(value) for value in cells):
                continue
            if len(rows) >= max_rows:
                raise _too_many(max_rows)
            rows.append((number, list(cells)))
    except RosterFileError:
        raise
    except Exception:
        raise damaged from None
    finally:
        workbook.close()
    return header, rows


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; else GB18030, the superset of the GBK that Excel writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(_("The file is not an Excel workbook (.xlsx) or a CSV file."), "not_spreadsheet")


def _csv_rows(data: bytes, max_rows: int) -> tuple[list, list[tuple[int, list]]]:
    not_spreadsheet = RosterFileError(_("The file is not an Excel workbook (.xlsx) or a CSV file."), "not_spreadsheet")
    # Text has no NUL and no other control characters but tab and line breaks:
    # images, PDFs and archives all do within their first bytes.
    head = data[:4096]
    if b"\x00" in head or any(byte < 9 or 13 < byte < 32 for byte in head if byte != 27):
        raise not_spreadsheet
    text = decode_text(data)
    if not text.strip():
        raise not_spreadsheet
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header: list = []
    rows: list[tuple[int, list]] = []
    try:
        for cells in reader:
            number = reader.line_num
            if not header:
                header = cells
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise _too_many(max_rows)
            rows.append((number, cells))
    except csv.Error:
        raise not_spreadsheet from None
    return header, rows


# --- Cell values -----------------------------------------------------------------


class CellError(Exception):
    pass


def parse_date(value: object) -> dt.date:
    """2019-07-01, 2019/7/1, 2019年7月1日, 20190701, Excel date cells and Excel serial numbers."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value)
    text = str(value).strip()
    match = DATE_PATTERN.match(text)
    try:
        if match:
            return dt.date(*(int(part) for part in match.groups()))
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        # A CSV saved from Excel writes an unformatted date cell as its serial.
        if re.fullmatch(r"\d{4,5}(\.0+)?", text):
            return _from_serial(float(text))
    except ValueError:
        pass
    raise CellError(_("“%(value)s” is not a date; write it as 2019-07-01.") % {"value": text})


def _from_serial(value: float) -> dt.date:
    # Serials before 1900-03-01 sit on Excel's fictitious 29 February 1900.
    if not 61 <= value < 2958466:
        raise CellError(_("“%(value)s” is not a date; write it as 2019-07-01.") % {"value": value})
    return from_excel(value).date()


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _choice(value: object, choices: dict, column: str) -> object:
    text = _text(value)
    if text not in choices:
        raise CellError(
            _("“%(value)s” is not allowed here; write one of: %(choices)s.")
            % {"value": text, "choices": "、".join(choices)}
        )
    return choices[text]


def _id_number(value: object) -> str:
    if isinstance(value, float):
        raise CellError(
            _("Excel stored the ID number as a number and dropped digits. Format the column as text and type it again.")
        )
    return _text(value)


# --- Planning --------------------------------------------------------------------


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
        values, errors = _parse_row(cells, groups)
        plan.errors.extend(RowError(number, column, message) for column, message in errors)
        parsed.append((number, values))
        if "phone" in values:
            plan.phones.add(values["phone"])
        if values.get("id_number"):
            plan.id_numbers.add(values["id_number"])

    by_phone, by_id = _existing(plan.phones, plan.id_numbers, lock=lock)
    plan.seen = {(m.pk, m.updated_at) for m in (*by_phone.values(), *by_id.values())}
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
                message = _("The same phone number is on row %(row)s.") % {"row": first_phone[phone]}
                plan.errors.append(RowError(number, "手机号", message))
                duplicate = True
            else:
                first_phone[phone] = number
        if id_number:
            if id_number in first_id:
                message = _("The same ID number is on row %(row)s.") % {"row": first_id[id_number]}
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
        candidate = copy.copy(existing) if existing else Member(organization=branch)
        candidate.organization = branch
        for name, value in values.items():
            setattr(candidate, name, value)
        if "id_number" in values and "birth_date" not in values:
            # The ID number carries the birth date; clean() takes it from there.
            candidate.birth_date = None
        clean_errors = _full_clean(candidate)
        if not candidate.phone:
            clean_errors.append(("手机号", _("Enter a mobile phone number.")))
        if clean_errors:
            plan.errors.extend(RowError(number, column, message) for column, message in clean_errors)
            continue
        if existing is None:
            plan.create.append(Planned(number, candidate))
            continue
        changes = _differences(existing, candidate)
        if changes:
            candidate.updated_at = timezone.now()
            plan.update.append(Planned(number, candidate, changes))
        else:
            plan.unchanged.append(number)
    if progress:
        progress(plan.total)
    plan.errors.sort(key=lambda error: error.row)
    return plan


def _parse_row(cells: dict[str, object], groups: dict[str, Organization]) -> tuple[dict, list[tuple[str, str]]]:
    """Cell values → Member field values. Empty cells are left out: they keep what the roster has."""
    values: dict[str, object] = {}
    errors: list[tuple[str, str]] = []
    for header, field_name in zip(ROSTER_HEADERS, ROW_FIELDS, strict=True):
        if header not in cells or not _is_filled(cells[header]):
            continue
        raw = cells[header]
        try:
            if field_name in DATE_FIELDS:
                values[field_name] = parse_date(raw)
            elif field_name == "gender":
                values[field_name] = _choice(raw, GENDERS, header)
            elif field_name == "status":
                values[field_name] = _choice(raw, STATUSES, header)
            elif field_name == "is_itinerant":
                values[field_name] = _choice(raw, BOOLEANS, header)
            elif field_name == "phone":
                values[field_name] = normalize_phone(_text(raw))
            elif field_name == "id_number":
                values[field_name] = normalize_id_number(_id_number(raw))
            elif field_name == "group":
                name = _text(raw)
                if name not in groups:
                    raise CellError(_("The branch has no group named “%(name)s”.") % {"name": name})
                values[field_name] = groups[name]
            elif field_name == "province":
                code = province_code(_text(raw))
                if code is None:
                    raise CellError(_("“%(value)s” is not a province of China.") % {"value": _text(raw)})
                values[field_name] = code
            else:
                values[field_name] = _text(raw)
        except CellError as exc:
            errors.append((header, str(exc)))
        except ValidationError as exc:
            errors.append((header, " ".join(exc.messages)))
    return values, errors


def _existing(phones: set[str], id_numbers: set[str], *, lock: bool) -> tuple[dict, dict]:
    """Every member, in any branch, holding one of the phones or ID numbers: a few chunked queries."""
    by_phone: dict[str, Member] = {}
    by_id: dict[str, Member] = {}
    phone_list, id_list = sorted(phones), sorted(id_numbers)
    for start in range(0, max(len(phone_list), len(id_list)), CHUNK):
        condition = Q(phone__in=phone_list[start : start + CHUNK]) | Q(id_number__in=id_list[start : start + CHUNK])
        queryset = Member.objects.filter(condition).select_related("group").order_by()
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        for member in queryset:
            by_phone[member.phone] = member
            if member.id_number:
                by_id[member.id_number] = member
    return by_phone, by_id


def _match(
    phone: str | None, id_number: str | None, by_phone: dict, by_id: dict, branch: Organization
) -> tuple[Member | None, list[tuple[str, str]]]:
    holder = by_phone.get(phone) if phone else None
    id_holder = by_id.get(id_number) if id_number else None
    errors = []
    # Other branches' members are named by nothing: the secretary learns only that the number is taken.
    if holder and holder.organization_id != branch.pk:
        message = _("This phone number belongs to a member of another branch; it cannot be moved here.")
        errors.append(("手机号", message))
    if id_holder and id_holder.organization_id != branch.pk:
        errors.append(("身份证号", _("This ID number belongs to a member of another branch; it cannot be moved here.")))
    if not errors and holder and id_holder and holder.pk != id_holder.pk:
        errors.append(("身份证号", _("The phone number and the ID number belong to two different members.")))
    if errors:
        return None, errors
    return holder or id_holder, []


def _full_clean(member: Member) -> list[tuple[str, str]]:
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
            (HEADER_OF_FIELD.get(name, "") if name != NON_FIELD_ERRORS else "", message)
            for name, messages in exc.message_dict.items()
            for message in messages
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


def _differences(old: Member, new: Member) -> dict[str, list[str]]:
    changes = {}
    for name in ROW_FIELDS:
        before = old.group_id if name == "group" else getattr(old, name)
        after = new.group_id if name == "group" else getattr(new, name)
        if before != after:
            changes[name] = [_display(old, name), _display(new, name)]
    return changes


# --- Applying --------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int


def apply_plan(plan: ImportPlan, branch: Organization, user, *, note: str = "") -> ImportResult:
    """Write an error-free plan in bulk; the caller holds the transaction that makes it all or nothing."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    actor = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    created = Member.objects.bulk_create([p.member for p in plan.create], batch_size=CHUNK)
    fields = sorted({name for p in plan.update for name in p.changes})
    if plan.update:
        Member.objects.bulk_update([p.member for p in plan.update], [*fields, "updated_at"], batch_size=CHUNK)
    log = [
        MemberChange(
            member_id=member.pk,
            organization=branch,
            user=actor,
            at=now,
            action=MemberChange.Action.IMPORTED,
            changes={},
            note=note[:200],
        )
        for member in created
    ] + [
        MemberChange(
            member_id=p.member.pk,
            organization=branch,
            user=actor,
            at=now,
            action=MemberChange.Action.IMPORTED,
            changes=p.changes,
            note=note[:200],
        )
        for p in plan.update
    ]
    MemberChange.objects.bulk_create(log, batch_size=CHUNK)
    return ImportResult(created=len(created), updated=len(plan.update), unchanged=len(plan.unchanged))


def importable_branches(user):
    """Branches the user may import into: under a role other than group admin."""
    branches = Organization.objects.filter(kind=Organization.Kind.BRANCH)
    if getattr(user, "is_superuser", False):
        return branches
    if not getattr(user, "is_authenticated", False):
        return branches.none()
    paths = list(
        Role.objects.filter(user=user)
        .exclude(kind=Role.Kind.GROUP_ADMIN)
        .values_list("organization__path", flat=True)
        .distinct()
    )
    if not paths:
        return branches.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return branches.filter(condition)


def is_async(total_rows: int) -> bool:
    return total_rows >= settings.ROSTER_IMPORT_ASYNC_ROWS


# --- The RosterImport life cycle ----------------------------------------------------


def _progress_of(roster_import: RosterImport) -> Callable[[int], None]:
    def report(done: int) -> None:
        # Committed on its own (autocommit), so the status page sees it while the work goes on.
        RosterImport.objects.filter(pk=roster_import.pk).update(processed_rows=done)

    return report


def _table_of(roster_import: RosterImport) -> Table:
    with roster_import.file.open("rb") as handle:
        return read_roster(handle.read())


def _store_errors(plan: ImportPlan) -> list[dict]:
    return [error.as_dict() for error in plan.errors[:MAX_STORED_ERRORS]]


def preview_import(roster_import_id: int) -> RosterImport | None:
    """Plan an uploaded import and store the preview. Does nothing if the preview is already there."""
    claimed = RosterImport.objects.filter(
        pk=roster_import_id,
        status__in=[RosterImport.Status.QUEUED, RosterImport.Status.RUNNING],
        summary__has_key="phase",
    ).update(status=RosterImport.Status.RUNNING, processed_rows=0)
    roster_import = RosterImport.objects.select_related("organization").filter(pk=roster_import_id).first()
    if not claimed or roster_import is None:
        return roster_import
    try:
        plan = plan_import(_table_of(roster_import), roster_import.organization, progress=_progress_of(roster_import))
    except RosterFileError as exc:
        _fail(roster_import, exc.message)
        return roster_import
    except Exception:
        _fail(roster_import, _("The preview failed unexpectedly; nothing was imported."))
        raise
    roster_import.status = RosterImport.Status.PREVIEWED
    roster_import.total_rows = plan.total
    roster_import.processed_rows = plan.total
    roster_import.summary = plan.summary()
    roster_import.errors = _store_errors(plan)
    roster_import.save(update_fields=["status", "total_rows", "processed_rows", "summary", "errors"])
    return roster_import


def create_import(data_file, branch: Organization, user, table: Table) -> RosterImport:
    """Save an uploaded file; small ones are previewed at once, large ones by a task after commit."""
    from .tasks import preview_roster_import

    roster_import = RosterImport(
        organization=branch,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        file=data_file,
        filename=(getattr(data_file, "name", "") or "roster")[-200:],
        total_rows=table.total,
        status=RosterImport.Status.QUEUED,
        summary={"phase": "preview"},
    )
    if not is_async(table.total):
        plan = plan_import(table, branch)
        roster_import.status = RosterImport.Status.PREVIEWED
        roster_import.processed_rows = plan.total
        roster_import.summary = plan.summary()
        roster_import.errors = _store_errors(plan)
        roster_import.save()
        return roster_import
    roster_import.save()
    preview_roster_import.delay_on_commit(roster_import.pk)
    return roster_import


def request_confirm(roster_import: RosterImport) -> bool:
    """Start the confirm of a clean preview: at once if small, else by a task. False if not confirmable."""
    from .tasks import confirm_roster_import

    if roster_import.summary.get("errors", 1) != 0:
        return False
    updated = RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.PREVIEWED).update(
        status=RosterImport.Status.QUEUED, processed_rows=0
    )
    if not updated:
        return False
    if is_async(roster_import.total_rows):
        confirm_roster_import.delay_on_commit(roster_import.pk)
    else:
        confirm_import(roster_import.pk)
    return True


def confirm_import(roster_import_id: int) -> RosterImport | None:
    """Apply a previewed import all or nothing. A second call (a redelivered task) does nothing."""
    claimed = (
        RosterImport.objects.filter(
            pk=roster_import_id, status__in=[RosterImport.Status.QUEUED, RosterImport.Status.RUNNING]
        )
        .exclude(summary__has_key="phase")
        .update(status=RosterImport.Status.RUNNING, processed_rows=0)
    )
    roster_import = (
        RosterImport.objects.select_related("organization", "created_by").filter(pk=roster_import_id).first()
    )
    if not claimed or roster_import is None:
        return roster_import
    branch = roster_import.organization
    try:
        table = _table_of(roster_import)
        # The slow part (parsing, validating) runs outside the transaction so its progress shows.
        plan = plan_import(table, branch, progress=_progress_of(roster_import))
        with transaction.atomic():
            locked = RosterImport.objects.select_for_update().get(pk=roster_import_id)
            if locked.status == RosterImport.Status.DONE:
                return locked
            by_phone, by_id = _existing(plan.phones, plan.id_numbers, lock=True)
            if {(m.pk, m.updated_at) for m in (*by_phone.values(), *by_id.values())} != plan.seen:
                # The roster changed since the plan: plan again under the locks.
                plan = plan_import(table, branch, lock=True)
            if plan.errors:
                locked.status = RosterImport.Status.FAILED
                locked.summary = plan.summary()
                locked.errors = _store_errors(plan)
                locked.finished_at = timezone.now()
                locked.save(update_fields=["status", "summary", "errors", "finished_at"])
                return locked
            result = apply_plan(
                plan, branch, roster_import.created_by, note=_("Import of %(file)s") % {"file": roster_import.filename}
            )
            locked.status = RosterImport.Status.DONE
            locked.processed_rows = plan.total
            locked.summary = {
                **plan.summary(),
                "created": result.created,
                "updated": result.updated,
                "unchanged_done": result.unchanged,
            }
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "processed_rows", "summary", "finished_at"])
            return locked
    except RosterFileError as exc:
        _fail(roster_import, exc.message)
    except IntegrityError:
        _fail(roster_import, _("The roster changed while importing; nothing was imported. Upload the file again."))
    except Exception:
        _fail(roster_import, _("The import failed unexpectedly; nothing was imported."))
        raise
    roster_import.refresh_from_db()
    return roster_import


def _fail(roster_import: RosterImport, message: str) -> None:
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.FAILED,
        errors=[{"row": 0, "column": "", "message": str(message)}],
        finished_at=timezone.now(),
    )


# --- The template ------------------------------------------------------------------


# Region code 510000 is a province-level code that no real card carries.
EXAMPLE_ID_NUMBER = "51000019850701001" + id_check_char("51000019850701001")


def template_rows() -> Iterable[list]:
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
