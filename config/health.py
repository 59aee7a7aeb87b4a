"""/healthz: is the database up, is the broker reachable, is beat → worker alive?"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    from config.celery_app import app

    url = app.conf.broker_url or ""
    if url.startswith("filesystem://"):
        folder = Path(app.conf.broker_transport_options.get("data_folder_in", ""))
        ok = folder.is_dir() and _writable(folder)
        return {"ok": ok, "transport": "filesystem"} | ({} if ok else {"error": "broker folder missing"})
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)
    except Exception as exc:
        return {"ok": False, "transport": url.split("://", 1)[0], "error": exc.__class__.__name__}
    return {"ok": True, "transport": url.split("://", 1)[0]}


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def check_heartbeat() -> dict:
    from branches.models import SweepStatus

    try:
        last = SweepStatus.objects.filter(name="heartbeat").values_list("last_success_at", flat=True).first()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if last is None:
        return {"ok": False, "last": None, "error": "no heartbeat yet"}
    age = (timezone.now() - last).total_seconds()
    ok = age <= settings.HEARTBEAT_STALE_AFTER
    result = {"ok": ok, "last": last.isoformat(), "age_seconds": int(age)}
    if not ok:
        result["error"] = f"stale: older than {dt.timedelta(seconds=settings.HEARTBEAT_STALE_AFTER)}"
    return result


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    checks["heartbeat"] = check_heartbeat() if checks["database"]["ok"] else {"ok": False, "error": "no database"}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)
