"""Reading roster files (every format and encoding a secretary has), and the command line."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from members.errors import RosterFileError
from members.imports import files, plan_import, read_roster
from members.imports.cells import parse_date
from members.models import Member, MemberChange
from members.spreadsheets import province_code
from members.tests.roster_files import HEADERS, csv_bytes, row, xlsx_bytes

# --- Reading -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_it_reads_csv_in_every_encoding_excel_writes(encoding):
    table = read_roster(csv_bytes([row(1), row(2, 外出城市="乌鲁木齐")], encoding))
    assert table.total == 2
    assert table.rows[0][1]["姓名"] == "导入1"
    assert table.rows[1][1]["外出城市"] == "乌鲁木齐"
    assert table.headers[0] == "姓名"


def test_it_reads_an_xlsx_by_its_content_whatever_the_file_is_called():
    table = read_roster(xlsx_bytes([row(1)]))
    assert table.total == 1
    assert table.rows[0] == (2, {h: cell if cell != "" else None for h, cell in zip(HEADERS, row(1), strict=True)})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-07-01", dt.date(2019, 7, 1)),
        ("2019/7/1", dt.date(2019, 7, 1)),
        ("2019年7月1日", dt.date(2019, 7, 1)),
        ("20190701", dt.date(2019, 7, 1)),
        (dt.datetime(2019, 7, 1, 0, 0), dt.date(2019, 7, 1)),
        (dt.date(2019, 7, 1), dt.date(2019, 7, 1)),
        (43647, dt.date(2019, 7, 1)),
        (43647.0, dt.date(2019, 7, 1)),
        ("43647", dt.date(2019, 7, 1)),
    ],
)
def test_it_reads_each_date_format(value, expected):
    assert parse_date(value) == expected


def test_it_reads_excel_date_cells_and_serials_from_a_workbook(db, branch_a):
    rows = [
        row(1, 入党日期=dt.datetime(2019, 7, 1), 转正日期=""),
        row(2, 入党日期=43647, 转正日期=""),
        row(3, 入党日期="2019年7月1日", 转正日期=""),
    ]
    plan = plan_import(read_roster(xlsx_bytes(rows)), branch_a)
    assert plan.errors == []
    assert {p.member.joined_party_on for p in plan.create} == {dt.date(2019, 7, 1)}


@pytest.mark.parametrize("text", ["广东", "广东省", "北京市", "广西壮族自治区", "广西", "内蒙古自治区", "新疆"])
def test_it_maps_province_names_with_or_without_suffix(text):
    assert province_code(text) is not None


def test_it_refuses_a_file_that_is_not_a_spreadsheet():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    with pytest.raises(RosterFileError) as info:
        read_roster(png)
    assert info.value.code == "not_spreadsheet"


def test_it_refuses_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(RosterFileError) as info:
        read_roster(buffer.getvalue())
    assert info.value.code == "not_spreadsheet"


def test_it_refuses_a_corrupt_workbook():
    data = xlsx_bytes([row(1)])
    with pytest.raises(RosterFileError) as info:
        read_roster(data[: len(data) // 2])
    assert info.value.code == "corrupt"


def test_it_refuses_an_encrypted_workbook():
    fake = files.OLE_MAGIC + bytes(100) + files.ENCRYPTION_MARK + bytes(100)
    with pytest.raises(RosterFileError) as info:
        read_roster(fake)
    assert info.value.code == "encrypted"


def test_it_refuses_more_than_20000_rows():
    with pytest.raises(RosterFileError) as info:
        read_roster(csv_bytes([row(n) for n in range(20_001)]))
    assert info.value.code == "too_many_rows"


def test_it_refuses_a_file_without_the_required_headers():
    with pytest.raises(RosterFileError) as info:
        read_roster(csv_bytes([["张三", "男"]], headers=["姓名", "性别"]))
    assert info.value.code == "missing_headers"
    assert "手机号" in str(info.value)


# --- Command line ---------------------------------------------------------------------------


def test_the_command_dry_run_changes_nothing_and_the_real_run_imports(tmp_path, branch_a):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([row(1), row(2)], "gbk"))
    out = io.StringIO()
    call_command("import_roster", str(path), organization=branch_a.code, dry_run=True, stdout=out)
    assert "to add:     2" in out.getvalue()
    assert Member.objects.count() == 0
    call_command("import_roster", str(path), organization=branch_a.code, stdout=io.StringIO())
    assert Member.objects.filter(organization=branch_a).count() == 2
    assert MemberChange.objects.filter(action=MemberChange.Action.IMPORTED, user=None).count() == 2


def test_the_command_fails_with_the_row_errors_and_imports_nothing(tmp_path, branch_a):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([row(1), row(2, 手机号="123")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), organization=branch_a.code, stdout=io.StringIO(), stderr=err)
    assert "row 3 [手机号]" in err.getvalue()
    assert Member.objects.count() == 0


def test_the_command_exits_non_zero_on_errors(tmp_path, branch_a):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    from members.management.commands.import_roster import Command

    with pytest.raises(SystemExit) as info:
        Command(stdout=io.StringIO(), stderr=io.StringIO()).run_from_argv(
            ["manage.py", "import_roster", str(path), "--organization", branch_a.code, "--skip-checks"]
        )
    assert info.value.code != 0
