"""The 3rd-party API's meters and usage (API-2, API-4): Customer Meters (3rd Party) (AGR-14),
15-minute usage as JSON (USG-3) and Green Button XML (USG-10), daily meter reads (USG-4) and
monthly usage (USG-5) — only the company's meters under Active agreements, only the days of
the agreement (USG-12), with the Energy Data function (ACC-19)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import (
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    TdspFactory,
    UserFactory,
)
from usage.formats.greenbutton import ESPI_NS
from usage.models import DailyRead, MonthlyUsage
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

from .helpers import API, bearer

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
D1 = date(2026, 3, 1)  # the agreement's first day
D2 = date(2026, 11, 30)  # and its last
TODAY = date(2026, 11, 10)
SPRING = date(2026, 3, 8)  # 92 intervals
FALL = date(2026, 11, 1)  # 100 intervals
WINDOW_ERROR = "Dates must be within your agreement with the customer (03/01/2026 – 11/30/2026)."
USAGE = ("intervals", "intervals.xml", "daily-reads", "monthly")


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(TODAY), tick=False) as traveller:
        yield traveller


def agreement_for(user=None, premise=None, start=D1, end=D2, status="active"):
    """An Ongoing Energy Data agreement (AGR-14) of `user`'s company, Active by default."""
    extra = {"initiated_by": user} if user else {}
    if premise:
        extra["premise"] = premise
    return AgreementFactory(ongoing=True, status=status, start_date=start, end_date=end, **extra)


def store_days(premise, first, days, *, channel="C", kwh="0.250", flags=None, values=None):
    items = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        count = intervals_in_day(day)
        readings = values or tuple([Decimal(kwh)] * count)
        items.append(IntervalDayInput(premise.pk, day, channel, readings, flags or "A" * count))
    interval_days_store(items)


@pytest.fixture
def agreement():
    return agreement_for()


@pytest.fixture
def user(agreement):
    return agreement.initiated_by


@pytest.fixture
def esiid(agreement):
    return agreement.premise.esiid


_HEADERS: dict[int, dict[str, str]] = {}


@pytest.fixture(autouse=True)
def _one_token_per_user():
    _HEADERS.clear()
    yield
    _HEADERS.clear()


def headers_of(user) -> dict[str, str]:
    """The user's token (one each: a user holds at most 10, with different names)."""
    if user.pk not in _HEADERS:
        _HEADERS[user.pk] = bearer(user)
    return _HEADERS[user.pk]


def get(client, user, path, **params):
    return client.get(f"{API}{path}", params, **headers_of(user))


def error_of(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body.get("field", "")


def days_of(response) -> list[str]:
    return [row["date"] for row in response.json()["days"]]


# --- GET /meters: Customer Meters (3rd Party) (AGR-14, USG-12) ------------------------------------


def test_meters_are_the_companys_active_agreements_in_esiid_order(client, user):  # AGR-14
    second = agreement_for(user=user, start=date(2026, 6, 1), end=date(2027, 5, 31))
    agreement_for(user=user, status="expired", start=D1, end=D2)  # not listed
    agreement_for(user=user, status="pending", start=None, end=None)
    agreement_for(start=D1, end=D2)  # another company's
    response = get(client, user, "/meters")
    assert response.status_code == 200
    rows = response.json()["results"]
    first = user.agreements_initiated.get(status="active", start_date=D1)
    assert [row["esiid"] for row in rows] == sorted([first.premise.esiid, second.premise.esiid])
    row = next(row for row in rows if row["esiid"] == second.premise.esiid)
    assert row == {
        "esiid": second.premise.esiid,
        "meter_number": second.meter_number,
        "agreement_number": second.agreement_number,
        "customer_last_name": "Akin",
        "address": {"street": "123 Demo Dr", "city": "Dallas", "state": "TX", "zip_code": "75201"},
        "tdsp": "Oncor",
        "sandbox": False,
        "data_from": "2026-06-01",
        "data_through": "2027-05-31",
        "freshness": {  # BEY-4: no data received yet
            "last_interval_day": None,
            "last_interval_received_at": None,
            "last_daily_read_day": None,
            "last_monthly_end": None,
            "gap_days": 0,
            "gap_dates": [],
            "stale_days": None,
        },
    }


def test_meters_are_searched_by_esiid_with_the_acc_20_input(client, user, esiid):  # ACC-20
    other = agreement_for(user=user)
    found = get(client, user, "/meters", esiid=other.premise.esiid).json()["results"]
    assert [row["esiid"] for row in found] == [other.premise.esiid]
    both = get(client, user, "/meters", esiid=f"{esiid},{other.premise.esiid}").json()
    assert len(both["results"]) == 2
    assert error_of(get(client, user, "/meters", esiid="1*")) == (400, "INVALID", "esiid")


def test_meters_page_with_a_cursor(client, user):
    for _ in range(2):
        agreement_for(user=user)
    esiids = sorted(a.premise.esiid for a in user.agreements_initiated.all())
    first = get(client, user, "/meters", page_size=2).json()
    assert [row["esiid"] for row in first["results"]] == esiids[:2]
    second = client.get(first["next"], **headers_of(user)).json()
    assert [row["esiid"] for row in second["results"]] == esiids[2:]
    assert second["next"] is None


def test_the_meter_list_reads_every_window_in_one_query(
    client, user, django_assert_max_num_queries
):  # USG-12: not a query per row
    headers = headers_of(user)
    client.get(f"{API}/meters", **headers)  # the token's last use is recorded once
    for _ in range(8):
        agreement_for(user=user)
    # the token and its user's DUNS (ACC-10), the list, every row's window
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/meters", **headers)
    assert len(response.json()["results"]) == 9


def test_one_meter(client, user, agreement, esiid):
    response = get(client, user, f"/meters/{esiid}")
    assert response.status_code == 200
    body = response.json()
    assert body["agreement_number"] == agreement.agreement_number
    assert (body["esiid"], body["data_from"], body["data_through"]) == (
        esiid,
        "2026-03-01",
        "2026-11-30",
    )


# --- tenancy (USG-12, SEC-1) and permissions (ACC-19) ---------------------------------------------


def paths(esiid: str) -> list[str]:
    return [f"/meters/{esiid}"] + [f"/meters/{esiid}/{usage}" for usage in USAGE]


def test_another_companys_esiid_is_404_everywhere(client, user):  # USG-12, SEC-1
    theirs = agreement_for()
    for path in paths(theirs.premise.esiid):
        response = get(client, user, path, start="2026-03-01", end="2026-03-02")
        assert error_of(response) == (404, "NOT_FOUND", ""), path


def test_a_customers_esiid_without_an_agreement_is_404(client, user):  # USG-12
    premise = CustomerPremiseFactory().premise
    store_days(premise, D1, 2)
    for path in [*paths(premise.esiid), *paths("10443729999999999")]:
        response = get(client, user, path, start="2026-03-01", end="2026-03-02")
        assert error_of(response) == (404, "NOT_FOUND", ""), path


@pytest.mark.parametrize("status", ["expired", "terminated", "pending"])
def test_an_agreement_not_in_force_opens_nothing(client, status):  # AGR-14, USG-12
    agreement = agreement_for(status=status)
    user = agreement.initiated_by
    assert get(client, user, "/meters").json()["results"] == []
    response = get(client, user, f"/meters/{agreement.premise.esiid}/intervals", start="2026-03-01")
    assert error_of(response)[0] == 404


def test_a_rep_does_not_read_the_meters_it_serves_here(client):  # API-2: agreements only
    rep = UserFactory(rep_admin=True)
    premise = MeterFactory().premise
    premise.ror_periods.create(ror_duns=rep.duns_grants.get().number, started_on=D1)
    store_days(premise, D1, 1)
    assert error_of(get(client, rep, f"/meters/{premise.esiid}"))[0] == 404
    response = get(
        client, rep, f"/meters/{premise.esiid}/intervals", start="2026-03-01", end="2026-03-01"
    )
    assert error_of(response)[0] == 404


@pytest.mark.parametrize("grant", [{}, {"can_in_home_devices": True}])
def test_a_user_without_energy_data_gets_403(client, agreement, esiid, grant):  # ACC-19
    user = UserFactory(third_party=True, company=agreement.company, **grant)
    for path in ["/meters", *paths(esiid)]:
        response = get(client, user, path, start="2026-03-01", end="2026-03-02")
        assert error_of(response) == (403, "FORBIDDEN", ""), path


def test_a_user_granted_energy_data_reads_the_companys_meters(client, agreement, esiid):
    user = UserFactory(third_party=True, company=agreement.company, can_energy_data=True)
    store_days(agreement.premise, D1, 1)
    assert [row["esiid"] for row in get(client, user, "/meters").json()["results"]] == [esiid]
    response = get(client, user, f"/meters/{esiid}/intervals", start="2026-03-01", end="2026-03-01")
    assert days_of(response) == ["2026-03-01"]


def test_without_a_token_it_is_401(client, esiid):
    response = client.get(f"{API}/meters/{esiid}/intervals")
    assert error_of(response) == (401, "UNAUTHENTICATED", "")


# --- the agreement's period (USG-12, AGR-14): both sides of both ends -----------------------------


@pytest.mark.parametrize("usage", USAGE)
def test_the_day_before_the_agreement_is_refused_and_its_first_day_is_read(
    client, user, agreement, esiid, usage
):  # USG-12, AGR-14
    store_days(agreement.premise, D1 - timedelta(days=1), 2)
    before = get(client, user, f"/meters/{esiid}/{usage}", start="2026-02-28", end="2026-03-01")
    assert error_of(before) == (400, "OUTSIDE_AGREEMENT", "start")
    assert before.json()["message"] == WINDOW_ERROR
    first = get(client, user, f"/meters/{esiid}/{usage}", start="2026-03-01", end="2026-03-01")
    assert first.status_code == 200


@pytest.mark.parametrize("usage", USAGE)
def test_the_agreements_last_day_is_read_and_the_day_after_refused(
    client, clock, user, agreement, esiid, usage
):  # USG-12, AGR-14
    clock.move_to(at(D2))  # the last day the agreement is in force
    store_days(agreement.premise, D2 - timedelta(days=1), 2)
    last = get(client, user, f"/meters/{esiid}/{usage}", start="2026-11-29", end="2026-11-30")
    assert last.status_code == 200
    after = get(client, user, f"/meters/{esiid}/{usage}", start="2026-11-29", end="2026-12-01")
    assert error_of(after) == (400, "OUTSIDE_AGREEMENT", "end")
    assert after.json()["message"] == WINDOW_ERROR


def test_interval_days_at_both_ends_of_the_agreement(client, clock, user, agreement, esiid):
    store_days(agreement.premise, D1 - timedelta(days=1), 2)  # 02/28 is stored, never shown
    first = get(client, user, f"/meters/{esiid}/intervals", start="2026-03-01", end="2026-03-05")
    assert days_of(first) == ["2026-03-01"]
    clock.move_to(at(D2))
    store_days(agreement.premise, D2, 2)  # 12/01 is stored, never shown
    last = get(client, user, f"/meters/{esiid}/intervals", start="2026-11-25", end="2026-11-30")
    assert days_of(last) == ["2026-11-30"]


def test_a_range_wholly_before_the_agreement_names_its_start(client, user, esiid):
    response = get(client, user, f"/meters/{esiid}/intervals", start="2026-01-01", end="2026-01-31")
    assert error_of(response) == (400, "OUTSIDE_AGREEMENT", "start")
    assert response.json().get("errors") is None  # only the start leaves the window


def test_a_range_around_the_agreement_names_both_parameters(client, clock, user, esiid):
    clock.move_to(at(D2))
    response = get(client, user, f"/meters/{esiid}/intervals", start="2026-02-01", end="2026-12-31")
    assert error_of(response) == (400, "OUTSIDE_AGREEMENT", "start")
    assert set(response.json()["errors"]) == {"start", "end"}


# --- bad parameters (API-4) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"end": "2026-03-02"}, "start"),
        ({"start": "2026-03-01"}, "end"),
        ({"start": "", "end": "2026-03-02"}, "start"),
        ({"start": "03/01/2026", "end": "2026-03-02"}, "start"),
        ({"start": "2026-02-30", "end": "2026-03-02"}, "start"),
        ({"start": "2026-03-01", "end": "soon"}, "end"),
        ({"start": "2026-03-05", "end": "2026-03-04"}, "end"),
        ({"start": "2026-03-01", "end": "2027-03-02"}, "end"),  # 367 days
    ],
)
@pytest.mark.parametrize("usage", ["intervals", "intervals.xml", "daily-reads"])
def test_bad_dates_are_400_naming_the_parameter(client, user, esiid, usage, params, field):
    response = get(client, user, f"/meters/{esiid}/{usage}", **params)
    assert error_of(response) == (400, "INVALID", field)
    assert response["Content-Type"] == "application/json"


def test_monthly_takes_up_to_24_months(client, user, esiid):  # USG-5
    too_long = get(client, user, f"/meters/{esiid}/monthly", start="2026-03-01", end="2028-03-01")
    assert error_of(too_long) == (400, "INVALID", "end")


def test_a_year_is_one_request_and_a_day_more_is_refused(client, clock, user, agreement, esiid):
    clock.move_to(at(D2))  # API-2: 366 days in one request (a leap year fits)
    agreement.start_date = date(2025, 11, 30)
    agreement.save()
    year = get(client, user, f"/meters/{esiid}/intervals", start="2025-11-30", end="2026-11-30")
    assert year.status_code == 200
    more = get(client, user, f"/meters/{esiid}/intervals", start="2025-11-29", end="2026-11-30")
    assert error_of(more) == (400, "INVALID", "end")


# --- GET /meters/{esiid}/intervals (USG-3) --------------------------------------------------------


def test_intervals_per_day_with_local_starts_kwh_quality_and_version(
    client, user, agreement, esiid
):
    count = intervals_in_day(date(2026, 4, 1))
    values = [Decimal("0.125")] * count
    values[3] = None  # a missing interval
    flags = "A" * 2 + "E" + "-" + "A" * (count - 4)
    store_days(agreement.premise, date(2026, 4, 1), 1, values=tuple(values), flags=flags)
    store_days(agreement.premise, date(2026, 4, 1), 1, kwh="0.500")  # a corrected version
    store_days(agreement.premise, date(2026, 4, 2), 1, values=tuple(values), flags=flags)
    store_days(agreement.premise, date(2026, 4, 2), 1, channel="G", kwh="0.010")
    response = get(client, user, f"/meters/{esiid}/intervals", start="2026-04-01", end="2026-04-03")
    assert response.status_code == 200
    body = response.json()
    assert (body["esiid"], body["start"], body["end"], body["interval_minutes"]) == (
        esiid,
        "2026-04-01",
        "2026-04-03",
        15,
    )
    corrected, with_solar = body["days"]  # 04/03 has no data: left out
    assert corrected["date"] == "2026-04-01" and corrected["interval_count"] == 96
    assert corrected["generation"] is None
    assert corrected["consumption"]["version"] == 2
    assert corrected["consumption"]["total_kwh"] == "48.000"
    assert corrected["consumption"]["intervals"][0] == {
        "start": "2026-04-01T00:00:00-05:00",
        "kwh": "0.500",
        "quality": "actual",
    }
    consumption = with_solar["consumption"]
    assert consumption["version"] == 1
    assert consumption["received_at"] == "2026-11-10T12:00:00-06:00"
    assert [i["quality"] for i in consumption["intervals"][:5]] == [
        "actual",
        "actual",
        "estimated",
        "missing",
        "actual",
    ]
    assert consumption["intervals"][3]["kwh"] is None
    assert consumption["intervals"][95]["start"] == "2026-04-02T23:45:00-05:00"
    generation = with_solar["generation"]
    assert generation["intervals"][1] == {
        "start": "2026-04-02T00:15:00-05:00",
        "kwh": "0.010",
        "quality": "actual",
    }


def test_dst_days_have_92_and_100_intervals_with_their_offsets(client, user, agreement, esiid):
    store_days(agreement.premise, SPRING, 1)  # USG-1
    store_days(agreement.premise, FALL, 1)
    spring = get(client, user, f"/meters/{esiid}/intervals", start="2026-03-08", end="2026-03-08")
    (day,) = spring.json()["days"]
    starts = [i["start"] for i in day["consumption"]["intervals"]]
    assert day["interval_count"] == len(starts) == 92
    assert starts[7:9] == ["2026-03-08T01:45:00-06:00", "2026-03-08T03:00:00-05:00"]
    fall = get(client, user, f"/meters/{esiid}/intervals", start="2026-11-01", end="2026-11-01")
    (day,) = fall.json()["days"]
    starts = [i["start"] for i in day["consumption"]["intervals"]]
    assert day["interval_count"] == len(starts) == 100
    assert starts[4] == "2026-11-01T01:00:00-05:00"
    assert starts[8] == "2026-11-01T01:00:00-06:00"  # the repeated hour, told apart
    assert starts[-1] == "2026-11-01T23:45:00-06:00"


def test_a_year_of_intervals_is_a_bounded_number_of_queries(
    client, clock, user, agreement, esiid, django_assert_max_num_queries
):  # not a query per day
    first = date(2025, 11, 26)
    agreement.start_date = first
    agreement.save()
    store_days(agreement.premise, first, 365)
    headers = headers_of(user)
    client.get(f"{API}/meters", **headers)  # the token's last use is recorded once
    # the token and its user's DUNS (ACC-10), premise, agreement, window, the day rows
    with django_assert_max_num_queries(6):
        response = client.get(
            f"{API}/meters/{esiid}/intervals",
            {"start": first.isoformat(), "end": "2026-11-25"},
            **headers,
        )
    days = response.json()["days"]
    assert len(days) == 365
    assert sum(len(day["consumption"]["intervals"]) for day in days) == 365 * 96


# --- GET /meters/{esiid}/intervals.xml (USG-10) ---------------------------------------------------


def test_green_button_xml_holds_a_reading_per_stored_interval(client, user, agreement, esiid):
    count = intervals_in_day(FALL)
    values = [Decimal("0.250")] * count
    values[0] = None  # missing: left out of the feed
    store_days(agreement.premise, FALL, 1, values=tuple(values), flags="-" + "A" * (count - 1))
    store_days(agreement.premise, FALL + timedelta(days=1), 1)
    response = client.get(
        f"{API}/meters/{esiid}/intervals.xml",
        {"start": "2026-11-01", "end": "2026-11-02"},
        HTTP_ACCEPT="application/atom+xml",
        **headers_of(user),
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml"
    assert response["Content-Disposition"] == (
        f'attachment; filename="greenbutton-{esiid}-2026-11-01-2026-11-02.xml"'
    )
    feed = ElementTree.fromstring(b"".join(response.streaming_content))
    readings = feed.findall(f".//{{{ESPI_NS}}}IntervalReading")
    assert len(readings) == (100 - 1) + 96
    assert readings[0].find(f"{{{ESPI_NS}}}value").text == "250"  # Wh


def test_green_button_errors_are_json_whatever_the_client_accepts(client, user, esiid):  # API-4
    response = client.get(
        f"{API}/meters/{esiid}/intervals.xml",
        {"start": "2026-03-01"},
        HTTP_ACCEPT="application/atom+xml",
        **headers_of(user),
    )
    assert error_of(response) == (400, "INVALID", "end")


# --- GET /meters/{esiid}/daily-reads (USG-4), /monthly (USG-5) ------------------------------------


def test_daily_reads_oldest_first_current_version(client, user, agreement, esiid):
    premise, received = agreement.premise, at(TODAY)
    DailyRead.objects.create(
        premise=premise,
        day=date(2026, 5, 1),
        version=1,
        is_current=False,
        consumption_kwh=Decimal("1"),
        received_at=received,
    )
    DailyRead.objects.create(
        premise=premise,
        day=date(2026, 5, 1),
        version=2,
        start_read=Decimal("100.000"),
        end_read=Decimal("112.500"),
        consumption_kwh=Decimal("12.500"),
        received_at=received,
    )
    DailyRead.objects.create(
        premise=premise,
        day=date(2026, 4, 30),
        start_read=None,
        end_read=Decimal("100.000"),
        received_at=received,
    )
    response = get(
        client, user, f"/meters/{esiid}/daily-reads", start="2026-04-01", end="2026-05-31"
    )
    assert response.status_code == 200
    assert response.json()["reads"] == [
        {
            "date": "2026-04-30",
            "version": 1,
            "start_read": None,
            "end_read": "100.000",
            "consumption_kwh": None,
            "received_at": "2026-11-10T12:00:00-06:00",
        },
        {
            "date": "2026-05-01",
            "version": 2,
            "start_read": "100.000",
            "end_read": "112.500",
            "consumption_kwh": "12.500",
            "received_at": "2026-11-10T12:00:00-06:00",
        },
    ]


def test_monthly_usage_only_periods_wholly_inside_the_agreement(client, user, agreement, esiid):
    premise, received = agreement.premise, at(TODAY)
    for start, end in [
        (date(2026, 2, 15), date(2026, 3, 16)),  # begun before the agreement: left out
        (date(2026, 3, 17), date(2026, 4, 15)),
        (date(2026, 4, 16), date(2026, 5, 15)),
    ]:
        MonthlyUsage.objects.create(
            premise=premise,
            start_date=start,
            end_date=end,
            actual_kwh=Decimal("900.000"),
            received_at=received,
        )
    response = get(client, user, f"/meters/{esiid}/monthly", start="2026-03-01", end="2026-05-31")
    assert response.status_code == 200
    periods = response.json()["periods"]
    assert [(p["start_date"], p["end_date"]) for p in periods] == [
        ("2026-03-17", "2026-04-15"),
        ("2026-04-16", "2026-05-15"),
    ]
    assert periods[0]["actual_kwh"] == "900.000" and periods[0]["metered_kw"] is None


# --- the OpenAPI document (API-2) -----------------------------------------------------------------


def test_the_document_describes_the_meter_endpoints(client):
    document = client.get(f"{API}/openapi.json").json()
    assert {
        f"{API}/meters",
        f"{API}/meters/{{esiid}}",
        f"{API}/meters/{{esiid}}/intervals",
        f"{API}/meters/{{esiid}}/intervals.xml",
        f"{API}/meters/{{esiid}}/daily-reads",
        f"{API}/meters/{{esiid}}/monthly",
    } <= set(document["paths"])
    xml = document["paths"][f"{API}/meters/{{esiid}}/intervals.xml"]["get"]["responses"]
    assert set(xml["200"]["content"]) == {"application/atom+xml"}
    assert set(xml["400"]["content"]) == {"application/json"}
    interval = document["components"]["schemas"]["Interval"]["properties"]
    assert interval["kwh"]["type"] == "string" and interval["kwh"]["nullable"] is True


def test_a_meter_names_its_tdsp(client, user):
    premise = PremiseFactory(tdsp=TdspFactory(code="cnp", name="CenterPoint"))
    MeterFactory(premise=premise)
    agreement_for(user=user, premise=premise)
    rows = get(client, user, "/meters", esiid=premise.esiid).json()["results"]
    assert rows[0]["tdsp"] == "CenterPoint"
