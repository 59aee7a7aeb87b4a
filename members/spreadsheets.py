"""What every spreadsheet netbranch reads or writes shares: the roster columns and safe cells.

The roster columns are fixed Chinese headers, whatever the page language:
they are a file format that secretaries fill in and that the import reads.
"""

from __future__ import annotations

# What a CSV opened in a spreadsheet may run as a formula (OWASP CSV injection). Files
# written before the guard below was narrowed carry an apostrophe before any of them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Every file netbranch writes is an .xlsx from openpyxl: a text cell there is never run,
# and openpyxl turns text into a formula only when it starts with "=". So "+8613812345678",
# "-1" or "@home" stay the data they are. The apostrophe is the guard's own mark, so text
# that starts with one is marked as well: ``unguard_cell`` then strips exactly one and an
# export reads back as it was. (A CSV writer would need the whole FORMULA_PREFIXES set,
# with numbers such as +8613812345678 left alone.)
GUARDED_PREFIXES = ("=", "'")
GUARD = "'"


def safe_cell(value):
    """Keep text that openpyxl would write as a formula a plain text cell (formula injection)."""
    if isinstance(value, str) and value.startswith(GUARDED_PREFIXES):
        return GUARD + value
    return value


def unguard_cell(value):
    """A cell as it was before ``safe_cell``; also undoes the older guard on + - @ tab CR."""
    if isinstance(value, str) and value.startswith(GUARD):
        return value[len(GUARD) :]
    return value


# The masked export's mark: its numbers are hidden, so it must never come back as an import.
# A header cell beside the roster columns, so it survives a save as CSV; the import refuses
# a file whose header row carries it. A file format, like the headers: not translated.
MASKED_MARK = "仅供查看，不能用于导入"
MASKED_NOTE = f"{MASKED_MARK}（手机号、身份证号已隐去）/ For reading only, not for re-import: numbers are masked"
MASKED_SHEET_TITLE = f"花名册（{MASKED_MARK}）"


# (header, Member field); "group" is matched by the group's name within the branch.
ROSTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("姓名", "name"),
    ("性别", "gender"),
    ("手机号", "phone"),
    ("身份证号", "id_number"),
    ("出生日期", "birth_date"),
    ("入党日期", "joined_party_on"),
    ("转正日期", "full_member_on"),
    ("党员状态", "status"),
    ("所在党小组", "group"),
    ("是否流动党员", "is_itinerant"),
    ("外出省份", "province"),
    ("外出城市", "city"),
    ("工作单位", "workplace"),
    ("紧急联系人", "emergency_contact"),
    ("联系电话", "emergency_phone"),
)
ROSTER_HEADERS: tuple[str, ...] = tuple(header for header, _field in ROSTER_COLUMNS)
HEADER_OF_FIELD: dict[str, str] = {field: header for header, field in ROSTER_COLUMNS}
# A new member cannot be saved without these (the model's required fields).
REQUIRED_HEADERS: tuple[str, ...] = ("姓名", "性别", "手机号", "入党日期")

GENDER_LABELS = {"M": "男", "F": "女"}
STATUS_LABELS = {"full": "正式党员", "probationary": "预备党员"}
YES, NO = "是", "否"

# GB/T 2260 short names; the import also accepts the official names with 省/市/自治区.
PROVINCE_NAMES: dict[str, str] = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}
# Longest first, so 壮族自治区 is stripped before 自治区 would leave 广西壮族.
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
PROVINCE_CODES: dict[str, str] = {name: code for code, name in PROVINCE_NAMES.items()}


def province_code(text: str) -> str | None:
    """广东 / 广东省 / 广西壮族自治区 / 北京市 → GB/T 2260 code, or None."""
    name = text.strip()
    if name in PROVINCE_CODES:
        return PROVINCE_CODES[name]
    for suffix in PROVINCE_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in PROVINCE_CODES:
            return PROVINCE_CODES[name[: -len(suffix)]]
    return None
