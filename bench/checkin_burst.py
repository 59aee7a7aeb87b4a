"""The activity-day morning: 2,000 members check in within a minute against gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/checkin_burst.py

Seeds a throwaway database (a separate database on the server named by
DATABASE_URL, or a SQLite file under var/) with one branch whose activity day
is today and N members with logins and sessions, starts gunicorn on it, and
fires every member's check-in from a pool of concurrent HTTP clients. One in
five members submits twice with the same nonce (a double tap or a retry after
a lost response) and one in twenty from a second device (another nonce). It
prints requests per second and the latency percentiles, then checks the
database: exactly one check-in per member, no duplicates and no losses.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from throwaway import ROOT, create_database, database_url, setup_django


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients (default 32)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    return parser.parse_args()


def seed(members: int) -> tuple[int, list[tuple[int, str]]]:
    """A branch whose activity is open now, and (member id, session key) for every member."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from activities.models import Activity
    from branches.models import Organization
    from members.models import Member, User

    today = timezone.localdate()
    branch = Organization.objects.create(kind="branch", name="基准网络党支部", code="bench-burst", activity_day=6)
    activity = Activity(organization=branch, year=today.year, month=today.month, date=today, theme="基准")
    activity.save()
    with transaction.atomic():
        # Unusable passwords: hashing 2,000 real ones would dominate the setup.
        users = [User(phone=f"+86170{n:08d}", name=f"党员{n}", password=make_password(None)) for n in range(members)]
        User.objects.bulk_create(users, batch_size=1000)
        users = list(User.objects.order_by("pk"))
        joined = today.replace(year=today.year - 10, day=1)
        Member.objects.bulk_create(
            [
                Member(
                    user=user,
                    name=user.name,
                    gender="M",
                    phone=user.phone,
                    joined_party_on=joined,
                    organization=branch,
                )
                for user in users
            ],
            batch_size=1000,
        )
    expiry = timezone.now() + timezone.timedelta(hours=2)
    store = SessionStore()
    sessions, keys = [], []
    backend = settings.AUTHENTICATION_BACKENDS[0]
    for user in users:
        key = store._get_new_session_key()
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expiry))
        keys.append(key)
    Session.objects.bulk_create(sessions, batch_size=1000)
    member_ids = dict(Member.objects.values_list("user_id", "pk"))
    return activity.pk, [(member_ids[user.pk], key) for user, key in zip(users, keys, strict=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    process = subprocess.Popen(  # noqa: S603 -- our own gunicorn, fixed arguments
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def check_in(port: int, activity_id: int, session_key: str, nonce: str) -> tuple[int, float]:
    csrf = secrets.token_hex(16)  # a 32-character secret, accepted as cookie and form token
    body = urlencode({"csrfmiddlewaretoken": csrf, "nonce": nonce, "city": "成都"})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
        "Host": "127.0.0.1",
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", f"/activities/mine/{activity_id}/checkin/", body=body, headers=headers)
        status = connection.getresponse().status
    finally:
        connection.close()
    return status, time.perf_counter() - started


def main() -> None:
    args = parse_args()
    setup_django()
    from django.db import connection

    from activities.models import CheckIn

    create_database("burst")
    port = free_port()
    gunicorn = None
    try:
        started = time.perf_counter()
        activity_id, people = seed(args.members)
        print(f"database: {connection.vendor}; seeded {args.members} members in {time.perf_counter() - started:.1f} s")
        rng = random.Random(6)
        requests = []
        for n, (_member_id, key) in enumerate(people):
            nonce = uuid.UUID(int=rng.getrandbits(128)).hex
            requests.append((key, nonce))
            if n % 5 == 0:
                requests.append((key, nonce))  # the same tap sent twice
            if n % 20 == 0:
                requests.append((key, uuid.uuid4().hex))  # a second device
        rng.shuffle(requests)
        gunicorn = start_gunicorn(port, args.workers)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(lambda r: check_in(port, activity_id, *r), requests))
        wall = time.perf_counter() - started
        latencies = sorted(latency for _, latency in results)
        statuses = {}
        for status, _ in results:
            statuses[status] = statuses.get(status, 0) + 1
        per_member = CheckIn.objects.filter(activity_id=activity_id).values_list("member_id", flat=True)
        counted = len(per_member)
        distinct = len(set(per_member))
        print(f"requests: {len(requests)} ({args.members} members, {len(requests) - args.members} repeated)")
        print(f"statuses: {statuses}")
        print(f"wall time: {wall:.1f} s, {len(requests) / wall:.0f} requests/s with {args.clients} clients")
        print(
            f"latency: p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
        )
        duplicates, losses = counted - distinct, args.members - distinct
        print(f"check-ins: {counted} rows for {distinct} members; duplicates {duplicates}, losses {losses}")
        if counted != args.members or distinct != args.members:
            sys.exit(1)
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(timeout=30)
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
