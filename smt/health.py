"""Health of the parts the portal needs: database, broker, worker (OPS-4).

The answers are public (/healthz, the status page of BEY-6), so a failure says only
UNAVAILABLE; what went wrong (exception, host, address) goes to the server's log.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

HEARTBEAT_CACHE_KEY = "worker-heartbeat"
# BEY-6: when beat last *sent* the heartbeat task (stamped by the publishing process), so the
# status page tells a late scheduler (nothing sent) from a late worker (sent, not run).
SCHEDULER_HEARTBEAT_CACHE_KEY = "scheduler-heartbeat"
UNAVAILABLE = "unavailable"


def worker_heartbeat_record() -> None:
    cache.set(HEARTBEAT_CACHE_KEY, time.time(), timeout=None)


def scheduler_heartbeat_record() -> None:
    cache.set(SCHEDULER_HEARTBEAT_CACHE_KEY, time.time(), timeout=None)


def heartbeat_age(key: str) -> float | None:
    """Seconds since the heartbeat stamped under `key`, None when there is none. The cache
    being unreachable is an error for the caller."""
    beat = cache.get(key)
    return None if beat is None else time.time() - beat


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception:
        logger.exception("health: the database check failed")
        return {"ok": False, "error": UNAVAILABLE}


def check_broker() -> dict:
    from smt.celery import app

    transport = app.conf.broker_url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception:
        logger.exception("health: the broker check failed")
        return {"ok": False, "transport": transport, "error": UNAVAILABLE}


def check_worker() -> dict:
    try:
        age = heartbeat_age(HEARTBEAT_CACHE_KEY)
    except Exception:
        logger.exception("health: the worker heartbeat could not be read")
        return {"ok": False, "error": UNAVAILABLE}
    if age is None:
        return {"ok": False, "error": "no heartbeat from a worker yet"}
    ok = age <= settings.WORKER_HEARTBEAT_STALE_SECONDS
    result = {"ok": ok, "last_heartbeat_seconds_ago": round(age, 1)}
    if not ok:
        result["error"] = "worker (or beat) has not run the heartbeat task recently"
    return result


def health_report() -> dict:
    checks = {"database": check_database(), "broker": check_broker(), "worker": check_worker()}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "error", "checks": checks}
