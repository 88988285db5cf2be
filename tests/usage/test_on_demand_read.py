"""On Demand Read: the limits, the TDSP adapter and the simulated TDSP, answers through the
TDSP API, the timeout sweep and the report page (USG-11, USG-12, API-3, API-4, SEC-5, SEC-6)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from threading import Barrier
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from tests.factories import (
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    TdspFactory,
    UserFactory,
)
from tests.support.tdsp import send_tdsp_message as send
from usage.models import OnDemandRead, TdspMessage
from usage.services import odr
from usage.services.sharing import meter_share_answer, meter_share_invite
from usage.tasks import on_demand_read_send_task, simulated_tdsp_odr_answer_task
from usage.tdsp import simulated as tdsp_adapter

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2026, 5, 1, 10, 0, tzinfo=CHICAGO)
ERROR_TEXT = "Error! On Demand Read request could not be fulfilled. Please try again"  # USG-11
URL = reverse("tdsp_api:tdsp_messages")


@pytest.fixture
def premise(oncor):
    premise = PremiseFactory(tdsp=oncor)
    MeterFactory(premise=premise, meter_number="113555001")
    return premise


@pytest.fixture
def customer(premise):
    return CustomerPremiseFactory(premise=premise).customer


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def simulated(settings):
    """The simulated TDSP, answering at once; tests choose whether it fails."""
    settings.TDSP_ADAPTER = "usage.tdsp.simulated.SimulatedTdsp"
    settings.TDSP_ADAPTERS = {}
    settings.SIMULATED_TDSP_ODR_FAILURE_RATE = 0.0
    return settings


def completed(read, **extra):
    return {
        "message_id": f"m-{read.tdsp_request_id}",
        "type": "odr_result",
        "request_id": read.tdsp_request_id,
        "status": "COMPLETED",
        "register_read": "12345.678",
        "read_at": "2026-05-01T10:01:30-05:00",
        "usage_kwh": "7.250",
        **extra,
    }


def messages_of(response) -> list[str]:
    """The page messages shown on the page a POST was redirected to (follow=True)."""
    return [str(message) for message in response.context["messages"]]


def report_page(client, user, premise):
    client.force_login(user)
    return client.get(reverse("usage:usage_report", args=[premise.esiid]))


# --- the limits (USG-11, SEC-5) ----------------------------------------------------------------


def test_the_second_request_within_the_hour_is_refused_until_60_minutes(
    clock, customer, premise
):  # USG-11, SEC-5
    odr.on_demand_read_request(user=customer, premise=premise)
    clock.move_to(START + timedelta(minutes=59, seconds=59))
    with pytest.raises(odr.OnDemandReadRefused) as refusal:
        odr.on_demand_read_request(user=customer, premise=premise)
    assert "one request per meter per hour" in str(refusal.value)
    assert "05/01/2026 11:00 AM" in str(refusal.value)  # America/Chicago
    assert refusal.value.next_at == START + timedelta(hours=1)
    clock.move_to(START + timedelta(hours=1))
    odr.on_demand_read_request(user=customer, premise=premise)
    assert OnDemandRead.objects.filter(premise=premise).count() == 2


def test_a_completed_read_holds_the_hour_too(clock, customer, premise):  # USG-11
    read = odr.on_demand_read_request(user=customer, premise=premise)
    odr.on_demand_read_complete(read_id=read.pk, register_read=Decimal("1"), read_at=START)
    clock.move_to(START + timedelta(minutes=30))
    with pytest.raises(odr.OnDemandReadRefused):
        odr.on_demand_read_request(user=customer, premise=premise)


def test_a_failed_read_may_be_tried_again_at_once(clock, customer, premise):  # USG-11 decision
    failed = odr.on_demand_read_request(user=customer, premise=premise)
    odr.on_demand_read_fail(read_id=failed.pk, reason="no answer")
    # The same second, no clock moved: a Failed read does not hold the hour, so no refusal.
    again = odr.on_demand_read_request(user=customer, premise=premise)
    assert again.pk != failed.pk
    reads = OnDemandRead.objects.filter(premise=premise).order_by("pk")
    assert [(read.pk, read.status, read.requested_at) for read in reads] == [
        (failed.pk, OnDemandRead.Status.FAILED, START),
        (again.pk, OnDemandRead.Status.PENDING, START),
    ]
    # The retry is Pending, and it holds the hour as any Pending read does.
    with pytest.raises(odr.OnDemandReadRefused):
        odr.on_demand_read_request(user=customer, premise=premise)


def test_the_limit_is_per_meter(client, clock, customer, premise, oncor):  # USG-11
    other = PremiseFactory(tdsp=oncor)
    MeterFactory(premise=other, meter_number="113555002")
    CustomerPremiseFactory(customer=customer, premise=other)
    limited = odr.on_demand_read_request(user=customer, premise=premise)  # meter A: one this hour
    client.force_login(customer)

    response = client.post(reverse("usage:on_demand_read", args=[other.esiid]), follow=True)
    assert response.redirect_chain == [(reverse("usage:usage_report", args=[other.esiid]), 302)]
    assert messages_of(response) == [
        "Your On Demand Read request has been sent. Refresh the page in a few moments."
    ]
    response = client.post(reverse("usage:on_demand_read", args=[premise.esiid]), follow=True)
    assert response.redirect_chain == [(reverse("usage:usage_report", args=[premise.esiid]), 302)]
    assert messages_of(response) == [
        "On Demand Read is limited to one request per meter per hour. "
        "The next request for this meter is possible at 05/01/2026 11:00 AM."
    ]
    reads = OnDemandRead.objects.order_by("pk")
    assert [(read.premise_id, read.status) for read in reads] == [
        (premise.pk, OnDemandRead.Status.PENDING),  # A's first read only
        (other.pk, OnDemandRead.Status.PENDING),
    ]
    assert reads[0].pk == limited.pk


def test_24_requests_a_calendar_day_then_refused_until_midnight_central(
    clock, customer, premise
):  # USG-11, SEC-5: "day" is the calendar day in America/Chicago (decision)
    clock.move_to(datetime(2026, 5, 1, 0, 30, tzinfo=CHICAGO))
    for n in range(odr.PER_DAY):
        clock.move_to(datetime(2026, 5, 1, 0, 30 + n, tzinfo=CHICAGO))
        read = odr.on_demand_read_request(user=customer, premise=premise)  # the 24th too
        odr.on_demand_read_fail(read_id=read.pk, reason="meter did not answer")
    clock.move_to(datetime(2026, 5, 1, 23, 59, 59, tzinfo=CHICAGO))
    with pytest.raises(odr.OnDemandReadRefused) as refusal:
        odr.on_demand_read_request(user=customer, premise=premise)  # the 25th
    assert "24 requests per meter per day" in str(refusal.value)
    assert "05/02/2026 12:00 AM" in str(refusal.value)
    clock.move_to(datetime(2026, 5, 2, 0, 0, tzinfo=CHICAGO))
    odr.on_demand_read_request(user=customer, premise=premise)


def test_a_meter_not_in_service_cannot_be_read(clock, customer, oncor):  # USG-11
    premise = PremiseFactory(tdsp=oncor)  # no meter
    with pytest.raises(odr.OnDemandReadRefused):
        odr.on_demand_read_request(user=customer, premise=premise)


def test_the_error_text_is_the_seeds():  # USG-11
    assert str(odr.ERROR_MESSAGE) == ERROR_TEXT


# --- the TDSP API answers (API-3, API-4) ------------------------------------------------------


def test_pending_becomes_completed_through_the_tdsp_api(client, clock, key, customer, premise):
    # USG-11, API-3
    read = odr.on_demand_read_request(user=customer, premise=premise)
    assert read.status == OnDemandRead.Status.PENDING
    response = send(client, key, **completed(read))
    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    assert response.json()["odr_status"] == "completed"
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.COMPLETED
    assert read.register_read == Decimal("12345.678")
    assert read.usage_kwh == Decimal("7.250")
    assert read.read_at == datetime(2026, 5, 1, 10, 1, 30, tzinfo=CHICAGO)


def test_a_failed_answer_shows_the_error_text(client, clock, key, customer, premise):
    # USG-11, API-3
    read = odr.on_demand_read_request(user=customer, premise=premise)
    body = {**completed(read), "status": "FAILED", "reason": "Meter unreachable"}
    assert send(client, key, **body).json()["odr_status"] == "failed"
    read.refresh_from_db()
    assert (read.status, read.failure_reason) == ("failed", "Meter unreachable")
    assert ERROR_TEXT in report_page(client, customer, premise).content.decode()


def test_a_replayed_answer_is_acknowledged_without_effect(client, clock, key, customer, premise):
    # API-3
    read = odr.on_demand_read_request(user=customer, premise=premise)
    assert send(client, key, **completed(read)).json()["status"] == "processed"
    replay = send(client, key, **completed(read, register_read="99999.000"))
    assert replay.status_code == 200
    assert replay.json()["status"] == "duplicate"
    read.refresh_from_db()
    assert read.register_read == Decimal("12345.678")
    assert TdspMessage.objects.filter(kind="odr_result").count() == 1


def test_an_answer_for_a_read_no_longer_pending_is_recorded_as_refused(
    client, clock, key, customer, premise
):  # API-3: a late answer after the timeout changes nothing
    read = odr.on_demand_read_request(user=customer, premise=premise)
    odr.on_demand_read_fail(read_id=read.pk, reason="timeout")
    answer = send(client, key, **completed(read)).json()
    assert answer["result"] == "refused"
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.FAILED


@pytest.mark.parametrize(
    "change, field",
    [
        ({"request_id": ""}, "request_id"),
        ({"status": "DONE"}, "status"),
        ({"register_read": None}, "register_read"),
        ({"register_read": "lots"}, "register_read"),
        ({"register_read": True}, "register_read"),
        ({"read_at": "2026-05-01T10:01:30"}, "read_at"),  # no offset
        ({"read_at": "yesterday"}, "read_at"),
        ({"usage_kwh": "-1"}, "usage_kwh"),
        ({"status": "FAILED", "reason": 42}, "reason"),
    ],
)
def test_bad_fields_are_a_400_naming_them(
    client, clock, key, customer, premise, change, field
):  # API-4
    read = odr.on_demand_read_request(user=customer, premise=premise)
    response = send(client, key, **{**completed(read), **change})
    assert response.status_code == 400
    assert response.json()["field"] == field
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.PENDING


def test_another_tdsps_request_id_is_a_404(client, clock, key, customer):  # API-3, USG-12
    centerpoint = TdspFactory(code="centerpoint", name="CenterPoint")
    theirs = PremiseFactory(tdsp=centerpoint)
    MeterFactory(premise=theirs)
    CustomerPremiseFactory(premise=theirs, customer=customer)
    read = odr.on_demand_read_request(user=customer, premise=theirs)
    response = send(client, key, **completed(read))
    assert response.status_code == 404
    assert response.json()["field"] == "request_id"
    assert send(client, key, **completed(read, request_id="no-such-id")).status_code == 404
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.PENDING


# --- the adapter and the simulated TDSP (USG-11, SEC-6) ---------------------------------------


class RecordingAdapter:
    sent: list[str] = []

    def request_on_demand_read(self, read):
        RecordingAdapter.sent.append(read.tdsp_request_id)


def test_the_adapter_is_chosen_per_tdsp_by_setting(
    settings, clock, customer, premise, django_capture_on_commit_callbacks
):  # USG-11
    settings.TDSP_ADAPTERS = {"oncor": f"{__name__}.RecordingAdapter"}
    RecordingAdapter.sent = []
    with django_capture_on_commit_callbacks(execute=True):
        read = odr.on_demand_read_request(user=customer, premise=premise)
    assert RecordingAdapter.sent == [read.tdsp_request_id]
    on_demand_read_send_task.delay(read.pk)  # a second delivery of the task sends nothing
    assert RecordingAdapter.sent == [read.tdsp_request_id]
    read.refresh_from_db()
    assert (read.status, read.attempts, read.sent_at) == ("pending", 1, START)


def test_the_request_is_sent_only_once_committed(
    settings, clock, customer, premise, django_capture_on_commit_callbacks
):  # SEC-6
    settings.TDSP_ADAPTERS = {"oncor": f"{__name__}.RecordingAdapter"}
    RecordingAdapter.sent = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        odr.on_demand_read_request(user=customer, premise=premise)
    assert RecordingAdapter.sent == [] and len(callbacks) == 1


def test_the_simulated_tdsp_answers_through_the_tdsp_api(
    simulated, client, clock, customer, premise, django_capture_on_commit_callbacks
):  # USG-11, API-3
    with django_capture_on_commit_callbacks(execute=True):
        read = odr.on_demand_read_request(user=customer, premise=premise)
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.COMPLETED
    assert read.register_read > 0 and read.read_at == START
    message = TdspMessage.objects.get(kind="odr_result")
    assert message.tdsp == premise.tdsp
    assert message.message_id == f"sim-odr-{read.tdsp_request_id}"
    html = report_page(client, customer, premise).content.decode()
    assert str(read.register_read) in html
    assert "05/01/2026 10:00:00 AM" in html  # the read's time in America/Chicago


def test_the_simulated_tdsp_fails_at_the_configured_rate(
    simulated, client, clock, customer, premise, django_capture_on_commit_callbacks
):  # USG-11
    simulated.SIMULATED_TDSP_ODR_FAILURE_RATE = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        read = odr.on_demand_read_request(user=customer, premise=premise)
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.FAILED
    assert read.failure_reason == tdsp_adapter.SIMULATED_FAILURE_REASON
    html = report_page(client, customer, premise).content.decode()
    assert ERROR_TEXT in html
    assert "disabled" not in html  # USG-11 decision: a failed read may be tried again


def test_the_simulated_failure_is_the_same_for_one_request(simulated):  # SEC-6: idempotent
    simulated.SIMULATED_TDSP_ODR_FAILURE_RATE = 0.5
    draws = [tdsp_adapter.simulated_failure(f"request-{n}") for n in range(200)]
    assert draws == [tdsp_adapter.simulated_failure(f"request-{n}") for n in range(200)]
    assert 60 < sum(draws) < 140


def test_a_rerun_of_the_simulated_answer_is_a_replay(simulated, clock, customer, premise):
    # SEC-6, API-3: a task delivered twice answers twice; the second changes nothing.
    read = odr.on_demand_read_request(user=customer, premise=premise)
    first = simulated_tdsp_odr_answer_task.delay(read.pk).get()
    second = simulated_tdsp_odr_answer_task.delay(read.pk).get()
    assert (first["status"], second["status"]) == ("processed", "duplicate")
    assert TdspMessage.objects.filter(kind="odr_result").count() == 1


# --- the timeout sweep (SEC-6) -----------------------------------------------------------------


def test_a_read_without_answer_fails_after_the_timeout(clock, customer, premise):  # SEC-6
    read = odr.on_demand_read_request(user=customer, premise=premise)
    clock.move_to(START + timedelta(minutes=odr.TIMEOUT_MINUTES) - timedelta(seconds=1))
    assert odr.on_demand_reads_fail_stale() == 0
    clock.move_to(START + timedelta(minutes=odr.TIMEOUT_MINUTES))
    assert odr.on_demand_reads_fail_stale() == 1
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.FAILED
    assert "No answer from the TDSP" in read.failure_reason
    assert odr.on_demand_reads_fail_stale() == 0  # safe to run twice


def test_the_sweep_command_has_a_dry_run_and_a_summary(clock, customer, premise):  # OPS-2
    read = odr.on_demand_read_request(user=customer, premise=premise)
    clock.move_to(START + timedelta(hours=1))
    out = StringIO()
    call_command("fail_stale_on_demand_reads", "--dry-run", stdout=out)
    assert "Would fail 1" in out.getvalue()
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.PENDING
    call_command("fail_stale_on_demand_reads", stdout=out)
    assert "Failed 1" in out.getvalue()
    read.refresh_from_db()
    assert read.status == OnDemandRead.Status.FAILED


def test_the_sweep_runs_from_beat(settings):  # OPS-2
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "usage.tasks.on_demand_reads_fail_stale_task" in tasks


# --- the report page (USG-11, USG-12) ---------------------------------------------------------


def test_the_report_page_has_the_button_enabled_before_any_read(client, clock, customer, premise):
    html = report_page(client, customer, premise).content.decode()  # USG-11
    assert "Request On Demand Read" in html
    assert "disabled" not in html
    assert "csrfmiddlewaretoken" in html  # a POST form (SEC-3)


def test_the_button_is_disabled_with_the_reason_while_the_limit_holds(
    client, clock, customer, premise
):  # USG-11
    odr.on_demand_read_request(user=customer, premise=premise)
    html = report_page(client, customer, premise).content.decode()
    assert "Pending" in html
    assert "Click here to refresh the status." in html
    assert "disabled" in html
    assert "The next request for this meter is possible at 05/01/2026 11:00 AM." in html
    clock.move_to(START + timedelta(hours=1))
    assert "disabled" not in report_page(client, customer, premise).content.decode()


def test_the_page_counts_every_read_of_the_day_not_only_the_newest(
    client, clock, customer, premise
):  # USG-11: more reads than the panel's first query fetches
    for n in range(odr.PER_DAY):
        clock.move_to(datetime(2026, 5, 1, 0, 30 + n, tzinfo=CHICAGO))
        read = odr.on_demand_read_request(user=customer, premise=premise)
        odr.on_demand_read_fail(read_id=read.pk, reason="meter did not answer")
    clock.move_to(datetime(2026, 5, 1, 23, 0, tzinfo=CHICAGO))
    html = report_page(client, customer, premise).content.decode()
    assert ERROR_TEXT in html  # the latest read failed
    assert "limited to 24 requests per meter per day" in html
    assert "disabled" in html


def test_the_page_shows_a_read_older_than_the_limits_window(
    client, clock, customer, premise
):  # USG-11: the latest read, whenever it was
    read = odr.on_demand_read_request(user=customer, premise=premise)
    odr.on_demand_read_complete(read_id=read.pk, register_read=Decimal("12345.678"), read_at=START)
    clock.move_to(START + timedelta(days=3))
    html = report_page(client, customer, premise).content.decode()
    assert "12345.678" in html
    assert "disabled" not in html


def test_the_button_posts_and_returns_to_the_report(client, clock, customer, premise):  # USG-11
    client.force_login(customer)
    url = reverse("usage:on_demand_read", args=[premise.esiid])
    query = "report_type=daily&view=current&start_date=2026-04-01&end_date=2026-04-29"
    response = client.post(url, {"report_query": query}, follow=True)
    report_url = reverse("usage:usage_report", args=[premise.esiid])
    assert response.redirect_chain == [(f"{report_url}?{query}", 302)]
    assert "Your On Demand Read request has been sent." in response.content.decode()
    assert OnDemandRead.objects.get().requested_by == customer
    response = client.post(url, {"report_query": query}, follow=True)
    assert "one request per meter per hour" in response.content.decode()
    assert OnDemandRead.objects.count() == 1


def test_the_button_only_posts(client, customer, premise):  # SEC-3
    client.force_login(customer)
    response = client.get(reverse("usage:on_demand_read", args=[premise.esiid]))
    assert response.status_code == 405


def test_someone_elses_meter_is_a_404(client, clock, customer):  # USG-12, SEC-1
    stranger = PremiseFactory()
    MeterFactory(premise=stranger)
    client.force_login(customer)
    response = client.post(reverse("usage:on_demand_read", args=[stranger.esiid]))
    assert response.status_code == 404
    assert not OnDemandRead.objects.exists()


def test_a_rep_may_read_the_meters_it_serves(client, clock, premise):  # USG-11, USG-12
    rep = UserFactory(rep=True)
    RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
    client.force_login(rep)
    client.post(reverse("usage:on_demand_read", args=[premise.esiid]))
    assert OnDemandRead.objects.get().requested_by == rep


# --- concurrency (PostgreSQL only: SQLite ignores select_for_update) ---------------------------


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_for_one_meter_make_one_read(oncor):  # USG-11, SEC-5
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only real on PostgreSQL")
    premise = PremiseFactory(tdsp=oncor)
    MeterFactory(premise=premise)
    customer = CustomerPremiseFactory(premise=premise).customer
    barrier = Barrier(2)

    def request_once():
        barrier.wait()
        try:
            odr.on_demand_read_request(user=customer, premise=premise)
            return "sent"
        except odr.OnDemandReadRefused:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(lambda _: request_once(), range(2)))
    assert outcomes == ["refused", "sent"]
    assert OnDemandRead.objects.filter(premise=premise).count() == 1


# --- admin (OPS-1) -----------------------------------------------------------------------------


def test_staff_see_on_demand_reads_read_only_in_admin(client, clock, customer, premise):  # OPS-1
    read = odr.on_demand_read_request(user=customer, premise=premise)
    client.force_login(UserFactory(smt_staff=True))
    changelist = reverse("admin:usage_ondemandread_changelist")
    response = client.get(changelist, {"status__exact": "pending", "q": premise.esiid})
    assert response.status_code == 200
    assert read.meter_number in response.content.decode()
    assert client.get(reverse("admin:usage_ondemandread_add")).status_code == 403
    detail = client.get(reverse("admin:usage_ondemandread_change", args=[read.pk]))
    assert detail.status_code == 200 and b'name="status"' not in detail.content


def test_a_shared_meter_is_read_only_for_the_friend(client, clock, customer, premise):
    # ACC-22, USG-11: a read uses the meter's hourly limit, so only its customer asks.
    friend = UserFactory(email="friend@example.com")
    link = customer.premise_links.get()
    share = meter_share_invite(link=link, friend_email=friend.email)
    meter_share_answer(share=share, user=friend, accept=True)
    html = report_page(client, friend, premise).content.decode()
    assert "its own customer can request an On Demand Read" in html
    assert 'disabled aria-describedby="odr-limit"' in html
    with pytest.raises(odr.OnDemandReadRefused):
        odr.on_demand_read_request(user=friend, premise=premise)
    assert not OnDemandRead.objects.exists()
    owner_page = report_page(client, customer, premise).content.decode()
    assert "its own customer can request" not in owner_page
    assert odr.on_demand_read_request(user=customer, premise=premise).is_pending
