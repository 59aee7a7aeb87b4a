"""The throwaway database every benchmark runs on, never the one DATABASE_URL names.

A SQLite file under var/ by default, or a separate database on the server
named by DATABASE_URL; created and migrated by Django's test-database
machinery, which gives exactly that, and dropped at the end by the caller.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def setup_django(**environ: str) -> None:
    """Django with the development settings, DEBUG off (it keeps every query), and ``environ`` set."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.update(environ)
    import django

    django.setup()


def create_database(name: str) -> str:
    """Create and migrate the benchmark ``name``'s database; returns the name to restore afterwards."""
    from django.db import connection

    # Two copies of one benchmark (two checkouts, say) each get their own database.
    name += os.environ.get("BENCH_DATABASE_SUFFIX", "")
    if connection.vendor == "sqlite":
        path = ROOT / "var" / f"bench-{name}.sqlite3"
        path.parent.mkdir(exist_ok=True)
        connection.settings_dict["TEST"]["NAME"] = str(path)
    else:
        connection.settings_dict["TEST"]["NAME"] = f"netbranch_bench_{name.replace('-', '_')}"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def database_url() -> str:
    """The throwaway database as a DATABASE_URL, for a worker or server subprocess."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}{port}/{quote(db['NAME'], safe='')}"


def wait_for_port(process: subprocess.Popen, port: int, seconds: float = 30) -> subprocess.Popen:
    """``process`` once something listens on ``port`` (gunicorn has booted), else RuntimeError."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")
