"""The full roster export imports back through the real upload → preview → confirm path changing nothing."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from branches.tests.factories import GroupFactory
from members.imports import read_roster
from members.imports.cells import parse_row
from members.models import Member, MemberChange, RosterImport
from members.spreadsheets import MASKED_MARK, ROSTER_HEADERS, safe_cell, unguard_cell
from members.tests.factories import MemberFactory, id_number
from members.tests.roster_files import row, xlsx_bytes

pytestmark = pytest.mark.django_db

MASKED_MESSAGE = (
    "This is the masked roster export, for reading only: its phone and ID numbers are hidden, so "
    "importing it would overwrite the real ones. Export the roster with full data to import it back."
)


@pytest.fixture
def tricky_roster(branch_a):
    """Entries whose values a spreadsheet or a careless guard would mangle."""
    group = GroupFactory(parent=branch_a, name="=深圳组")
    other_group = GroupFactory(parent=branch_a, name="一组")
    return [
        MemberFactory(
            organization=branch_a,
            name="=张三",
            group=group,
            province="44",
            city="@深圳",
            workplace="+中建三局",
            emergency_contact="-母亲",
            # As older entries and the demo data keep it: E.164, not 11 digits.
            emergency_phone="+8617000005033",
        ),
        MemberFactory(
            organization=branch_a,
            name="-李喆",
            group=other_group,
            province="45",
            city="南宁",
            workplace="=1+1",
            emergency_contact="王堃",
            emergency_phone="13911112222",
            birth_date=dt.date(1990, 2, 28),
            id_number=id_number(77, dt.date(1990, 2, 28)),
            joined_party_on=dt.date(2016, 2, 29),
            full_member_on=dt.date(2017, 3, 1),
        ),
        MemberFactory(
            organization=branch_a,
            name="@镕",
            city="'引号开头",
            workplace="'=已加引号",
            emergency_contact="",
            emergency_phone="",
        ),
        # Only what the model requires: every optional field empty.
        MemberFactory(
            organization=branch_a,
            name="𠮷田",
            gender=Member.Gender.FEMALE,
            id_number=None,
            birth_date=None,
            full_member_on=None,
            status=Member.Status.PROBATIONARY,
            is_itinerant=False,
            province="",
            city="",
            workplace="",
        ),
    ]


def snapshot() -> list[dict]:
    return list(Member.objects.order_by("pk").values())


def upload(client, branch, data: bytes, name: str = "roster.xlsx"):
    return client.post(
        reverse("roster_import:upload"), {"organization": branch.pk, "file": SimpleUploadedFile(name, data)}
    )


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def test_the_full_export_imports_back_changing_nothing(client, secretary, branch_a, tricky_roster):
    client.force_login(secretary)
    before = snapshot()
    exported = client.get(reverse("roster_import:export"), {"full": "1"})
    assert exported.status_code == 200

    response = upload(client, branch_a, exported.content)
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert roster_import.status == RosterImport.Status.PREVIEWED
    assert roster_import.errors == []
    assert roster_import.summary["create"] == roster_import.summary["update"] == 0
    assert roster_import.summary["unchanged"] == len(tricky_roster)

    client.post(reverse("roster_import:confirm", args=[roster_import.pk]))
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert roster_import.summary["updated"] == roster_import.summary["created"] == 0
    assert snapshot() == before
    assert not MemberChange.objects.filter(action=MemberChange.Action.IMPORTED).exists()


def test_the_full_export_writes_no_formula_and_keeps_numbers_as_they_are(client, secretary, tricky_roster):
    client.force_login(secretary)
    sheet = load_workbook(io.BytesIO(client.get(reverse("roster_import:export"), {"full": "1"}).content)).active
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
    rows = {line[0]: line for line in sheet.iter_rows(min_row=2, values_only=True)}
    zhang = rows["'=张三"]
    assert zhang[8] == "'=深圳组"
    assert (zhang[11], zhang[12], zhang[13], zhang[14]) == ("@深圳", "+中建三局", "-母亲", "17000005033")
    assert rows["-李喆"][12] == "'=1+1"
    assert (rows["@镕"][11], rows["@镕"][12]) == ("''引号开头", "''=已加引号")


def test_the_export_converted_to_gbk_csv_imports_back_changing_nothing(client, secretary, branch_a, tricky_roster):
    """A secretary may open the export and save it as CSV; what was written reads back the same."""
    client.force_login(secretary)
    for member in tricky_roster:
        if member.name == "𠮷田":
            # 𠮷 is outside GBK: Excel's Chinese CSV could not hold this name.
            member.delete()
    before = snapshot()
    sheet = load_workbook(io.BytesIO(client.get(reverse("roster_import:export"), {"full": "1"}).content)).active
    text = io.StringIO()
    writer = csv.writer(text)
    for line in sheet.iter_rows(values_only=True):
        writer.writerow(
            ["" if v is None else v.strftime("%Y/%m/%d") if isinstance(v, dt.datetime) else v for v in line]
        )
    upload(client, branch_a, text.getvalue().encode("gbk"), "roster.csv")
    roster_import = RosterImport.objects.get()
    assert roster_import.errors == []
    assert roster_import.summary["unchanged"] == len(before)
    assert roster_import.summary["update"] == 0


def test_the_guard_is_undone_exactly_once():
    for value in ("=SUM(A1)", "'=SUM(A1)", "''", "'", "+8613812345678", "-1", "@a", "张三", "", 12, None):
        assert unguard_cell(safe_cell(value)) == value


def test_a_file_from_the_older_export_reads_back_without_its_apostrophes(branch_a):
    """Exports written before the guard was narrowed put an apostrophe before + - @ as well."""
    table = read_roster(
        xlsx_bytes([row(1, 姓名="'-李四", 工作单位="'@工地", 联系电话="'+8617000005033", 手机号="'17000010001")])
    )
    values, errors = parse_row(table.rows[0][1], {})
    assert errors == []
    assert values["name"] == "-李四"
    assert values["workplace"] == "@工地"
    assert values["emergency_phone"] == "17000005033"
    assert values["phone"] == "+8617000010001"


def test_the_masked_export_says_it_is_for_reading_only(client, secretary, member):
    client.force_login(secretary)
    workbook = load_workbook(io.BytesIO(client.get(reverse("roster_import:export")).content))
    sheet = workbook.active
    assert MASKED_MARK in sheet.title
    header = next(sheet.iter_rows(values_only=True))
    assert list(header[: len(ROSTER_HEADERS)]) == list(ROSTER_HEADERS)
    assert header[len(ROSTER_HEADERS)].startswith(MASKED_MARK)


def test_importing_the_masked_export_is_refused_with_its_reason(client, secretary, branch_a, tricky_roster):
    client.force_login(secretary)
    before = snapshot()
    masked = client.get(reverse("roster_import:export")).content
    response = upload(client, branch_a, masked)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [zh(MASKED_MESSAGE)]
    assert zh(MASKED_MESSAGE) != MASKED_MESSAGE
    # Saved as CSV, the mark is still in the header row.
    sheet = load_workbook(io.BytesIO(masked)).active
    text = "\n".join(",".join("" if v is None else str(v) for v in line) for line in sheet.iter_rows(values_only=True))
    response = upload(client, branch_a, text.encode("utf-8"), "roster.csv")
    assert response.context["form"].errors["file"] == [zh(MASKED_MESSAGE)]
    assert not RosterImport.objects.exists()
    assert snapshot() == before


def test_a_masked_number_without_the_mark_is_a_cell_error(client, secretary, branch_a, member):
    client.force_login(secretary)
    before = snapshot()
    upload(client, branch_a, xlsx_bytes([row(1, 手机号=member.masked_phone, 联系电话="139****2222")]))
    roster_import = RosterImport.objects.get()
    assert {error["column"] for error in roster_import.errors} == {"手机号", "联系电话"}
    assert all("139****2222" in e["message"] or member.masked_phone in e["message"] for e in roster_import.errors)
    assert roster_import.summary["create"] == 0
    assert snapshot() == before
