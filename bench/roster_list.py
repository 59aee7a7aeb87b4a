"""How fast the secretary's roster list answers on a large branch, and how many queries it runs.

    .venv/bin/python bench/roster_list.py --members 100000

Each case is printed beside a FLOOR timed in the same run, alternately with
it: a logged-in GET that loads the session and the user, runs one indexed
query for 50 members of the branch and renders them in a bare template. The
ratio (case / floor) is what to compare between runs on a busy machine.

Runs against a throwaway database: a SQLite file under var/ by default, or a
separate database on the server named by DATABASE_URL (never the one the URL
names itself). Tables are created with migrate and dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
import types

from throwaway import create_database
from throwaway import setup_django as setup_bench_django

PROVINCES = ["11", "32", "33", "37", "41", "44", "51", "61", "62", "65"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
# A given name between surname and number, so the pinyin and initials searches have something to find.
GIVEN = "伟芳娜敏静丽强磊军洋"
CITIES = ["北京", "苏州", "杭州", "济南", "郑州", "深圳", "成都", "西安", "兰州", "乌鲁木齐"]
WORKPLACES = ["中铁十四局", "富士康科技集团", "比亚迪股份", "顺丰速运", "国家电网"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="roster size (default 100000)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--batch", type=int, default=5_000, help="bulk_create batch size (default 5000)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def setup_django() -> None:
    setup_bench_django()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest storage needs collectstatic; the benchmark measures the database, not static files.
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.ROOT_URLCONF = floor_urls()


FLOOR_URL = "/bench-floor/"


def floor_urls() -> str:
    """The site's URLs plus the floor, in a module of this process only."""
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import include, path

    from members.models import Member

    template = engines["django"].from_string("<ul>{% for name in names %}<li>{{ name }}</li>{% endfor %}</ul>")

    @login_required
    def floor(request):
        names = Member.objects.filter(organization__code="bench", state="active").order_by("pk")
        return HttpResponse(template.render({"names": names.values_list("name", flat=True)[:50]}, request))

    module = types.ModuleType("roster_bench_urls")
    module.urlpatterns = [path(FLOOR_URL.strip("/") + "/", floor), path("", include("config.urls"))]
    sys.modules[module.__name__] = module
    return module.__name__


def fill(members: int, batch: int):
    """A committee with one branch of four groups holding every member; a tenth have a recent contact."""
    from django.db import transaction
    from django.utils import timezone

    from branches.models import Organization, Role
    from members.models import Contact, Member, User

    rng = random.Random(1)
    committee = Organization.objects.create(kind="committee", name="基准党委", code="bench-committee")
    branch = Organization.objects.create(kind="branch", name="基准党支部", code="bench", parent=committee)
    groups = [
        Organization.objects.create(kind="group", name=f"第{n}党小组", code=f"bench-g{n}", parent=branch)
        for n in range(4)
    ]
    secretary = User.objects.create_user("+8619900000000", "bench-pass", name="书记")
    Role.objects.create(user=secretary, organization=branch, kind=Role.Kind.SECRETARY)
    first, last = dt.date(1960, 1, 1).toordinal(), dt.date(2024, 12, 31).toordinal()
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, members, batch):
        rows = []
        for n in range(start, min(start + batch, members)):
            joined = dt.date.fromordinal(rng.randint(first, last))
            rows.append(
                Member(
                    name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{n}",
                    city=CITIES[n % len(CITIES)],
                    workplace=WORKPLACES[n % len(WORKPLACES)],
                    gender=Member.Gender.MALE,
                    phone=f"+86170{n:08d}",
                    joined_party_on=joined,
                    organization=branch,
                    group=groups[n % 4],
                    is_itinerant=n % 3 == 0,
                    province=PROVINCES[n % len(PROVINCES)],
                    state=Member.State.TRANSFERRED_OUT if n % 50 == 0 else Member.State.ACTIVE,
                )
            )
        with transaction.atomic():
            created = Member.objects.bulk_create(rows, batch_size=batch)
            Contact.objects.bulk_create(
                Contact(member=m, at=now - dt.timedelta(days=rng.randint(0, 400))) for m in created[::10]
            )
    return secretary, time.perf_counter() - started


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def time_page(client, params: dict, runs: int) -> tuple[float, float, int, int]:
    """Median times of the page and of the floor, requested one after the other; queries and rows shown."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, floors = [], []
    queries = 0
    shown = 0
    for _ in range(runs):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/roster/", params)
        timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"GET /roster/ answered {response.status_code}")
        queries = len(captured)
        shown = len(response.context["page"].object_list)
        started = time.perf_counter()
        response = client.get(FLOOR_URL)
        floors.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"GET {FLOOR_URL} answered {response.status_code}")
    return statistics.median(timings), statistics.median(floors), queries, shown


CASES = [
    ("default (active, by name)", {}),
    ("page 500", {"page": 500}),
    ("search name 王伟1", {"q": "王伟1"}),
    ("search name 张", {"q": "张"}),
    ("search pinyin wangwei1", {"q": "wangwei1"}),
    ("search pinyin zhang", {"q": "zhang"}),
    ("search initials wf", {"q": "wf"}),
    ("search city 深圳", {"q": "深圳"}),
    ("search workplace 富士康", {"q": "富士康"}),
    ("search phone 0001234", {"q": "0001234"}),
    ("province 44 + itinerant", {"province": "44", "itinerant": "yes"}),
    ("not activated + group", {"login": "no", "group": "GROUP"}),
    ("no contact for 90 days", {"silent": 90}),
    ("sort by last contact", {"sort": "contact"}),
    ("sort by joined", {"sort": "joined"}),
]


def main() -> int:
    args = parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from branches.models import Organization

    setup_test_environment()
    old_name = create_database("roster")
    try:
        secretary, seconds = fill(args.members, args.batch)
        analyze()
        group = Organization.objects.filter(kind="group").order_by("pk").values_list("pk", flat=True).first()
        client = Client()
        client.force_login(secretary)
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(f"inserted {args.members} members in {seconds:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW jit")
                print(f"jit: {cursor.fetchone()[0]}")
        print(f"GET /roster/ as the branch secretary, median of {args.runs} requests, each beside the floor:")
        print("  case                              time     floor   ratio  queries  rows shown")
        for label, params in CASES:
            params = {k: (group if v == "GROUP" else v) for k, v in params.items()}
            median, floor, queries, shown = time_page(client, params, args.runs)
            print(
                f"  {label:30s} {median * 1000:7.1f} ms {floor * 1000:6.1f} ms {median / floor:6.1f}"
                f"  {queries:5d}  {shown:5d}"
            )
        return 0
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
