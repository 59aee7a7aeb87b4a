"""Reading an uploaded roster file: bytes → ``Table`` (header + rows of cell values), or ``RosterFileError``.

The kind of file is told by its content, never its name: an .xlsx is a zip
with the workbook's parts, an old .xls or an encrypted .xlsx is an OLE
container, and anything else must be text (UTF-8, UTF-8 with BOM, GBK).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext_noop
from openpyxl import load_workbook

from ..errors import RosterFileError
from ..spreadsheets import MASKED_MARK, REQUIRED_HEADERS, ROSTER_HEADERS
from .messages import Message

MAX_ROWS = 20_000
# A workbook whose parts inflate beyond this is a zip bomb, not a roster.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Encrypted .xlsx files are OLE containers with this stream name (UTF-16).
ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


@dataclass
class Table:
    """A sheet as read: the header names and the data rows (row number, values by header)."""

    headers: list[str]
    rows: list[tuple[int, dict[str, object]]]

    @property
    def total(self) -> int:
        return len(self.rows)


def read_roster(data: bytes, max_rows: int = MAX_ROWS) -> Table:
    """Read an .xlsx or a .csv (UTF-8, UTF-8 with BOM, GBK) by its content, not its name."""
    if data.startswith(XLSX_MAGIC):
        header, rows = _xlsx_rows(data, max_rows)
    elif data.startswith(OLE_MAGIC):
        if ENCRYPTION_MARK in data:
            raise RosterFileError(
                Message(
                    gettext_noop(
                        "The workbook is password-protected. Remove the password in Excel and upload it again."
                    )
                ),
                "encrypted",
            )
        raise RosterFileError(
            Message(
                gettext_noop(
                    "This is an old-style .xls workbook. Save it as .xlsx (Excel workbook) and upload it again."
                )
            ),
            "xls",
        )
    else:
        header, rows = _csv_rows(data, max_rows)
    headers = [_header_text(cell) for cell in header]
    if any(name.startswith(MASKED_MARK) for name in headers):
        raise RosterFileError(
            Message(
                gettext_noop(
                    "This is the masked roster export, for reading only: its phone and ID numbers are hidden, so "
                    "importing it would overwrite the real ones. Export the roster with full data to import it back."
                )
            ),
            "masked_export",
        )
    missing = [name for name in REQUIRED_HEADERS if name not in headers]
    if missing:
        raise RosterFileError(
            Message(
                gettext_noop(
                    "The first row must hold the column headers; missing: %(columns)s. "
                    "Download the template to see them."
                ),
                {"columns": "、".join(missing)},
            ),
            "missing_headers",
        )
    known = [(index, name) for index, name in enumerate(headers) if name in ROSTER_HEADERS]
    table = Table(headers=[name for _index, name in known], rows=[])
    for number, cells in rows:
        values = {name: cells[index] if index < len(cells) else None for index, name in known}
        if any(is_filled(value) for value in values.values()):
            table.rows.append((number, values))
    return table


def _header_text(cell: object) -> str:
    # Headers typed with a trailing space or a full-width space still match.
    return str(cell or "").replace("\u3000", " ").strip().lstrip("*").strip()


def is_filled(value: object) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def _too_many(max_rows: int) -> RosterFileError:
    return RosterFileError(
        Message(
            gettext_noop("The file has more than %(max)s rows. Split it into smaller files."), {"max": f"{max_rows:,}"}
        ),
        "too_many_rows",
    )


def _not_spreadsheet() -> RosterFileError:
    return RosterFileError(
        Message(gettext_noop("The file is not an Excel workbook (.xlsx) or a CSV file.")), "not_spreadsheet"
    )


def _xlsx_rows(data: bytes, max_rows: int) -> tuple[list, list[tuple[int, list]]]:
    damaged = RosterFileError(
        Message(
            gettext_noop("The workbook is damaged and cannot be read. Open it in Excel, save it again and upload it.")
        ),
        "corrupt",
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
        raise _not_spreadsheet()
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
            if not any(is_filled(value) for value in cells):
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
    raise _not_spreadsheet()


def _csv_rows(data: bytes, max_rows: int) -> tuple[list, list[tuple[int, list]]]:
    # Text has no NUL and no other control characters but tab and line breaks:
    # images, PDFs and archives all do within their first bytes.
    head = data[:4096]
    if b"\x00" in head or any(byte < 9 or 13 < byte < 32 for byte in head if byte != 27):
        raise _not_spreadsheet()
    text = decode_text(data)
    if not text.strip():
        raise _not_spreadsheet()
    # Only the delimiter is guessed: spreadsheets quote with ", and the sniffer takes the
    # apostrophes of the export's formula guard ('=…) for quotes.
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
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
        raise _not_spreadsheet() from None
    return header, rows
