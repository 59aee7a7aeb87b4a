"""Demo data modelled on a coal mine's online Party branch, and its logins.

Everything here is fictitious and marked so: phone numbers come from the
+86 170 0000 xxxx block and ID numbers carry province-level address codes
(xx0000) that no real card has. The demo password is published, so this is
for development sites only (``seed_demo`` refuses otherwise).

Seeding is idempotent: rows are looked up by stable keys (organization code,
phone, invitation code) and left alone when they already exist, so a re-run
changes nothing and a later run does not rewrite earlier data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Prefetch
from django.utils import timezone

from branches.models import Organization, Role

from .models import Invitation, Member, User, anniversary
from .provinces import Province
from .validators import id_check_char

DEMO_PASSWORD = "netbranch-demo"  # noqa: S105 -- published on purpose, development only
DEMO_INVITATION_CODE = "DEMO2026"
# Fixed rather than relative to today, so a re-run never has a reason to change it.
DEMO_INVITATION_EXPIRES_AT = dt.datetime(2035, 12, 31, 23, 59, tzinfo=dt.UTC)

# E.164 prefix of the fictitious 170 0000 xxxx block used for every demo number.
DEMO_PHONE_PREFIX = "+861700000"

COMMITTEE_CODE = "demo-mine"
ONLINE_BRANCH_CODE = "demo-online"
GROUP_CODES = ("demo-online-1", "demo-online-2")

ITINERANT_COUNT = 57

# Any fixed seed would do; fixed so every run draws the same people.
SEED = 20260706

M = TypeVar("M", bound=models.Model)


def demo_phone(n: int) -> str:
    """The n-th number of the fictitious +86 170 0000 xxxx block."""
    if not 0 <= n <= 9999:
        raise ValueError(f"demo phone index out of range: {n}")
    return f"{DEMO_PHONE_PREFIX}{n:04d}"


def format_phone(phone: str) -> str:
    """+8617000000001 → 170 0000 0001, the way people read numbers out."""
    national = phone.removeprefix("+86")
    return f"{national[:3]} {national[3:7]} {national[7:]}"


def demo_id_number(address_code: str, birth: dt.date, sequence: int) -> str:
    """An ID number with a province-level address code (xx0000), which no real card carries.

    The 17th digit is odd for men and even for women on real cards; callers
    pass a sequence that keeps that convention.
    """
    if not address_code.endswith("0000"):
        raise ValueError("demo ID numbers use province-level address codes only")
    first17 = f"{address_code}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


# --- Organization tree ------------------------------------------------------------

COMMITTEE_NAME = "示范煤矿党委"

ORDINARY_BRANCHES: tuple[tuple[str, str, str, int], ...] = (
    # (code, name, workplace, members)
    ("demo-zongcai-1", "综采一队党支部", "示范煤矿综采一队", 5),
    ("demo-jidian", "机电队党支部", "示范煤矿机电队", 4),
    ("demo-jiguan", "机关党支部", "示范煤矿机关", 5),
)

ONLINE_BRANCH: dict[str, Any] = {
    "name": "网络党支部",
    "is_online": True,
    "activity_day": 6,
    "location": "示范煤矿职工活动中心三楼党员活动室；线上为本站网络党支部学习平台",
    "speaking_rule": (
        "一、支部群内实行实名发言，群昵称统一为“姓名＋所在城市”。\n"
        "二、发言围绕学习主题和支部工作，不转发未经核实的信息，不发表与党员身份不符的言论。\n"
        "三、每月统一活动日，每名党员至少发言一次，结合本人工作和生活谈学习体会。\n"
        "四、涉及个人隐私和所在单位生产安全的事项不在群内讨论，由支部书记个别沟通。"
    ),
    "study_rule": (
        "一、每月6日为统一活动日，支委会提前三天在线推送学习资料。\n"
        "二、党员在手机上完成学习并签到；因上班、倒班不能按时参加的，向党小组组长请假，七日内补学。\n"
        "三、每季度开展一次专题学习讨论，每名党员提交一篇学习心得。\n"
        "四、学习、签到和补学情况记入先锋指数。"
    ),
    "contact_rule": (
        "一、支部书记、副书记和党小组组长分片联系流动党员，每月至少联系一次。\n"
        "二、党员工作地点或联系方式变化的，七日内告知党小组组长并在平台上更新。\n"
        "三、党员遇到困难及时向支部反映，支部了解情况后组织走访帮扶。\n"
        "四、逢年过节和党员政治生日，支部发送问候。"
    ),
    "reporting_rule": (
        "一、流动党员每季度向支部提交一次思想汇报，内容包括思想、工作、学习和遵纪守法情况。\n"
        "二、预备党员每季度提交一次思想汇报，转正前提交书面总结。\n"
        "三、工作单位变动、受到表彰或处分等重大事项，及时向支部报告。\n"
        "四、支部书记逐一审阅汇报并回复，共性问题在统一活动日集中答复。"
    ),
}

GROUPS: tuple[tuple[str, str], ...] = ((GROUP_CODES[0], "第一党小组"), (GROUP_CODES[1], "第二党小组"))

# --- Where the itinerant members work -------------------------------------------------

# 57 members over 12 provinces; the first four (the south-west and Guangdong,
# 28 members) make up the first group, the other eight (29) the second.
PROVINCE_COUNTS: tuple[tuple[Province, int], ...] = (
    (Province.SICHUAN, 8),
    (Province.GUIZHOU, 7),
    (Province.YUNNAN, 6),
    (Province.GUANGDONG, 7),
    (Province.ZHEJIANG, 5),
    (Province.JIANGSU, 5),
    (Province.FUJIAN, 4),
    (Province.INNER_MONGOLIA, 3),
    (Province.SHAANXI, 4),
    (Province.XINJIANG, 3),
    (Province.SHANDONG, 3),
    (Province.NINGXIA, 2),
)
FIRST_GROUP_PROVINCES = frozenset({Province.SICHUAN, Province.GUIZHOU, Province.YUNNAN, Province.GUANGDONG})

CITIES: dict[Province, tuple[str, ...]] = {
    Province.SICHUAN: ("成都", "宜宾", "攀枝花", "达州", "泸州"),
    Province.GUIZHOU: ("贵阳", "六盘水", "毕节", "遵义"),
    Province.YUNNAN: ("昆明", "曲靖", "昭通", "红河"),
    Province.GUANGDONG: ("广州", "深圳", "东莞", "佛山", "惠州"),
    Province.ZHEJIANG: ("杭州", "宁波", "温州", "绍兴"),
    Province.JIANGSU: ("苏州", "南京", "无锡", "徐州"),
    Province.FUJIAN: ("厦门", "泉州", "福州"),
    Province.INNER_MONGOLIA: ("鄂尔多斯", "包头", "呼和浩特"),
    Province.SHAANXI: ("榆林", "西安", "延安"),
    Province.XINJIANG: ("哈密", "昌吉", "乌鲁木齐"),
    Province.SHANDONG: ("济宁", "青岛", "济南"),
    Province.NINGXIA: ("银川", "石嘴山"),
}

# Miners who left find work in other coalfields as well as on building sites
# and in factories; "某" keeps every workplace fictitious.
COALFIELDS = frozenset(
    {
        Province.GUIZHOU,
        Province.YUNNAN,
        Province.SICHUAN,
        Province.INNER_MONGOLIA,
        Province.SHAANXI,
        Province.XINJIANG,
        Province.SHANDONG,
        Province.NINGXIA,
    }
)
MINE_WORKPLACES = ("{city}某煤矿综采队", "{city}某煤矿机电队", "{city}某矿业公司井下运输队", "{city}某煤矿通风队")
OTHER_WORKPLACES = (
    "{city}某市政道路工地",
    "{city}某住宅项目工地",
    "{city}某电子厂",
    "{city}某汽车配件厂",
    "{city}某物流园",
    "{city}某隧道工程项目部",
    "{city}某钢结构厂",
    "{city}某光伏电站施工队",
)

# --- People ------------------------------------------------------------------------------

SURNAMES = tuple(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏"
    "钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹易常武乔贺赖龚"
)
# Space-separated text reads far better than seventy quoted list items.
MALE_GIVEN = (  # noqa: SIM905
    "建军 志刚 海涛 国平 永福 德明 晓军 宏伟 立新 文斌 俊峰 玉林 小龙 春生 金山 长江 大勇 继红 振国 庆丰 "
    "利民 树林 有才 学文 保平 光明 新民 志勇 红兵 卫东 明亮 家旺 云飞 少华 成林 永强 兴旺 德胜 荣华 跃进 "
    "世杰 亚军 鹏程 浩然 宇航 子豪 嘉伟 明辉 建平 东升"
).split()
FEMALE_GIVEN = (  # noqa: SIM905
    "秀英 桂兰 丽萍 晓燕 海燕 春梅 玉珍 淑芬 红霞 小琴 雪梅 金凤 艳红 彩霞 美玲 静怡 婷婷 丽娟 文静 慧敏"
).split()

HARDSHIP_NOTES = (
    "妻子患病长期住院治疗，家庭收入主要靠本人务工，医药费负担重。",
    "父母年迈多病、在老家独居，本人在外务工无法照料。",
    "所在工地停工三个月，工资被拖欠，已协助联系当地劳动监察部门。",
    "两个孩子上学开支大，去年汛期老家房屋受损尚未修缮。",
    "本人在工地受伤腰椎骨折，暂时不能从事重体力劳动，收入中断。",
)

# Most members come from around the mine; a few married or moved in from elsewhere.
HOME_ADDRESS_CODES = ("140000", "140000", "140000", "140000", "410000", "510000", "520000")

# Fixed positions in the itinerant list, so the same people play these parts on every run.
BIRTHDAY_SLOTS: dict[int, int] = {3: 1, 17: 2, 30: 4, 44: 6}  # index → days from today
PROBATIONARY_SLOTS = frozenset({8, 25, 39, 52})
HARDSHIP_SLOTS = (5, 12, 21, 33, 48)
MEMBER_LOGIN_SLOT = 0

# Every other member's political birthday is kept at least this many days
# away, so "birthdays in the next week" are exactly the chosen few.
BIRTHDAY_WINDOW_DAYS = 10

ITINERANT_PHONES_FROM = 101
ORDINARY_PHONES_FROM = 201
EMERGENCY_PHONES_FROM = 5001


@dataclass(frozen=True)
class LoginSpec:
    phone: str
    name: str
    role: str | None = None  # Role.Kind
    organization_code: str | None = None
    superuser: bool = False


LOGINS: tuple[LoginSpec, ...] = (
    LoginSpec(demo_phone(1), "赵振华", Role.Kind.SECRETARY, COMMITTEE_CODE),
    LoginSpec(demo_phone(2), "孙明远", Role.Kind.SECRETARY, ONLINE_BRANCH_CODE),
    LoginSpec(demo_phone(3), "周丽萍", Role.Kind.DEPUTY_SECRETARY, ONLINE_BRANCH_CODE),
    LoginSpec(demo_phone(4), "马国庆", Role.Kind.GROUP_ADMIN, GROUP_CODES[0]),
    LoginSpec(demo_phone(5), "何晓东", Role.Kind.GROUP_ADMIN, GROUP_CODES[1]),
    LoginSpec(demo_phone(9), "系统管理员", superuser=True),
)


@dataclass
class SeedResult:
    created: Counter[str] = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


# --- Building the member rows ---------------------------------------------------------------


def _random_date(rng: random.Random, first_year: int, last_year: int) -> dt.date:
    # Day 1 to 28 exists in every month, so no draw is ever thrown away.
    return dt.date(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))


def _next_anniversary(day: dt.date, today: dt.date) -> dt.date:
    candidate = anniversary(day, today.year)
    return candidate if candidate >= today else anniversary(day, today.year + 1)


def _clear_of_birthday_window(joined: dt.date, today: dt.date) -> dt.date:
    """Move a join date back until its anniversary is not in the coming days."""
    while (_next_anniversary(joined, today) - today).days < BIRTHDAY_WINDOW_DAYS:
        joined -= dt.timedelta(days=BIRTHDAY_WINDOW_DAYS)
    return joined


def _party_dates(
    rng: random.Random, birth: dt.date, today: dt.date, *, birthday_in: int | None, probationary: bool
) -> tuple[dt.date, dt.date | None]:
    """(joined_party_on, full_member_on) for one member.

    The same number of draws is made whatever ``today`` is, so the rest of the
    roster does not depend on the day the command runs.
    """
    years_ago = rng.randint(3, 15)
    days_ago = rng.randint(40, 300)
    drawn = _random_date(rng, max(birth.year + 20, 1992), 2022)
    if probationary:
        # Within the last year: not yet a full member.
        return today - dt.timedelta(days=days_ago), None
    if birthday_in is not None:
        target = today + dt.timedelta(days=birthday_in)
        # Joined at 19 at the earliest, well clear of the 18th birthday.
        year = target.year - min(years_ago, target.year - birth.year - 19)
        if (target.month, target.day) == (2, 29):
            year -= year % 4  # joined on a 29 February, so a leap year
        joined = dt.date(year, target.month, target.day)
    else:
        joined = _clear_of_birthday_window(drawn, today)
    return joined, anniversary(joined, joined.year + 1)


def _draw_name(rng: random.Random, gender: str, taken: set[str]) -> str:
    given = MALE_GIVEN if gender == Member.Gender.MALE else FEMALE_GIVEN
    while True:
        name = rng.choice(SURNAMES) + rng.choice(given)
        if name not in taken:
            taken.add(name)
            return name


def _emergency_contact(rng: random.Random, gender: str, surname: str) -> str:
    if gender == Member.Gender.MALE:
        relation, given = rng.choice((("妻子", FEMALE_GIVEN), ("妻子", FEMALE_GIVEN), ("父亲", MALE_GIVEN)))
    else:
        relation, given = rng.choice((("丈夫", MALE_GIVEN), ("丈夫", MALE_GIVEN), ("母亲", FEMALE_GIVEN)))
    # A father shares the member's surname; a spouse usually does not.
    contact_surname = surname if relation == "父亲" else rng.choice(SURNAMES)
    return f"{relation} {contact_surname}{rng.choice(given)}"


def _person(rng: random.Random, index: int, taken: set[str], *, female_share: float) -> dict[str, Any]:
    gender = Member.Gender.FEMALE if rng.random() < female_share else Member.Gender.MALE
    name = _draw_name(rng, gender, taken)
    birth = _random_date(rng, 1968, 1996)
    address_code = rng.choice(HOME_ADDRESS_CODES)
    # Index in the first two digits keeps numbers unique; the last digit's parity gives the gender.
    last_digit = rng.randrange(1, 10, 2) if gender == Member.Gender.MALE else rng.randrange(0, 10, 2)
    return {
        "name": name,
        "gender": gender,
        "birth_date": birth,
        "id_number": demo_id_number(address_code, birth, (index % 100) * 10 + last_digit),
    }


def itinerant_rows(today: dt.date) -> list[dict[str, Any]]:
    """Field values of the 57 itinerant members, keyed by nothing but their position.

    ``group`` holds a group code, resolved to an Organization when saving.
    """
    rng = random.Random(SEED)  # noqa: S311 -- repeatable demo data, not secrets
    provinces = [province for province, count in PROVINCE_COUNTS for _ in range(count)]
    rng.shuffle(provinces)
    taken: set[str] = set()
    rows = []
    for index, province in enumerate(provinces):
        row = _person(rng, index, taken, female_share=0.12)
        if index in PROBATIONARY_SLOTS:
            # Probationary members are mostly young.
            birth = _random_date(rng, 1992, 2000)
            row["birth_date"] = birth
            row["id_number"] = demo_id_number(row["id_number"][:6], birth, int(row["id_number"][14:17]))
        joined, full = _party_dates(
            rng,
            row["birth_date"],
            today,
            birthday_in=BIRTHDAY_SLOTS.get(index),
            probationary=index in PROBATIONARY_SLOTS,
        )
        city = rng.choice(CITIES[province])
        workplaces = MINE_WORKPLACES + OTHER_WORKPLACES if province in COALFIELDS else OTHER_WORKPLACES
        workplace = rng.choice(workplaces).format(city=city)
        left_home = _random_date(rng, 2016, 2024)
        emergency = _emergency_contact(rng, row["gender"], row["name"][0])
        hardship_note = HARDSHIP_NOTES[HARDSHIP_SLOTS.index(index)] if index in HARDSHIP_SLOTS else ""
        row.update(
            phone=demo_phone(ITINERANT_PHONES_FROM + index),
            joined_party_on=joined,
            full_member_on=full,
            status=Member.Status.PROBATIONARY if full is None else Member.Status.FULL,
            is_itinerant=True,
            province=province,
            city=city,
            workplace=workplace,
            left_home_on=left_home,
            emergency_contact=emergency,
            emergency_phone=demo_phone(EMERGENCY_PHONES_FROM + index),
            in_hardship=bool(hardship_note),
            hardship_note=hardship_note,
            group=GROUP_CODES[0] if province in FIRST_GROUP_PROVINCES else GROUP_CODES[1],
        )
        rows.append(row)
    return rows


def ordinary_rows(today: dt.date) -> list[tuple[str, dict[str, Any]]]:
    """(branch code, field values) of the members working at the mine itself."""
    # A different seed from the itinerant members, so either list can change alone.
    rng = random.Random(SEED + 1)  # noqa: S311 -- repeatable demo data, not secrets
    taken: set[str] = set()
    rows = []
    index = 0
    for code, _name, workplace, count in ORDINARY_BRANCHES:
        for _ in range(count):
            row = _person(rng, ITINERANT_COUNT + index, taken, female_share=0.25)
            joined, full = _party_dates(rng, row["birth_date"], today, birthday_in=None, probationary=False)
            row.update(
                phone=demo_phone(ORDINARY_PHONES_FROM + index),
                joined_party_on=joined,
                full_member_on=full,
                status=Member.Status.FULL,
                workplace=workplace,
            )
            rows.append((code, row))
            index += 1
    return rows


# --- Saving -----------------------------------------------------------------------------------


def _ensure(model: type[M], lookup: dict[str, Any], defaults: dict[str, Any], result: SeedResult) -> M:
    """Fetch by ``lookup`` or create, validated; an existing row is left as it is."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is not None:
        return obj
    obj = model(**lookup, **defaults)
    obj.full_clean()
    obj.save()
    result.created[model._meta.model_name] += 1
    return obj


def _ensure_user(spec: LoginSpec, result: SeedResult, *, reset_password: bool) -> User:
    user = User.objects.filter(phone=spec.phone).first()
    if user is None:
        user = User(
            phone=spec.phone,
            name=spec.name,
            phone_verified=True,
            is_staff=spec.superuser,
            is_superuser=spec.superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        result.created["user"] += 1
    elif reset_password and not user.check_password(DEMO_PASSWORD):
        # check_password first: a fresh hash on every run would be a change for nothing.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        result.created["password reset"] += 1
    return user


def _ensure_organizations(result: SeedResult) -> dict[str, Organization]:
    committee = _ensure(
        Organization,
        {"code": COMMITTEE_CODE},
        {"kind": Organization.Kind.COMMITTEE, "name": COMMITTEE_NAME},
        result,
    )
    organizations = {COMMITTEE_CODE: committee}
    for code, name, _workplace, _count in ORDINARY_BRANCHES:
        organizations[code] = _ensure(
            Organization, {"code": code}, {"kind": Organization.Kind.BRANCH, "name": name, "parent": committee}, result
        )
    online = _ensure(
        Organization,
        {"code": ONLINE_BRANCH_CODE},
        {"kind": Organization.Kind.BRANCH, "parent": committee, **ONLINE_BRANCH},
        result,
    )
    organizations[ONLINE_BRANCH_CODE] = online
    for code, name in GROUPS:
        organizations[code] = _ensure(
            Organization, {"code": code}, {"kind": Organization.Kind.GROUP, "name": name, "parent": online}, result
        )
    return organizations


def _ensure_members(
    rows: list[tuple[Organization, Organization | None, dict[str, Any]]], result: SeedResult
) -> dict[str, Member]:
    phones = [row["phone"] for _branch, _group, row in rows]
    # One query for the whole roster instead of one lookup per member.
    members = {member.phone: member for member in Member.objects.filter(phone__in=phones)}
    for branch, group, row in rows:
        if row["phone"] in members:
            continue
        member = Member(organization=branch, group=group, **row)
        member.full_clean()
        member.save()
        members[member.phone] = member
        result.created["member"] += 1
    return members


@transaction.atomic
def seed(today: dt.date | None = None, *, reset_passwords: bool = False) -> SeedResult:
    """Create whatever part of the demo data is missing; see the module docstring."""
    today = today or timezone.localdate()
    result = SeedResult()
    organizations = _ensure_organizations(result)
    online = organizations[ONLINE_BRANCH_CODE]

    rows: list[tuple[Organization, Organization | None, dict[str, Any]]] = []
    for row in itinerant_rows(today):
        group = organizations[row.pop("group")]
        rows.append((online, group, row))
    for code, row in ordinary_rows(today):
        rows.append((organizations[code], None, row))
    members = _ensure_members(rows, result)

    users = {}
    for spec in LOGINS:
        user = _ensure_user(spec, result, reset_password=reset_passwords)
        users[spec.phone] = user
        if spec.role:
            _ensure(
                Role,
                {"user": user, "organization": organizations[spec.organization_code], "kind": spec.role},
                {},
                result,
            )

    # The member login is one of the itinerant members: same phone, linked both ways.
    login_member = members[demo_phone(ITINERANT_PHONES_FROM + MEMBER_LOGIN_SLOT)]
    member_user = _ensure_user(LoginSpec(login_member.phone, login_member.name), result, reset_password=reset_passwords)
    if login_member.user_id is None:
        login_member.user = member_user
        login_member.full_clean()
        login_member.save(update_fields=["user", "updated_at"])
        result.created["member login link"] += 1

    _ensure(
        Invitation,
        {"code": DEMO_INVITATION_CODE},
        {
            "organization": online,
            "max_uses": 20,
            "expires_at": DEMO_INVITATION_EXPIRES_AT,
            "created_by": users[demo_phone(2)],
        },
        result,
    )

    committee = organizations[COMMITTEE_CODE]
    roster = Member.objects.in_subtree(committee)
    itinerant = roster.filter(organization=online, is_itinerant=True)
    result.totals = {
        "organizations": Organization.objects.subtree_of(committee).count(),
        "members": roster.count(),
        "itinerant": itinerant.count(),
        "provinces": itinerant.values("province").distinct().count(),
        "logins": User.objects.filter(phone__startswith=DEMO_PHONE_PREFIX).count(),
        "roles": Role.objects.filter(organization__path__startswith=committee.path).count(),
        "invitations": Invitation.objects.filter(organization=online).count(),
    }
    return result


# --- Reading the logins back --------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    phone: str
    name: str
    roles: tuple[Role, ...]
    member: Member | None
    is_superuser: bool


def demo_logins() -> list[DemoLogin]:
    """The demo logins as the database has them now: roles, member link, admin flag."""
    users = (
        User.objects.filter(phone__startswith=DEMO_PHONE_PREFIX, is_active=True)
        .select_related("member__organization")
        .prefetch_related(
            Prefetch("roles", queryset=Role.objects.select_related("organization").order_by("organization__path"))
        )
        .order_by("is_superuser", "phone")
    )
    logins = []
    for user in users:
        member = getattr(user, "member", None)
        roles = tuple(user.roles.all())
        if not (roles or member or user.is_superuser):
            continue
        logins.append(DemoLogin(user.phone, user.name, roles, member, user.is_superuser))
    return logins
