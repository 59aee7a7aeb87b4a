"""What every spreadsheet netbranch reads or writes shares: the roster columns and safe cells.

The roster columns are fixed Chinese headers, whatever the page language:
they are a file format that secretaries fill in and that the import reads.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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
