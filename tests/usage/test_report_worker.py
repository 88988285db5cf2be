"""A real worker killed while it builds an offline report: the request is built again and
completed, never left Processing (SEC-6, USG-7). Needs Redis and PostgreSQL (see
tests/notifications/test_worker.py)."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from notifications.models import OutboundEmail
from smt.celery import app as celery_app
from tests.factories import MeterFactory, PremiseFactory, UserFactory
from tests.notifications.test_worker import (  # noqa: F401 - fixtures
    VISIBILITY_TIMEOUT,
    delete_queue,
    mail_dir,
    required_services,
    worker_database_url,
)
from tests.support.worker import CeleryWorker, wait_until
from usage.models import IntervalDay, ReportRequest
from usage.services import report_requests
from usage.services.intervals import intervals_in_day

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

METERS, DAYS = 300, 31  # about 900,000 lines: long enough to be killed half-way


@pytest.fixture
def report_worker(required_services, transactional_db, mail_dir, tmp_path, monkeypatch):  # noqa: F811
    queue = f"smt-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    worker = CeleryWorker(
        queue=queue,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "SMT_TEST_MAIL_DIR": str(mail_dir),
            "SMT_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        },
        log_path=tmp_path / "worker.log",
    )
    yield worker
    worker.stop()
    delete_queue(queue)
    print(f"--- end of {worker.log_path} ---\n{worker.log_tail()}")


def many_meters_with_data(end: date) -> list:
    premises = [PremiseFactory() for _n in range(METERS)]
    for premise in premises:
        MeterFactory(premise=premise)
    rows = []
    for offset in range(DAYS):
        day = end - timedelta(days=offset)
        count = intervals_in_day(day)
        text = ",".join(["0.250"] * count)
        rows += [
            IntervalDay(
                premise=p, day=day, channel="C", readings=text, quality="A" * count,
                total_kwh=Decimal("24"), received_at="2026-11-01T00:00:00Z",
            )
            for p in premises
        ]  # fmt: skip
    IntervalDay.objects.bulk_create(rows, batch_size=5000)
    return premises


def test_a_killed_worker_leaves_the_report_to_be_built_again(report_worker):  # SEC-6
    end = date(2026, 10, 31)
    premises = many_meters_with_data(end)
    user = UserFactory(rep=True)
    report_worker.start()
    request = report_requests.report_request_create(
        user=user, premises=premises, report_type="interval",
        start=end - timedelta(days=DAYS - 1), end=end,
    )  # fmt: skip

    def building() -> bool:
        request.refresh_from_db()
        return request.attempts == 1 and request.status == ReportRequest.Status.PROCESSING

    wait_until(building, timeout=30, what="the worker starts building")
    report_worker.kill()
    request.refresh_from_db()
    assert request.status == ReportRequest.Status.PROCESSING  # killed half-way: no file yet
    assert not request.file

    # A new worker gets the unacknowledged task back after the visibility timeout.
    report_worker.start()
    wait_until(
        lambda: ReportRequest.objects.get(pk=request.pk).status != "processing",
        timeout=120,
        what="the report is finished",
    )
    request.refresh_from_db()
    assert request.status == ReportRequest.Status.COMPLETE
    assert request.attempts == 2
    assert request.rows == METERS * sum(
        intervals_in_day(end - timedelta(days=n)) for n in range(DAYS)
    )
    assert OutboundEmail.objects.filter(template="usage/report_ready").count() == 1
