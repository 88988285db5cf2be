"""/healthz reports database, broker and worker (OPS-4)."""

import time
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse

from smt.celery import app as celery_app
from smt.health import HEARTBEAT_CACHE_KEY, worker_heartbeat_record
from smt.tasks import worker_heartbeat_task

pytestmark = pytest.mark.django_db

URL = reverse("healthz")


@pytest.fixture
def broker_down():
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens on port 9
    yield
    celery_app.conf.broker_url = previous


def test_all_well_is_200_with_each_check(client):
    worker_heartbeat_task.delay()  # as beat does every 30 s
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response.headers["Cache-Control"].startswith("max-age=0")


def test_no_heartbeat_yet_is_503_naming_the_worker(client):
    cache.delete(HEARTBEAT_CACHE_KEY)
    response = client.get(URL)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_stale_heartbeat_is_503(client, settings):
    worker_heartbeat_record()
    later = time.time() + settings.WORKER_HEARTBEAT_STALE_SECONDS + 1
    with time_machine.travel(later):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["last_heartbeat_seconds_ago"] > 120


def test_heartbeat_just_inside_the_limit_is_fine(client, settings):
    with time_machine.travel(time.time(), tick=False):
        worker_heartbeat_record()
    with time_machine.travel(time.time() + settings.WORKER_HEARTBEAT_STALE_SECONDS - 1, tick=False):
        response = client.get(URL)
    assert response.json()["checks"]["worker"]["ok"] is True


@pytest.mark.usefixtures("broker_down")
def test_unreachable_broker_is_503(client):
    worker_heartbeat_record()
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


SECRET = "could not connect to server db-primary.internal:5432 (10.0.3.7) password=hunter2"


def test_database_error_is_503_with_a_fixed_message(client, caplog):  # OPS-4, BEY-6
    worker_heartbeat_record()
    with mock.patch("smt.health.connection.cursor", side_effect=OperationalError(SECRET)):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "unavailable"}
    body = response.content.decode()
    for leak in ("db-primary", "10.0.3.7", "hunter2", "OperationalError", "Error:"):
        assert leak not in body
    assert "hunter2" in caplog.text  # logged on the server, where staff can read it


@pytest.mark.usefixtures("broker_down")
def test_unreachable_broker_names_no_address_or_exception(client):  # OPS-4, BEY-6
    worker_heartbeat_record()
    check = client.get(URL).json()["checks"]["broker"]
    assert check["error"] == "unavailable"
    assert "127.0.0.1" not in str(check) and "Error" not in str(check)


def test_an_unreadable_cache_is_a_fixed_message_too(client):  # OPS-4, BEY-6
    with mock.patch.object(cache, "get", side_effect=ConnectionError(SECRET)):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "error": "unavailable"}
    assert "hunter2" not in response.content.decode()


def test_a_failing_report_is_a_503_without_a_trace(client):  # OPS-4, BEY-6
    with mock.patch("smt.views.health_report", side_effect=RuntimeError(SECRET)):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {}}


def test_healthcheck_command_prints_the_report_and_fails_when_unwell(capsys):  # OPS-4
    worker_heartbeat_record()
    call_command("healthcheck")
    assert '"status": "ok"' in capsys.readouterr().out
    cache.delete(HEARTBEAT_CACHE_KEY)
    with pytest.raises(CommandError, match="unhealthy: worker"):
        call_command("healthcheck")
