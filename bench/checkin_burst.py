"""The activity-day morning: members check in at once against gunicorn, with and without a photo.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/checkin_burst.py

Seeds a throwaway database (a separate database on the server named by
DATABASE_URL, or a SQLite file under var/) with one branch whose activity day
is today and members with logins and sessions, starts gunicorn on it, waits
until every worker has answered (the warm-up), then runs six bursts a round,
each with its own N members, at as many concurrent clients as there are
workers and then at eight times that: plain check-ins; check-ins carrying a
12-megapixel JPEG as it left the camera (generated once under var/), which is
what a browser without JavaScript sends; and check-ins carrying the same photo
as the check-in page sends it, shrunk on the phone (static/js/photo-shrink.js)
to the worker's size and quality. One in five members submits twice with the
same nonce (a double tap or a retry after a lost response) and one in twenty
from a second device (another nonce). It prints requests per second and
latency percentiles per burst, then checks the database: exactly one check-in
per member, no duplicates and no losses, and one stored photo file per member
of the photo bursts. Photos are only received and queued here; no worker
re-encodes them during the run.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from throwaway import ROOT, create_database, database_url, setup_django, wait_for_port


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=400, help="members per burst (default 400)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds of the six bursts, each with fresh members (default 1)"
    )
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


PHOTO = ROOT / "var" / "bench-photo-12mp.jpg"
# Long enough that a burst whose requests queue behind slow photos is measured, not aborted.
TIMEOUT = 180


def photo_bytes() -> bytes:
    """A 4000 by 3000 JPEG of about 3 MB, like a phone's; generated once and kept under var/."""
    if not PHOTO.exists():
        from PIL import Image

        size = (4000, 3000)
        noise = Image.effect_noise(size, 25)
        bands = [Image.linear_gradient("L").resize(size), Image.radial_gradient("L").resize(size)]
        image = Image.merge(
            "RGB", [Image.blend(band, noise, 0.3) for band in bands] + [Image.blend(bands[0], noise, 0.5)]
        )
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        PHOTO.parent.mkdir(exist_ok=True)
        PHOTO.write_bytes(out.getvalue())
    return PHOTO.read_bytes()


def shrunk_bytes(photo: bytes) -> bytes:
    """The same photo as the check-in page sends it: at most the worker's size a side, at the page's quality."""
    from PIL import Image

    from activities.photos import SHRINK_QUALITY
    from branches.uploads import PHOTO_MAX_SIDE

    image = Image.open(io.BytesIO(photo))
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=round(SHRINK_QUALITY * 100))
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, scratch: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Uploads and (without Redis) queued messages stay in the run's own folder.
        "DJANGO_MEDIA_ROOT": f"{scratch}/media",
        "CELERY_BROKER_DIR": f"{scratch}/broker",
    }
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    # The access log names the worker that answered each request, so the warm-up knows when all have.
    command += ["--access-logfile", f"{scratch}/access.log", "--access-logformat", "%(p)s"]
    process = subprocess.Popen(  # noqa: S603 -- our own gunicorn, fixed arguments
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return wait_for_port(process, port, seconds=20)


def check_in(port: int, activity_id: int, session_key: str, nonce: str, photo: bytes | None) -> tuple[int, float]:
    """POST the check-in form as the page sends it: multipart, its file part empty when no photo is chosen."""
    csrf = secrets.token_hex(16)  # a 32-character secret, accepted as cookie and form token
    fields = {"csrfmiddlewaretoken": csrf, "nonce": nonce, "city": "成都"}
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    if photo is None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
    else:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="IMG_0001.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
        )
    body = b"".join([*parts, photo or b"", f"\r\n--{boundary}--\r\n".encode()])
    content_type = f"multipart/form-data; boundary={boundary}"
    headers = {
        "Content-Type": content_type,
        "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
        "Host": "127.0.0.1",
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("POST", f"/activities/mine/{activity_id}/checkin/", body=body, headers=headers)
        status = connection.getresponse().status
    except TimeoutError:
        status = 0  # counted among the statuses; its latency is the timeout
    finally:
        connection.close()
    return status, time.perf_counter() - started


def requests_for(people: list[tuple[int, str]], seed: int) -> list[tuple[str, str]]:
    """(session key, nonce) for every member, with the repeated taps and second devices, shuffled."""
    rng = random.Random(seed)
    requests = []
    for n, (_member_id, key) in enumerate(people):
        nonce = uuid.UUID(int=rng.getrandbits(128)).hex
        requests.append((key, nonce))
        if n % 5 == 0:
            requests.append((key, nonce))  # the same tap sent twice
        if n % 20 == 0:
            requests.append((key, uuid.uuid4().hex))  # a second device
    rng.shuffle(requests)
    return requests


def warm_up(port: int, activity_id: int, people: list[tuple[int, str]], workers: int, log: str, photo: bytes) -> int:
    """Check in the warm-up members, with and without a photo, until every worker has answered one."""
    answered: set[str] = set()
    rounds = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while len(answered) < workers and rounds * workers < len(people):
            batch = people[rounds * workers : (rounds + 1) * workers]
            list(
                pool.map(
                    lambda n_person: check_in(
                        port, activity_id, n_person[1][1], uuid.uuid4().hex, photo if n_person[0] % 2 else None
                    ),
                    enumerate(batch),
                )
            )
            rounds += 1
            with open(log) as lines:
                answered = {line.strip() for line in lines if line.strip()}
    if len(answered) < workers:
        raise RuntimeError(f"only {len(answered)} of {workers} workers answered during the warm-up")
    return min(rounds * workers, len(people))


def workers_cpu(master: int) -> float:
    """Seconds of CPU the gunicorn workers (the master's children) have used, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command may hold spaces; the fields after its closing parenthesis do not.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def burst(port: int, master: int, activity_id: int, requests: list, clients: int, photo: bytes | None) -> dict:
    cpu = workers_cpu(master)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(lambda r: check_in(port, activity_id, *r, photo), requests))
    wall = time.perf_counter() - started
    cpu = workers_cpu(master) - cpu
    latencies = sorted(latency for _, latency in results)
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": len(requests),
        "statuses": statuses,
        "wall": wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000,
        "max": latencies[-1] * 1000,
        # What the server spent on each request, whatever else the machine was doing meanwhile.
        "cpu": cpu / len(requests) * 1000,
    }


def main() -> None:
    args = parse_args()
    setup_django()
    from django.db import connection

    from activities.models import CheckIn

    create_database("burst")
    port = free_port()
    gunicorn = None
    scratch = tempfile.mkdtemp(prefix="bench-burst-")
    photo = photo_bytes()
    shrunk = shrunk_bytes(photo)
    # Each photo burst follows the plain one it is compared with, at the same concurrency.
    scenarios = [
        (name, clients, body)
        for clients in (args.workers, 8 * args.workers)
        for name, body in (("plain", None), ("raw", photo), ("shrunk", shrunk))
    ]
    warm = 8 * args.workers
    failed = False
    try:
        started = time.perf_counter()
        total = warm + args.members * len(scenarios) * args.rounds
        activity_id, people = seed(total)
        print(f"database: {connection.vendor}; seeded {total} members in {time.perf_counter() - started:.1f} s")
        print(
            f"photo: {PHOTO.name}, {len(photo) / 1e6:.1f} MB; shrunk as the page sends it: {len(shrunk) / 1e3:.0f} kB;"
            f" gunicorn: {args.workers} sync workers"
        )
        gunicorn = start_gunicorn(port, args.workers, scratch)
        warmed = warm_up(port, activity_id, people[:warm], args.workers, f"{scratch}/access.log", photo)
        print(f"warm-up: {warmed} check-ins until all {args.workers} workers had answered")
        print(
            "| round | burst | clients | requests | statuses | requests/s | p50 ms | p99 ms | max ms "
            "| server CPU ms/request | load |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        ratios: dict[tuple[str, int], list[float]] = {}
        cpu_ratios: dict[tuple[str, int], list[float]] = {}
        group_start = warm
        for round_ in range(1, args.rounds + 1):
            p99: dict[tuple[str, int], float] = {}
            cpu: dict[tuple[str, int], float] = {}
            for n, (name, clients, body) in enumerate(scenarios):
                group = people[group_start : group_start + args.members]
                group_start += args.members
                requests = requests_for(group, seed=6 + n + 10 * round_)
                figures = burst(port, gunicorn.pid, activity_id, requests, clients, body)
                p99[name, clients] = figures["p99"]
                cpu[name, clients] = figures["cpu"]
                print(
                    f"| {round_} | {name} | {clients} | {figures['requests']} | {figures['statuses']} | "
                    f"{figures['requests'] / figures['wall']:.0f} | {figures['p50']:.0f} | {figures['p99']:.0f} | "
                    f"{figures['max']:.0f} | {figures['cpu']:.1f} | {os.getloadavg()[0]:.1f} |"
                )
                member_ids = [member_id for member_id, _ in group]
                per_member = list(
                    CheckIn.objects.filter(activity_id=activity_id, member_id__in=member_ids).values_list(
                        "member_id", flat=True
                    )
                )
                if len(per_member) != len(member_ids) or len(set(per_member)) != len(member_ids):
                    print(f"  {name}/{clients}: {len(per_member)} rows for {len(set(per_member))} of {len(member_ids)}")
                    failed = True
            # The floor of a photo burst is the plain burst at the same concurrency.
            for name, clients, _ in scenarios:
                if name != "plain":
                    ratios.setdefault((name, clients), []).append(p99[name, clients] / p99["plain", clients])
                    cpu_ratios.setdefault((name, clients), []).append(cpu[name, clients] / cpu["plain", clients])
        for figure, table, goal in (("p99", ratios, " (goal: at most 1.20)"), ("server CPU", cpu_ratios, "")):
            for (name, clients), values in table.items():
                shown = ", ".join(f"{value:.2f}" for value in values)
                median = f"; median {statistics.median(values):.2f}" if len(values) > 1 else ""
                print(f"{figure} {name} / plain (floor), {clients} clients: {shown}{median}{goal}")
        stored = sum(1 for path in Path(scratch, "media").rglob("*") if path.is_file())
        photo_members = warmed // 2 + 4 * args.members * args.rounds
        print(
            f"check-ins: one per member in every burst: {not failed}; photo files stored: {stored} for {photo_members}"
        )
        failed = failed or stored != photo_members
        if failed:
            sys.exit(1)
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(timeout=30)
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
        shutil.rmtree(scratch, ignore_errors=True)
        purge_queued()


def purge_queued() -> None:
    """Drop the photo messages the run queued on Redis: no worker of this run will take them."""
    if os.environ.get("REDIS_URL"):
        from config.celery_app import app

        app.control.purge()


if __name__ == "__main__":
    main()
