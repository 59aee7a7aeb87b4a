"""Logged-in pages against gunicorn with the production settings, each beside a minimal logged-in floor.

    .venv/bin/python bench/web_pages.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/web_pages.py

Needs Debian's ``wrk`` (``apt-get install wrk``) as the load generator.

Seeds a throwaway database with the demo (``seed_demo``: 57 members in the
online branch, a year of activities), starts gunicorn (2 sync workers) with
``config.settings.production`` plus one URL of ``bench/web_floor``: the
floor, a logged-in view that loads the database session and the user, asks
one indexed query and renders a small template. Each page is then timed
against the floor, alternately, ``--rounds`` times, on the same server and
database: requests/s, p50 and p99 latency, the page's queries and Python
function calls (counted in-process with the test client; the calls do not
move with the machine's load) and the ratio of the page's requests/s to
the floor's run just before it. The exit status is 1 when a member page
stays below 0.35 of the floor or a secretary page below 0.2 (median of the
rounds).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from throwaway import ROOT, create_database, database_url, setup_django, wait_for_port

FLOOR_TEMPLATES = ROOT / "bench" / "web_floor" / "templates"

GOALS = {"member": 0.35, "secretary": 0.2}
# The sessions written here must verify in gunicorn: the same key on both sides.
SECRET_KEY = "bench-web-pages-" + "x" * 40
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass
class Page:
    name: str
    path: str
    who: str  # "member" or "secretary"
    queries: int = 0
    calls: int = 0  # Python function calls of one request: what the page costs in Python, whatever the load


@dataclass
class Run:
    rps: float
    p50: float  # ms
    p99: float  # ms
    errors: int


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="floor/page pairs per page (default 3)")
    parser.add_argument("--only", default="", help="comma-separated page names to run (default all)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument(
        "--calls",
        action="store_true",
        help="only print each page's queries and Python calls (in-process, no server, no wrk)",
    )
    parser.add_argument(
        "--top", type=int, default=0, help="with --calls: also print each page's N costliest functions by own calls"
    )
    return parser.parse_args()


def seed() -> tuple[dict[str, tuple[str, int]], list[Page]]:
    """The demo, (session key, user id) for the demo member and the branch secretary, and the pages to time."""
    from importlib import import_module

    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.module_loading import module_has_submodule

    from activities.models import Activity
    from branches.models import Organization
    from members import demo
    from members.models import Member, User

    demo.seed()
    for app in apps.get_app_configs():
        if app.name != "members" and module_has_submodule(app.module, "demo"):
            import_module(f"{app.name}.demo").seed()
    member = Member.objects.get(phone=demo.demo_phone(demo.ITINERANT_PHONES_FROM + demo.MEMBER_LOGIN_SLOT))
    secretary = User.objects.get(phone=demo.demo_phone(2))
    branch = Organization.objects.get(code=demo.ONLINE_BRANCH_CODE)
    today = timezone.localdate()
    activity = (
        Activity.objects.filter(organization=branch, kind=Activity.Kind.THEME_DAY, date__lte=today)
        .order_by("-date")
        .first()
        or Activity.objects.filter(organization=branch, kind=Activity.Kind.THEME_DAY).order_by("date").first()
    )
    sessions = {}
    for who, user in (("member", member.user), ("secretary", secretary)):
        store = SessionStore()
        store.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        store.set_expiry(4 * 3600)
        store.create()
        sessions[who] = (store.session_key, user.pk)
    pages = [
        Page("home", reverse("home"), "member"),
        Page("activities:mine", reverse("activities:mine"), "member"),
        Page("activities:member_detail", reverse("activities:member_detail", args=[activity.pk]), "member"),
        Page("activities:study", reverse("activities:study"), "member"),
        Page("notifications:inbox", reverse("notifications:inbox"), "member"),
        Page("members:me", reverse("members:me"), "member"),
        Page("roster:list", reverse("roster:list") + f"?organization={branch.pk}", "secretary"),
        Page("activities:stats", reverse("activities:stats", args=[branch.pk]), "secretary"),
    ]
    return sessions, pages


def count_queries(pages: list[Page], users: dict[str, object], top: int = 0) -> int:
    """Each page's queries and Python calls, asked in-process through the test client; returns the floor's calls.

    Calls are counted by cProfile over one request: unlike requests/s they do
    not move with the machine's load, so two runs compare even on a busy host.
    """
    import cProfile
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    # Static URLs cost no query; the plain storage spares this process a collectstatic of its own.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    floor_templates = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], FLOOR_TEMPLATES]}]

    def calls_of(client, path: str) -> int:
        profile = cProfile.Profile()
        profile.enable()
        client.get(path)
        profile.disable()
        stats = pstats.Stats(profile)
        if top:
            print(f"--- {path}: {stats.total_calls} calls; cumulative, then own calls")
            stats.sort_stats("cumulative").print_stats(top)
            stats.sort_stats("ncalls").print_stats(top)
        return stats.total_calls

    with override_settings(STORAGES=storages, ROOT_URLCONF="bench.web_floor.urls", TEMPLATES=floor_templates):
        for page in pages:
            clients[page.who].get(page.path)  # the first request fills what later requests find in the cache
            with CaptureQueriesContext(connection) as queries:
                response = clients[page.who].get(page.path)
            if response.status_code != 200:
                raise SystemExit(f"{page.name}: status {response.status_code} in-process")
            page.queries = len(queries)
            page.calls = calls_of(clients[page.who], page.path)
        clients["member"].get("/floor/")
        return calls_of(clients["member"], "/floor/")


def server_env() -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "bench.web_floor.settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Production refuses the development SMS backends; the gateway is never called here.
        "SMS_BACKEND": "members.sms.HttpGatewayBackend",
        "SMS_GATEWAY_URL": "http://127.0.0.1:9/",
        "BENCH_STATIC_ROOT": str(ROOT / "var" / "bench-web-static"),
    }
    env.pop("DJANGO_DEBUG", None)
    return env


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = server_env()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(  # noqa: S603 -- our own gunicorn, fixed arguments
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return wait_for_port(process, port, seconds=30)


def headers(session_key: str) -> dict[str, str]:
    # The proxy in front sets X-Forwarded-Proto; without it production redirects to https.
    return {"Cookie": f"sessionid={session_key}", "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def check(port: int, path: str, session_key: str) -> None:
    for _ in range(2):  # the first request of each worker warms its caches
        # Each worker imports the project when it boots: on a loaded machine that alone took 20 s.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
        try:
            connection.request("GET", path, headers=headers(session_key))
            status = connection.getresponse().status
        finally:
            connection.close()
        if status != 200:
            raise SystemExit(f"{path}: status {status} from gunicorn")


def wrk(port: int, path: str, session_key: str, args: argparse.Namespace) -> Run:
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "30s", "--latency"]
    for name, value in headers(session_key).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603 -- fixed arguments
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors_total = int(errors.group(1)) if errors else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors_total += sum(int(n) for n in socket_errors.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return Run(rps=rps, p50=latency("50"), p99=latency("99"), errors=errors_total)


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None and not args.calls:
        sys.exit("bench/web_pages.py needs wrk as its load generator: apt-get install wrk")
    setup_django(DJANGO_ALLOWED_HOSTS="127.0.0.1,testserver", DJANGO_SECRET_KEY=SECRET_KEY)
    from django.db import connection

    from members.models import User

    create_database("web-pages")
    port = free_port()
    gunicorn = None
    failed = False
    try:
        started = time.perf_counter()
        sessions, pages = seed()
        if args.only:
            wanted = set(args.only.split(","))
            pages = [page for page in pages if page.name in wanted]
        users = {who: User.objects.get(pk=user_id) for who, (_, user_id) in sessions.items()}
        sessions = {who: key for who, (key, _) in sessions.items()}
        floor_calls = count_queries(pages, users, args.top if args.calls else 0)
        floor_queries = 3  # session, user, the one indexed query
        if args.calls:
            print(f"{'page':26} {'q':>3} {'calls':>7}")
            for page in [Page("floor", "/floor/", "member", floor_queries, floor_calls), *pages]:
                print(f"{page.name:26} {page.queries:3} {page.calls:7}")
            return
        print(f"database: {connection.vendor}; cache: {'redis' if os.environ.get('REDIS_URL') else 'file'}")
        print(f"seeded the demo in {time.perf_counter() - started:.1f} s; load average {os.getloadavg()}")
        gunicorn = start_gunicorn(port, args.workers)
        # The floor answers a session that does not log in with a redirect: check it first.
        check(port, "/floor/", sessions["member"])
        check(port, "/floor/", sessions["secretary"])
        for page in pages:
            check(port, page.path, sessions[page.who])
        print(
            f"wrk: {args.connections} connections, {args.duration} s a run; gunicorn {args.workers} sync workers; "
            f"floor {floor_queries} queries, {floor_calls} Python calls"
        )
        print(
            f"{'page':26} {'q':>3} {'calls':>7} {'floor r/s':>9} {'page r/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'floor p50':>9} {'ratio':>6}"
        )
        for page in pages:
            ratios = []
            for _ in range(args.rounds):
                floor = wrk(port, "/floor/", sessions[page.who], args)
                run = wrk(port, page.path, sessions[page.who], args)
                if floor.errors or run.errors:
                    raise SystemExit(f"{page.name}: {run.errors} failed requests (floor {floor.errors})")
                ratio = run.rps / floor.rps
                ratios.append(ratio)
                print(
                    f"{page.name:26} {page.queries:3} {page.calls:7} {floor.rps:9.1f} {run.rps:9.1f} {run.p50:7.1f} "
                    f"{run.p99:7.1f} {floor.p50:9.1f} {ratio:6.2f}"
                )
            median = statistics.median(ratios)
            goal = GOALS[page.who]
            verdict = "ok" if median >= goal else f"below the goal of {goal}"
            failed |= median < goal
            print(f"{'':26} median ratio {median:.2f} ({page.who} page, {verdict})")
        print(f"load average at the end: {os.getloadavg()}")
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(timeout=30)
        if not args.keep:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    if failed:
        sys.exit(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
