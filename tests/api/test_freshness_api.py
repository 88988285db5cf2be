"""Data freshness in the APIs (BEY-4): the 3rd-party API's meters carry a `freshness` object
(documented in its OpenAPI document), limited to the agreement's days (USG-12); the
SMT-compatible meter list carries the same figures in SMT's style, its keys unchanged."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import (
    DEFAULT_PASSWORD,
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
)
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

from .helpers import API, bearer

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=CHICAGO)  # the latest expected day is 03/18


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def store(premise, first: date, last: date, *, skip=()) -> None:
    items = []
    day = first
    while day <= last:
        if day not in skip:
            count = intervals_in_day(day)
            items.append(
                IntervalDayInput(premise.pk, day, "C", (Decimal("0.1"),) * count, "A" * count)
            )
        day += timedelta(days=1)
    interval_days_store(items)


def test_the_meters_carry_their_freshness_inside_the_agreement(client):  # BEY-4, USG-12
    """BEY-4: `GET /meters` and `GET /meters/{esiid}` give the freshness figures; USG-12: a
    gap before the agreement's start is not counted for the 3rd party."""
    agreement = AgreementFactory(
        ongoing=True, status="active", start_date=date(2026, 3, 1), end_date=date(2026, 8, 31)
    )
    premise = agreement.premise
    store(
        premise,
        date(2026, 2, 1),
        date(2026, 3, 15),
        skip={date(2026, 2, 10), date(2026, 3, 5)},
    )
    headers = bearer(agreement.initiated_by)

    listed = client.get(f"{API}/meters", **headers).json()["results"][0]
    one = client.get(f"{API}/meters/{premise.esiid}", **headers).json()

    for body in (listed, one):
        assert body["esiid"] == premise.esiid  # the existing keys stay
        assert body["freshness"] == {
            "last_interval_day": "2026-03-15",
            "last_interval_received_at": "2026-03-20T12:00:00-05:00",
            "last_daily_read_day": None,
            "last_monthly_end": None,
            "gap_days": 4,  # 03/05 and 03/16–03/18; 02/10 is before the agreement
            "gap_dates": ["2026-03-05", "2026-03-16", "2026-03-17", "2026-03-18"],
            "stale_days": 3,
        }


def test_a_meter_not_refreshed_yet_has_empty_freshness(client):  # BEY-4
    agreement = AgreementFactory(
        ongoing=True, status="active", start_date=date(2026, 3, 1), end_date=date(2026, 8, 31)
    )
    body = client.get(f"{API}/meters", **bearer(agreement.initiated_by)).json()["results"][0]
    assert body["freshness"]["last_interval_day"] is None
    assert (body["freshness"]["gap_days"], body["freshness"]["stale_days"]) == (0, None)


def test_the_openapi_document_describes_freshness(client):  # BEY-4, API-2
    document = client.get(f"{API}/openapi.json").json()
    schemas = document["components"]["schemas"]
    freshness = schemas["Meter"]["properties"]["freshness"]
    assert "#/components/schemas/Freshness" in str(freshness)
    properties = schemas["Freshness"]["properties"]
    assert {
        "last_interval_day",
        "last_interval_received_at",
        "last_daily_read_day",
        "last_monthly_end",
        "gap_days",
        "gap_dates",
        "stale_days",
    } <= set(properties)
    assert properties["stale_days"]["nullable"] is True


# --- the SMT-compatible API (API-1) -------------------------------------------------------------


def compat_token(client, username: str) -> str:
    response = client.post(
        "/commonapi/user/authenticate",
        {"username": username, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    return response.json()["token"]


def test_the_compatible_meter_list_adds_freshness_keeping_its_keys(client):  # BEY-4, API-1
    link = CustomerPremiseFactory(customer__username="api.customer")
    MeterFactory(premise=link.premise, meter_number="113777001")
    store(link.premise, date(2026, 3, 10), date(2026, 3, 16), skip={date(2026, 3, 12)})
    token = compat_token(client, "api.customer")

    response = client.post(
        "/api/meter",
        {"esiid": "*"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    meter = response.json()["data"][0]
    assert set(meter) == {
        "esiid",
        "meterNumber",
        "address",
        "city",
        "state",
        "zip",
        "tdsp",
        "status",
        "freshness",
    }
    assert meter["freshness"] == {
        "lastIntervalDate": "03/16/2026",
        "lastIntervalReceived": "03/20/2026 12:00:00",
        "lastDailyReadDate": None,
        "lastMonthlyEndDate": None,
        "gapDays": 3,  # 03/12, 03/17, 03/18
        "staleDays": 2,
    }


def test_the_compatible_document_describes_freshness(client):  # BEY-4, API-1
    document = client.get("/api/openapi.json").json()
    meter = document["components"]["schemas"]["Meters"]["properties"]["data"]["items"]
    assert "freshness" in meter["required"]
    assert set(meter["properties"]["freshness"]["properties"]) == {
        "lastIntervalDate",
        "lastIntervalReceived",
        "lastDailyReadDate",
        "lastMonthlyEndDate",
        "gapDays",
        "staleDays",
    }
