"""Health of the parts the portal needs: database, broker, worker (OPS-4)."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

HEARTBEAT_CACHE_KEY = "worker-heartbeat"


def worker_heartbeat_record() -> None:
    cache.set(HEARTBEAT_CACHE_KEY, time.time(), timeout=None)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def check_broker() -> dict:
    from smt.celery import app

    transport = app.conf.broker_url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": f"{type(exc).__name__}: {exc}"}


def check_worker() -> dict:
    try:
        beat = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if beat is None:
        return {"ok": False, "error": "no heartbeat from a worker yet"}
    age = time.time() - beat
    ok = age <= settings.WORKER_HEARTBEAT_STALE_SECONDS
    result = {"ok": ok, "last_heartbeat_seconds_ago": round(age, 1)}
    if not ok:
        result["error"] = "worker (or beat) has not run the heartbeat task recently"
    return result


def health_report() -> dict:
    checks = {"database": check_database(), "broker": check_broker(), "worker": check_worker()}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "error", "checks": checks}
