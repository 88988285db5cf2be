"""The public status page (BEY-6): each component up, degraded or down, the maintenance and
incident notices written by staff (NTF-5), 30 days of history, a JSON twin; fed by the
health checks (OPS-4), cached, and never showing what went wrong inside."""

import time
import uuid
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from celery.signals import before_task_publish
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from notifications.models import ComponentDay, ComponentState, Notice
from notifications.services import component_day_record
from smt import status
from smt.health import (
    SCHEDULER_HEARTBEAT_CACHE_KEY,
    scheduler_heartbeat_record,
    worker_heartbeat_record,
)
from smt.tasks import status_record_task  # also connects the send hook, as beat's import does
from tests.factories import PremiseFactory, TdspFactory, UserFactory
from usage.models import OnDemandRead, TdspMessage
from usage.tdsp.files import UPLOAD_KIND

pytestmark = pytest.mark.django_db

PAGE = reverse("status")
JSON = reverse("status_json")
# A Tuesday noon in Central time, far from a DST change.
NOON = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def healthy(clock):
    """Beat sent and a worker ran the heartbeat just now; Oncor sent its file an hour ago."""
    scheduler_heartbeat_record()
    worker_heartbeat_record()
    oncor = TdspFactory()
    file_received(oncor, timezone.now() - timedelta(hours=1))
    return oncor


def file_received(tdsp, when):
    return TdspMessage.objects.create(
        tdsp=tdsp,
        message_id=str(uuid.uuid4()),
        kind=UPLOAD_KIND,
        payload={"file": "day.csv"},
        outcome={"result": "loaded"},
        received_at=when,
    )


def reads(tdsp, *, completed=0, failed=0, when=None, sandbox=False):
    premise = PremiseFactory(tdsp=tdsp, is_sandbox=sandbox)
    user = UserFactory()
    when = when or timezone.now()
    for status_, count in (
        (OnDemandRead.Status.COMPLETED, completed),
        (OnDemandRead.Status.FAILED, failed),
    ):
        for _ in range(count):
            OnDemandRead.objects.create(
                premise=premise,
                meter_number="M1",
                requested_by=user,
                tdsp_request_id=str(uuid.uuid4()),
                status=status_,
                requested_at=when - timedelta(minutes=1),
                completed_at=when,
            )


def component(key):
    """A component's state now, computed afresh (not from the page's cache)."""
    return next(c for c in status.status_components() if c.key == key)


def fresh_json(client):
    cache.delete(status.STATUS_CACHE_KEY)
    return client.get(JSON).json()


# --- the page -------------------------------------------------------------------------------


def test_the_page_works_without_login_and_says_all_is_well(client, healthy):  # BEY-6
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "All systems are working normally." in html
    for name in (
        "Web site",
        "Database",
        "Scheduled jobs",
        "Oncor usage data files",
        "Oncor On Demand Reads",
    ):
        assert name in html
    assert "Operational" in html
    assert 'href="/status.json"' in html
    assert 'href="/static/css/status.css"' in html or "css/status" in html


def test_every_page_links_the_status_page_in_its_footer(client):  # BEY-6
    html = client.get(reverse("help")).content.decode()
    assert f'href="{PAGE}"' in html and "System status" in html


def test_json_is_public_too_and_has_its_documented_shape(client, healthy):  # BEY-6
    Notice.objects.create(
        title="Planned maintenance",
        body="The portal is read-only.",
        for_status_page=True,
        kind=Notice.Kind.MAINTENANCE,
        published_from=timezone.now() - timedelta(days=1),
        starts_at=timezone.now() + timedelta(hours=2),
        ends_at=timezone.now() + timedelta(hours=4),
    )
    response = client.get(JSON)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "checked_at", "components", "notices", "history"}
    assert body["status"] == "up"
    assert body["checked_at"].endswith("+00:00")
    keys = [c["key"] for c in body["components"]]
    assert keys == ["web", "database", "worker", "scheduler", "tdsp-feed:oncor", "odr:oncor"]
    for item in body["components"]:
        assert set(item) == {"key", "name", "state", "message"}
        assert item["state"] in {"up", "degraded", "down"} and item["message"]
    assert body["notices"] == [
        {
            "kind": "maintenance",
            "title": "Planned maintenance",
            "body": "The portal is read-only.",
            "starts_at": "2026-11-10T20:00:00+00:00",
            "ends_at": "2026-11-10T22:00:00+00:00",
            "published_at": "2026-11-09T18:00:00+00:00",
        }
    ]
    # The web is not in the history: the worker that records it cannot see it.
    assert [row["key"] for row in body["history"]] == keys[1:]
    assert all(len(row["days"]) == 30 for row in body["history"])
    assert body["history"][0]["days"][-1] == {"day": "2026-11-10", "state": "up"}


# --- each component -------------------------------------------------------------------------


def test_database_down_makes_the_page_down(client, healthy):  # BEY-6, OPS-4
    with mock.patch("smt.status.check_database", return_value={"ok": False, "error": "x"}):
        body = client.get(JSON).json()
    database = next(c for c in body["components"] if c["key"] == "database")
    assert database["state"] == "down"
    assert database["message"] == "Not reachable right now."
    assert body["status"] == "down"


def test_no_heartbeat_at_all_is_worker_and_scheduler_down(clock):  # BEY-6, OPS-4
    assert component("worker").state == ComponentState.DOWN
    assert component("worker").message == "No sign of life recorded yet."
    assert component("scheduler").state == ComponentState.DOWN


def test_a_silent_worker_is_degraded_then_down_while_beat_keeps_sending(clock):  # BEY-6
    worker_heartbeat_record()
    stale = settings.WORKER_HEARTBEAT_STALE_SECONDS
    clock.shift(stale)
    scheduler_heartbeat_record()
    assert component("worker").state == ComponentState.UP  # at the limit
    clock.shift(1)
    scheduler_heartbeat_record()
    assert component("worker").state == ComponentState.DEGRADED
    assert component("scheduler").state == ComponentState.UP
    clock.shift(status.HEARTBEAT_DOWN_SECONDS - stale)
    scheduler_heartbeat_record()
    worker = component("worker")
    assert worker.state == ComponentState.DOWN
    assert worker.message == "Last seen 10 minutes ago."
    assert component("scheduler").state == ComponentState.UP


def test_a_late_scheduler_is_blamed_and_not_the_worker(clock):  # BEY-6
    scheduler_heartbeat_record()  # beat sent the heartbeat...
    worker_heartbeat_record()  # ...and a worker ran it; then beat stopped
    clock.shift(settings.WORKER_HEARTBEAT_STALE_SECONDS + 1)
    assert component("scheduler").state == ComponentState.DEGRADED
    worker = component("worker")
    assert worker.state == ComponentState.DEGRADED
    assert worker.message == "Cannot be confirmed while the scheduled jobs are late."
    clock.shift(status.HEARTBEAT_DOWN_SECONDS)
    assert component("scheduler").state == ComponentState.DOWN
    assert component("worker").state == ComponentState.DEGRADED  # never down for beat's fault


def test_the_send_hook_stamps_only_the_heartbeat_task(clock):  # BEY-6
    before_task_publish.send(sender="agreements.tasks.agreement_expire_pending_task", body=())
    assert cache.get(SCHEDULER_HEARTBEAT_CACHE_KEY) is None
    before_task_publish.send(sender="smt.tasks.worker_heartbeat_task", body=())
    assert cache.get(SCHEDULER_HEARTBEAT_CACHE_KEY) == time.time()


@pytest.mark.parametrize(
    ("hours_ago", "seconds", "expected"),
    [
        (status.TDSP_FILE_DEGRADED_HOURS, 0, ComponentState.UP),
        (status.TDSP_FILE_DEGRADED_HOURS, 1, ComponentState.DEGRADED),
        (status.TDSP_FILE_DOWN_HOURS, 0, ComponentState.DEGRADED),
        (status.TDSP_FILE_DOWN_HOURS, 1, ComponentState.DOWN),
    ],
)
def test_a_tdsp_feed_goes_stale_at_its_thresholds(clock, hours_ago, seconds, expected):  # BEY-6
    oncor = TdspFactory()
    file_received(oncor, timezone.now())
    clock.shift(timedelta(hours=hours_ago, seconds=seconds))
    feed = component("tdsp-feed:oncor")
    assert feed.state == expected
    assert feed.message.startswith("Last file received 11/10/2026 12:00 PM")


def test_each_tdsp_has_its_own_feed_and_the_sandbox_has_none(client, healthy):  # BEY-6
    TdspFactory(code="tnmp", name="TNMP")
    TdspFactory(code="sandbox", name="Sandbox TDSP")
    keys = [c.key for c in status.status_components()]
    assert "tdsp-feed:tnmp" in keys and "tdsp-feed:sandbox" not in keys
    tnmp = component("tdsp-feed:tnmp")
    assert tnmp.state == ComponentState.DEGRADED and tnmp.message == "No file received yet."
    assert component("tdsp-feed:oncor").state == ComponentState.UP


@pytest.mark.parametrize(
    ("completed", "failed", "expected"),
    [
        (9, 1, ComponentState.UP),  # 90 %
        (8, 2, ComponentState.DEGRADED),
        (1, 1, ComponentState.DEGRADED),  # 50 %
        (1, 2, ComponentState.DOWN),
        (0, 3, ComponentState.DOWN),
    ],
)
def test_on_demand_read_success_rate_in_the_last_hour(clock, completed, failed, expected):  # BEY-6
    oncor = TdspFactory()
    reads(oncor, completed=completed, failed=failed)
    odr = component("odr:oncor")
    assert odr.state == expected
    total = completed + failed
    assert odr.message == (
        f"{int(100 * completed / total)}% of {total} requests answered in the last hour completed."
    )


def test_no_reads_is_not_a_failure_and_old_or_sandbox_reads_do_not_count(clock):  # BEY-6
    oncor = TdspFactory()
    reads(oncor, failed=3, when=timezone.now() - timedelta(minutes=61))
    reads(oncor, failed=3, sandbox=True)
    odr = component("odr:oncor")
    assert odr.state == ComponentState.UP
    assert odr.message == "No requests in the last hour."


# --- notices (NTF-5) ------------------------------------------------------------------------


def test_a_maintenance_notice_shows_until_its_window_ends_and_only_for_the_page(
    client, healthy, clock
):  # BEY-6, NTF-5
    now = timezone.now()
    Notice.objects.create(
        title="Database upgrade",
        title_es="Actualización",
        body="Read-only for two hours.",
        for_status_page=True,
        kind=Notice.Kind.MAINTENANCE,
        published_from=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=3),
        ends_at=now + timedelta(hours=5),
    )
    Notice.objects.create(
        title="Tab only", body="x", published_from=now - timedelta(days=1)
    )  # not for_status_page

    def page():
        cache.delete(status.STATUS_CACHE_KEY)
        return client.get(PAGE).content.decode()

    assert "Database upgrade" not in page()  # not published yet
    clock.shift(timedelta(hours=1))
    html = page()
    assert "Database upgrade" in html and "Scheduled" in html
    assert "From 11/10/2026 3:00 PM to 11/10/2026 5:00 PM (Central time)" in html
    assert "Tab only" not in html
    clock.shift(timedelta(hours=2))
    html = page()
    assert "Database upgrade" in html and "In progress" in html
    clock.shift(timedelta(hours=2) - timedelta(seconds=1))
    assert "Database upgrade" in page()
    clock.shift(timedelta(seconds=1))
    assert "Database upgrade" not in page()  # its window ended


def test_a_notice_ends_after_it_starts():  # NTF-5
    from django.db import IntegrityError

    now = timezone.now()
    with pytest.raises(IntegrityError):
        Notice.objects.create(title="x", body="x", published_from=now, starts_at=now, ends_at=now)


# --- history --------------------------------------------------------------------------------


def test_history_shows_30_days_and_not_the_31st(client, healthy):  # BEY-6
    today = timezone.localdate()
    component_day_record(component="database", day=today - timedelta(days=29), state="degraded")
    component_day_record(component="database", day=today - timedelta(days=30), state="down")
    body = client.get(JSON).json()
    database = next(row for row in body["history"] if row["key"] == "database")
    assert len(database["days"]) == 30
    assert database["days"][0] == {"day": "2026-10-12", "state": "degraded"}
    assert "down" not in [day["state"] for day in database["days"]]
    html = client.get(PAGE).content.decode()
    assert 'title="10/12: Degraded"' in html
    assert '<span class="visually-hidden">10/12: Degraded</span>' in html
    assert "10/11:" not in html
    assert '<span class="visually-hidden">10/13: no data</span>' in html
    assert html.count('class="status-day status-day-') == 30 * 5 + 4  # 5 rows + the legend


def test_status_record_keeps_the_worst_state_of_the_day(healthy):  # BEY-6
    out = StringIO()
    call_command("status_record", "--dry-run", stdout=out)
    assert "Would record 5 components." in out.getvalue()
    assert not ComponentDay.objects.exists()
    with mock.patch("smt.status.check_database", return_value={"ok": False}):
        call_command("status_record", stdout=StringIO())
    call_command("status_record", stdout=out)
    assert "Recorded 5 components." in out.getvalue()
    database = ComponentDay.objects.get(component="database")
    assert (database.worst_state, database.samples) == ("down", 2)
    assert ComponentDay.objects.get(component="worker").worst_state == "up"
    assert not ComponentDay.objects.filter(component="web").exists()


def test_status_record_forgets_days_the_page_no_longer_shows(healthy):  # BEY-6
    today = timezone.localdate()
    component_day_record(component="database", day=today - timedelta(days=30), state="down")
    component_day_record(component="database", day=today - timedelta(days=29), state="down")
    status.status_record()
    assert sorted(
        ComponentDay.objects.filter(component="database").values_list("day", flat=True)
    ) == [
        today - timedelta(days=29),
        today,
    ]


def test_the_beat_job_records_every_five_minutes():  # BEY-6
    entry = settings.CELERY_BEAT_SCHEDULE["status-record"]
    assert entry["task"] == "smt.tasks.status_record_task"
    assert status_record_task.name == entry["task"]


def test_a_page_computed_afresh_records_a_sample_at_most_every_five_minutes(
    client, healthy, clock
):  # BEY-6: a day the worker was down still has samples
    client.get(PAGE)
    assert ComponentDay.objects.get(component="database").samples == 1
    clock.shift(status.STATUS_CACHE_SECONDS + 1)
    client.get(PAGE)
    assert ComponentDay.objects.get(component="database").samples == 1
    clock.shift(status.STATUS_SAMPLE_SECONDS)
    client.get(PAGE)
    assert ComponentDay.objects.get(component="database").samples == 2


# --- cheap and discreet ---------------------------------------------------------------------


def test_a_second_request_within_the_ttl_runs_no_query(
    client, healthy, clock, django_assert_num_queries, django_assert_max_num_queries
):  # BEY-6
    client.get(PAGE)
    with django_assert_num_queries(0):
        assert client.get(PAGE).status_code == 200
        assert client.get(JSON).status_code == 200
    clock.shift(status.STATUS_CACHE_SECONDS - 1)
    with django_assert_num_queries(0):
        client.get(PAGE)
    clock.shift(2)  # the TTL passed: the checks run again, a bounded number of queries
    with django_assert_max_num_queries(10) as context:
        client.get(JSON)
    assert len(context.captured_queries) > 0
    assert client.get(PAGE)["Cache-Control"] == f"max-age={status.STATUS_CACHE_SECONDS}"


SECRET = "could not connect to server db-primary.internal:5432 (10.0.3.7) password=hunter2"


def test_no_internals_leak_when_everything_fails(client, clock, caplog):  # BEY-6, OPS-4
    TdspFactory()
    with (
        mock.patch("smt.health.connection.cursor", side_effect=OperationalError(SECRET)),
        mock.patch.object(cache, "get", side_effect=ConnectionError(SECRET)),
    ):
        page = client.get(PAGE)
        document = client.get(JSON)
    assert "hunter2" in caplog.text  # the server's log says what went wrong
    assert page.status_code == 200 and document.status_code == 200
    for text in (page.content.decode(), document.content.decode()):
        for leak in ("db-primary", "10.0.3.7", "hunter2", "5432", "Error", "Traceback", "redis://"):
            assert leak not in text
    body = document.json()
    assert body["status"] == "down"
    states = {c["key"]: (c["state"], c["message"]) for c in body["components"]}
    assert states["database"] == ("down", "Not reachable right now.")
    assert states["worker"] == ("degraded", "Could not be checked right now.")
    assert states["tdsps"] == ("degraded", "Could not be checked right now.")


def test_the_page_fits_a_phone_and_needs_no_inline_style_or_script(client, healthy):  # UX-2, SEC-3
    html = client.get(PAGE).content.decode()
    assert " style=" not in html and "<style" not in html
    assert "<script>" not in html and " onclick=" not in html
    css = (settings.BASE_DIR / "static" / "css" / "status.css").read_text()
    assert "@media (max-width: 480px)" in css
