"""Roster files for the import tests: rows in the template's columns, as CSV or as a workbook."""

import datetime as dt
import io

from openpyxl import Workbook

from members.spreadsheets import ROSTER_HEADERS
from members.tests.factories import id_number, phone_number

HEADERS = list(ROSTER_HEADERS)


def row(n: int, **overrides) -> list:
    values = {
        "姓名": f"导入{n}",
        "性别": "男" if n % 2 else "女",
        "手机号": phone_number(10_000 + n)[3:],
        "身份证号": id_number(n, dt.date(1980, 1, 1) + dt.timedelta(days=n % 5000)),
        "出生日期": "",
        "入党日期": "2010-07-01",
        "转正日期": "2011-07-01",
        "党员状态": "正式党员",
        "所在党小组": "",
        "是否流动党员": "是",
        "外出省份": "广东省",
        "外出城市": "深圳",
        "工作单位": "某公司",
        "紧急联系人": "家属",
        "联系电话": "17000009999",
    }
    values.update(overrides)
    return [values[header] for header in HEADERS]


def csv_bytes(rows: list[list], encoding: str = "utf-8", headers: list[str] = HEADERS) -> bytes:
    lines = [",".join(headers)] + [",".join(str(cell) for cell in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
