"""The SMT-compatible API (API-1, API-4, USG-12), through HTTP and through the
`smart-meter-texas` client package from PyPI, unchanged, pointed at the portal."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.ratelimit import RateLimit
from accounts.services import API_TOKEN_IDLE_MINUTES
from smt.api.common.errors import ApiError
from smt.api.common.limits import limit_enforce
from smt.api.compat.views import SmtApiError, smt_slots
from tests.factories import DEFAULT_PASSWORD, CustomerPremiseFactory, MeterFactory
from usage.models import MeterShare, OnDemandRead
from usage.services import odr
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db


def post(client, name, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        reverse(f"api:{name}"), json.dumps(body), content_type="application/json", **headers
    )


@pytest.fixture
def customer():
    link = CustomerPremiseFactory(customer__username="api.customer")
    MeterFactory(premise=link.premise, meter_number="113777001")
    return link.customer


def token_for(client, user_id="api.customer"):
    response = post(client, "api_authenticate", {"username": user_id, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    return response.json()["token"]


def store_day(premise, day, channel="C"):
    count = intervals_in_day(day)
    values = tuple(Decimal("0.100") + Decimal(n) / 1000 for n in range(count))
    interval_days_store([IntervalDayInput(premise.pk, day, channel, values, "A" * count)])


# --- authenticate ------------------------------------------------------------------------------


def test_wrong_credentials_are_400_and_count_toward_the_lockout(client, customer):  # API-1
    response = post(client, "api_authenticate", {"username": "api.customer", "password": "x"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ERR-USR-INVALIDPASSWORDERROR"
    customer.refresh_from_db()
    assert customer.failed_login_count == 1  # ACC-11: every path counts


def test_a_locked_account_is_403(client, customer):  # API-1, ACC-11
    User.objects.filter(pk=customer.pk).update(status=User.Status.LOCKED)
    response = post(
        client, "api_authenticate", {"username": "api.customer", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 403


def test_an_api_limit_answers_429_with_retry_after_in_the_apis_own_shape():  # SEC-5, API-4
    limit = RateLimit("test-api-limit", limit=1, window_seconds=60)
    with time_machine.travel(datetime(2026, 5, 1, 12, 0, 15, tzinfo=UTC), tick=False):
        limit_enforce(limit, "caller", error=SmtApiError)
        with pytest.raises(ApiError) as refusal:
            limit_enforce(limit, "caller", error=SmtApiError)
    response = refusal.value.response()
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    assert json.loads(response.content) == {
        "errorCode": "RATE_LIMITED",
        "errormessage": "Too many attempts. Please try again in 1 minute.",
        "retryAfter": 45,
    }


def test_bad_json_is_a_400_not_a_500(client):  # API-4
    response = client.post(
        reverse("api:api_authenticate"), "{nope", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["errorCode"] == "INVALID_JSON"


def test_a_token_expires_after_15_quiet_minutes(client, customer):  # API-1
    token = token_for(client)
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=API_TOKEN_IDLE_MINUTES - 1)):
        assert post(client, "api_meter", {"esiid": "*"}, token).status_code == 200
    # Use restarted the window; a quiet spell of 15 minutes ends it.
    later = start + timedelta(minutes=2 * API_TOKEN_IDLE_MINUTES - 1, seconds=1)
    with time_machine.travel(later):
        assert post(client, "api_meter", {"esiid": "*"}, token).status_code == 401
    assert post(client, "api_meter", {"esiid": "*"}, "not-a-token").status_code == 401


# --- meters and usage --------------------------------------------------------------------------


def test_meter_list_holds_only_the_users_meters(client, customer):  # API-1, USG-12
    CustomerPremiseFactory()  # somebody else's
    data = post(client, "api_meter", {"esiid": "*"}, token_for(client)).json()["data"]
    assert [m["meterNumber"] for m in data] == ["113777001"]


@pytest.mark.parametrize(
    "day, filled",
    [(date(2026, 3, 8), 92), (date(2026, 3, 9), 96), (date(2026, 11, 1), 100)],
)
def test_interval_days_come_as_100_slots(day, filled):  # API-1
    count = intervals_in_day(day)
    slots = smt_slots(day, ",".join(["0.250"] * count), "A" * count).split(",")
    assert len(slots) == 100
    assert sum(1 for s in slots if s) == filled
    assert slots[0] == "0.250-A"
    repeated_hour = slots[8:12]
    assert all(repeated_hour) is (filled == 100)


def test_interval_synch_returns_the_days_of_the_range(client, customer):  # API-1
    premise = customer.premise_links.get().premise
    store_day(premise, date(2026, 11, 1))
    store_day(premise, date(2026, 11, 2))
    body = {
        "startDate": "11/01/2026",
        "endDate": "11/02/2026",
        "reportFormat": "JSON",
        "ESIID": [premise.esiid],
    }
    energy = post(client, "api_interval_synch", body, token_for(client)).json()["data"][
        "energyData"
    ]
    assert [(e["DT"], e["RT"]) for e in energy] == [("11/01/2026", "C"), ("11/02/2026", "C")]
    assert energy[0]["RD"].split(",")[8] == "0.108-A"  # the repeated 1 AM hour


def test_someone_elses_esiid_is_404_and_bad_fields_are_named(client, customer):  # API-4
    stranger = CustomerPremiseFactory().premise
    token = token_for(client)
    body = {"startDate": "11/01/2026", "endDate": "11/02/2026", "ESIID": [stranger.esiid]}
    assert post(client, "api_interval_synch", body, token).status_code == 404
    own = customer.premise_links.get().premise.esiid
    response = post(
        client, "api_interval_synch", {**body, "ESIID": [own], "endDate": "13/45/2026"}, token
    )
    assert response.status_code == 400 and response.json()["field"] == "endDate"
    response = post(
        client, "api_interval_synch", {**body, "ESIID": [own], "endDate": "12/05/2026"}, token
    )
    assert response.json()["errorCode"] == "RANGE_TOO_LONG"


# --- On Demand Read (USG-11) -------------------------------------------------------------------

ODR_START = datetime(2026, 5, 1, 10, 0, tzinfo=ZoneInfo("America/Chicago"))


@pytest.fixture
def odr_clock():
    with time_machine.travel(ODR_START, tick=False) as traveller:
        yield traveller


def test_on_demand_read_and_latest_read_in_smts_shapes(client, customer, odr_clock):
    # API-1, USG-11
    esiid = customer.premise_links.get().premise.esiid
    token = token_for(client)
    response = post(
        client, "api_on_demand_read", {"ESIID": esiid, "MeterNumber": "L113777001"}, token
    )
    assert response.status_code == 200
    assert response.json()["data"]["RequestStatus"] == "SUCCESS"
    latest = post(client, "api_latest_odr_read", {"ESIID": esiid}, token).json()["data"]
    assert latest == {
        "odrstatus": "PENDING",
        "odrread": "",
        "odrusage": "",
        "odrdate": "",
        "responseMessage": "PENDING",
    }
    read = OnDemandRead.objects.get()
    odr.on_demand_read_complete(
        read_id=read.pk,
        register_read=Decimal("9751.212"),
        read_at=ODR_START + timedelta(minutes=1, seconds=5),
        usage_kwh=Decimal("43.826"),
    )
    latest = post(client, "api_latest_odr_read", {"ESIID": esiid}, token).json()["data"]
    assert latest == {
        "odrstatus": "COMPLETED",
        "odrread": "9751.212",
        "odrusage": "43.826",
        "odrdate": "05/01/2026 10:01:05",  # America/Chicago, as SMT writes it
        "responseMessage": "SUCCESS",
    }


def test_on_demand_read_limit_is_smts_refusal(client, customer, odr_clock):  # API-1, SEC-5
    body = {"ESIID": customer.premise_links.get().premise.esiid, "MeterNumber": "113777001"}
    token = token_for(client)
    assert post(client, "api_on_demand_read", body, token).status_code == 200
    odr_clock.move_to(ODR_START + timedelta(minutes=59, seconds=59))
    token = token_for(client)  # the first one expired after 15 quiet minutes
    refused = post(client, "api_on_demand_read", body, token)
    assert refused.status_code == 429
    answer = refused.json()
    assert answer["errorCode"] == "5031"
    assert "one request per meter per hour" in answer["errormessage"]
    assert answer["data"]["RequestStatus"] == "FLR"
    assert answer["data"]["nextRequestAt"] == "2026-05-01T16:00:00+00:00"
    assert refused["Retry-After"] == "1" and answer["retryAfter"] == 1  # SEC-5: the second left
    odr_clock.move_to(ODR_START + timedelta(hours=1))
    assert post(client, "api_on_demand_read", body, token).status_code == 200


def test_a_failed_read_is_failed_with_the_error_text(client, customer, odr_clock):  # API-1
    premise = customer.premise_links.get().premise
    read = odr.on_demand_read_request(user=customer, premise=premise)
    odr.on_demand_read_fail(read_id=read.pk, reason="no answer")
    latest = post(client, "api_latest_odr_read", {"ESIID": premise.esiid}, token_for(client))
    assert latest.json()["data"]["odrstatus"] == "FAILED"
    assert latest.json()["data"]["responseMessage"] == (
        "Error! On Demand Read request could not be fulfilled. Please try again"
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"MeterNumber": "113777001"}, "ESIID"),
        ({"ESIID": "{esiid}"}, "MeterNumber"),
        ({"ESIID": "{esiid}", "MeterNumber": "999"}, "MeterNumber"),
        ({"ESIID": 5, "MeterNumber": "113777001"}, "ESIID"),
    ],
)
def test_on_demand_read_bad_fields_are_named(client, customer, body, field):  # API-4
    esiid = customer.premise_links.get().premise.esiid
    body = {k: v.format(esiid=esiid) if isinstance(v, str) else v for k, v in body.items()}
    response = post(client, "api_on_demand_read", body, token_for(client))
    assert response.status_code == 400 and response.json()["field"] == field
    assert not OnDemandRead.objects.exists()


def test_on_demand_read_of_someone_elses_meter_is_404(client, customer):  # USG-12, API-4
    stranger = CustomerPremiseFactory().premise
    MeterFactory(premise=stranger, meter_number="113777999")
    token = token_for(client)
    body = {"ESIID": stranger.esiid, "MeterNumber": "113777999"}
    assert post(client, "api_on_demand_read", body, token).status_code == 404
    assert post(client, "api_latest_odr_read", {"ESIID": stranger.esiid}, token).status_code == 404
    assert not OnDemandRead.objects.exists()
    assert post(client, "api_on_demand_read", body).status_code == 401


def test_a_meter_never_read_has_no_latest_read(client, customer):  # API-1
    esiid = customer.premise_links.get().premise.esiid
    response = post(client, "api_latest_odr_read", {"ESIID": esiid}, token_for(client))
    assert response.status_code == 404
    assert response.json()["errorCode"] == "ODR_NOT_FOUND"


# --- the smart-meter-texas package, unchanged ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_smart_meter_texas_package_works_against_the_portal(live_server, monkeypatch, settings):
    # API-1: the client from PyPI logs in, lists meters, reads yesterday's intervals and
    # reads the meter on demand (USG-11) through the simulated TDSP.
    smart_meter_texas = pytest.importorskip("smart_meter_texas")
    aiohttp = pytest.importorskip("aiohttp")
    link = CustomerPremiseFactory(customer__username="pkg.customer")
    MeterFactory(premise=link.premise, meter_number="113888001")
    store_day(link.premise, date.today() - timedelta(days=1))  # noqa: DTZ011 - the package's own "today"
    store_day(link.premise, date.today() - timedelta(days=1), channel="G")  # noqa: DTZ011
    # Only where the portal lives changes; the package's code runs as published.
    monkeypatch.setattr(smart_meter_texas, "BASE_ENDPOINT", f"{live_server.url}/api")
    monkeypatch.setattr(
        smart_meter_texas, "AUTH_ENDPOINT", f"{live_server.url}/commonapi/user/authenticate"
    )
    # Its polling pace is a module constant (15 s); shortened so the test does not wait.
    monkeypatch.setattr(smart_meter_texas, "OD_READ_RETRY_TIME", 0.05)
    settings.TDSP_ADAPTER = "usage.tdsp.simulated.SimulatedTdsp"
    settings.SIMULATED_TDSP_ODR_FAILURE_RATE = 0.0

    async def run():
        async with aiohttp.ClientSession() as session:
            account = smart_meter_texas.Account("pkg.customer", DEFAULT_PASSWORD)
            client = smart_meter_texas.Client(session, account, ssl_context=None)
            meters = await account.fetch_meters(client)
            await meters[0].get_15min(client)
            await meters[0].read_meter(client)
            # USG-11: a second read within the hour is refused; the package keeps polling,
            # never mistakes the previous read for a new one, and gives up.
            with pytest.raises(smart_meter_texas.SmartMeterTexasTimeoutError):
                await meters[0].read_meter(client)
            return meters[0]

    # Its own thread and event loop: Playwright's browser tests keep one running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        meter = pool.submit(asyncio.run, run()).result(timeout=60)
    assert (meter.esiid, meter.meter) == (link.premise.esiid, "113888001")
    assert len(meter.read_15min_consumption) == intervals_in_day(date.today() - timedelta(days=1))  # noqa: DTZ011
    assert meter.read_15min_consumption[0][1] == "0.100"
    assert meter.read_15min  # surplus generation channel
    read = OnDemandRead.objects.get()  # the refused second request left no row
    assert read.status == OnDemandRead.Status.COMPLETED
    assert meter.reading == float(read.register_read) > 0
    assert meter.reading_datetime == read.read_at


def test_a_friend_may_not_request_an_on_demand_read_of_a_shared_meter(
    client, customer, odr_clock
):  # ACC-22, API-1
    premise = customer.premise_links.get().premise
    friend = CustomerPremiseFactory(customer__username="api.friend").customer
    MeterShare.objects.create(
        owner=customer,
        premise=premise,
        friend=friend,
        friend_email=friend.email,
        token_hash="x" * 64,
        invited_at=timezone.now(),
        status=MeterShare.Status.ACTIVE,
    )
    body = {"ESIID": premise.esiid, "MeterNumber": "113777001"}
    refused = post(client, "api_on_demand_read", body, token_for(client, "api.friend"))
    assert refused.status_code == 403 and refused.json()["errorCode"] == "NOT_ALLOWED"
    assert not OnDemandRead.objects.exists()
    assert post(client, "api_on_demand_read", body, token_for(client)).status_code == 200
