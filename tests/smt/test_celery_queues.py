"""Queues per job kind (docs/scaling.md): loads and report builds never hold up an email, a
webhook or a TDSP call, and the workers the Procfile and docker-compose.yml start consume
every queue, so nothing routed is left unread."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from smt.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]
QUEUES = {"celery", "ingest", "reports", "email", "webhooks"}


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    "task_name, queue",
    [
        ("usage.tasks.tdsp_file_load_task", "ingest"),
        ("usage.tasks.meters_freshness_refresh_task", "ingest"),
        ("usage.tasks.interval_partitions_ensure_task", "ingest"),
        ("usage.tasks.report_request_build_task", "reports"),
        ("agreements.tasks.agreement_copy_send_task", "reports"),
        ("notifications.tasks.email_send_task", "email"),
        ("smt.api.thirdparty.tasks.webhook_delivery_send_task", "webhooks"),
        # Short work and the beat sweeps stay on the default queue.
        ("smt.tasks.worker_heartbeat_task", "celery"),
        ("usage.tasks.on_demand_read_send_task", "celery"),
        ("han.tasks.han_request_send_task", "celery"),
        ("notifications.tasks.email_dispatch_pending_task", "celery"),
        ("smt.api.thirdparty.tasks.webhook_deliveries_send_due_task", "celery"),
        ("usage.tasks.report_requests_requeue_stale_task", "celery"),
    ],
)
def test_each_kind_of_job_goes_to_its_queue(task_name, queue):
    assert queue_of(task_name) == queue


def test_every_routed_task_exists_and_its_queue_is_declared():
    app.loader.import_default_modules()  # the tasks modules, as a worker imports them

    for task_name, route in settings.CELERY_TASK_ROUTES.items():
        assert task_name in app.tasks, task_name
        assert route["queue"] in settings.CELERY_TASK_QUEUES
    assert set(settings.CELERY_TASK_QUEUES) == QUEUES


def test_a_worker_started_without_queue_options_consumes_every_queue():  # the embedded default
    assert set(app.amqp.queues.consume_from) == QUEUES


@pytest.mark.parametrize("path", ["Procfile", "docker-compose.yml"])
def test_the_workers_started_by_the_process_files_consume_every_queue(path):
    commands = [line for line in (BASE_DIR / path).read_text().splitlines() if "smt worker" in line]
    consumed = set()
    for command in commands:
        named = re.search(r"--queues[ =](\S+)", command)
        consumed |= set(named.group(1).split(",")) if named else QUEUES

    assert commands
    assert consumed == QUEUES
