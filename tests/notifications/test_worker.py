"""A real Celery worker against Redis and PostgreSQL (NTF-3, SEC-6, OPS-4).

The test process records emails and sends tasks to Redis as the web process does; a worker
process (tests/support/worker.py, settings in tests/worker_settings.py) delivers them from
the committed rows of the test database and writes each message to a file. Without REDIS_URL
and PostgreSQL these tests skip, unless SMT_REQUIRE_SERVICES=1 (CI): then they fail.
"""

import os
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse

from notifications.models import OutboundEmail
from notifications.services import send_email
from smt.celery import app as celery_app
from smt.health import HEARTBEAT_CACHE_KEY
from tests.support.mail import attempted_recipients, delivered_count, read_messages
from tests.support.worker import CeleryWorker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TEMPLATE = "notifications/test_message"
# Seconds before Redis hands a dead worker's unacknowledged task to another worker.
VISIBILITY_TIMEOUT = 5
SLOW_SEND_SECONDS = 0.4


def missing_services() -> str | None:
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    if connection.vendor != "postgresql":
        return f"the database is {connection.vendor}, not PostgreSQL"
    return None


@pytest.fixture
def required_services():
    reason = missing_services()
    if reason and os.environ.get("SMT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and SMT_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    if reason:
        pytest.skip(f"a real worker needs Redis and PostgreSQL: {reason}")


def worker_database_url() -> str:
    """The test database pytest-django created (test_smt), as a DATABASE_URL."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "localhost", safe="")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def delete_queue(name: str) -> None:
    """Remove the queue and its binding from Redis (a channel deletes only what it declared)."""
    with celery_app.connection_for_write() as conn:
        queue = celery_app.amqp.queues[name](conn.default_channel)
        queue.declare()
        queue.delete()


@pytest.fixture
def mail_dir(tmp_path):
    return tmp_path / "mail"


@pytest.fixture
def worker(required_services, transactional_db, mail_dir, tmp_path, monkeypatch):
    """A worker for the test to start, on a queue of its own; always stopped afterwards.

    Requesting `transactional_db` makes the worker stop before the tables are flushed.
    """
    queue = f"smt-test-{uuid.uuid4().hex[:12]}"
    # Tasks sent from this process go to a queue only this worker reads: nothing left over
    # from another run can be delivered here, and nothing from here elsewhere.
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    worker = CeleryWorker(
        queue=queue,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "SMT_TEST_MAIL_DIR": str(mail_dir),
        },
        log_path=tmp_path / "worker.log",
    )
    yield worker
    worker.stop()
    delete_queue(queue)
    # pytest shows this ("Captured stdout teardown") only for a failed test.
    print(f"--- end of {worker.log_path} ---\n{worker.log_tail()}")


def sent_count() -> int:
    return OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count()


def assert_each_sent_exactly_once(emails: list[OutboundEmail], mail_dir) -> None:
    assert delivered_count(mail_dir) == {email.recipient: 1 for email in emails}
    for email in emails:
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.SENT, email.last_error
        assert email.attempts == 1


def test_email_recorded_in_a_transaction_is_sent_once_by_the_worker(worker, mail_dir):  # NTF-3
    worker.start()
    # Tasks are sent on commit: sent earlier, the worker would find no row and the emails
    # would stay queued.
    with transaction.atomic():
        emails = [send_email(to=f"pat{n}@example.com", template=TEMPLATE) for n in range(3)]
        emails.append(send_email(to="ana@example.com", template=TEMPLATE, language="es"))

    wait_until(lambda: sent_count() == len(emails), timeout=30, what="every email is sent")

    assert_each_sent_exactly_once(emails, mail_dir)
    subjects = {message["To"]: message["Subject"] for message in read_messages(mail_dir)}
    assert subjects["pat0@example.com"] == "Smart Meter Texas test message"
    assert subjects["ana@example.com"] == "Mensaje de prueba de Smart Meter Texas"


def test_emails_survive_a_killed_worker_and_are_sent_exactly_once(worker, mail_dir):  # SEC-6
    worker.start(email_delay=SLOW_SEND_SECONDS)
    with transaction.atomic():
        emails = [send_email(to=f"pat{n}@example.com", template=TEMPLATE) for n in range(12)]

    def in_flight() -> list[str]:
        delivered = delivered_count(mail_dir)
        return [to for to in attempted_recipients(mail_dir) if not delivered[to]]

    wait_until(lambda: sent_count() >= 3, timeout=30, what="3 emails are sent")
    wait_until(in_flight, timeout=10, what="the worker is in the middle of sending one")
    worker.kill()
    killed_at = time.monotonic()

    (interrupted,) = in_flight()
    assert sent_count() < len(emails)
    assert OutboundEmail.objects.get(recipient=interrupted).status == OutboundEmail.Status.QUEUED

    # A fresh worker, as the supervisor would start. It takes the tasks still waiting at
    # once, and the interrupted one, still unacknowledged in Redis, after the visibility
    # timeout.
    worker.start(email_delay=SLOW_SEND_SECONDS)
    wait_until(lambda: sent_count() == len(emails), timeout=60, what="every email is sent")
    print(f"all sent {time.monotonic() - killed_at:.1f} s after the kill")

    assert_each_sent_exactly_once(emails, mail_dir)
    # The killed attempt wrote nothing and its rolled-back transaction counted nothing.
    assert attempted_recipients(mail_dir).count(interrupted) == 2


def test_healthz_reports_the_live_worker(worker, client):  # OPS-4
    cache.delete(HEARTBEAT_CACHE_KEY)  # only the beat of the worker started here may count
    worker.start()

    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["ok"] is True

    worker.kill()
    # A dead worker's last beat stays fresh for WORKER_HEARTBEAT_STALE_SECONDS; expire it.
    cache.delete(HEARTBEAT_CACHE_KEY)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
