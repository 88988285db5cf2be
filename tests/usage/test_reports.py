"""Usage reports of one meter: Daily Usage, Daily Meter Reads, Monthly Usage, the option
rules and who may see them (USG-1, USG-3..USG-7, USG-12, UX-4)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import (
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    UserFactory,
)
from usage.models import DailyRead, MonthlyUsage
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 20)
LATEST = TODAY - timedelta(days=2)  # USG-6: two days' lag


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO), tick=False):
        yield


@pytest.fixture
def customer_premise():
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
    customer = CustomerPremiseFactory(premise=premise).customer
    return customer, premise


def store_day(premise, day, value="0.250", channel="C"):
    count = intervals_in_day(day)
    interval_days_store(
        [IntervalDayInput(premise.pk, day, channel, tuple([Decimal(value)] * count), "A" * count)]
    )


def report(client, premise, **params):
    return client.get(reverse("usage:usage_report", args=[premise.esiid]), params)


def options(report_type, start, end, **extra):
    return {
        "report_type": report_type,
        "view": "current",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        **extra,
    }


# --- USG-3 Daily Usage -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, rows", [(date(2026, 3, 8), 92), (date(2026, 3, 9), 96), (date(2026, 11, 1), 100)]
)
def test_daily_usage_shows_every_interval_of_the_day(client, customer_premise, day, rows):
    # USG-1, USG-3: 92 / 96 / 100 intervals on the DST days.
    customer, premise = customer_premise
    store_day(premise, day)
    client.force_login(customer)
    html = report(client, premise, **options("interval", day, day)).content.decode()
    assert html.count("<td>0.250</td>") == rows
    assert f"<td>{Decimal('0.250') * rows:.3f}</td>" in html  # the day's total
    assert html.count('<g class="bar"') == rows  # UX-4 chart, one bar per interval


def test_the_repeated_fall_hour_is_labelled_with_its_zone(client, customer_premise):  # USG-1
    customer, premise = customer_premise
    store_day(premise, date(2026, 11, 1))
    client.force_login(customer)
    html = report(client, premise, **options("interval", date(2026, 11, 1), date(2026, 11, 1)))
    text = html.content.decode()
    assert "1:00 AM CDT" in text and "1:00 AM CST" in text  # UX-3: the reader's time format


def test_previous_and_next_day_stay_inside_the_range(client, customer_premise):  # USG-3
    customer, premise = customer_premise
    start, end = date(2026, 11, 10), date(2026, 11, 12)
    client.force_login(customer)
    html = report(client, premise, **options("interval", start, end, day="2026-11-10")).content
    assert b'rel="prev"' not in html and b"day=2026-11-11" in html
    html = report(client, premise, **options("interval", start, end, day="2026-11-12")).content
    assert b'rel="next"' not in html and b"day=2026-11-11" in html
    html = report(client, premise, **options("interval", start, end, day="2030-01-01")).content
    assert b"Thursday, 11/12/2026" in html  # outside the range: the last day of it


def test_version_updates_show_every_version(client, customer_premise):  # USG-1, USG-6
    customer, premise = customer_premise
    day = date(2026, 11, 10)
    store_day(premise, day, "0.250")
    store_day(premise, day, "0.300")  # a corrected file
    client.force_login(customer)
    current = report(client, premise, **options("interval", day, day)).content.decode()
    assert "<td>0.300</td>" in current and "<td>0.250</td>" not in current
    versions = report(client, premise, **options("interval", day, day, view="versions"))
    text = versions.content.decode()
    assert "Version 2" in text and "Version 1" in text and "<td>0.250</td>" in text


def test_no_data_says_so(client, customer_premise):  # USG-9 wording
    customer, premise = customer_premise
    client.force_login(customer)
    html = report(client, premise, **options("interval", LATEST, LATEST)).content
    assert b"No data was found for the options you chose." in html


# --- USG-6 rules at their boundaries -----------------------------------------------------------


@pytest.mark.parametrize(
    "report_type, start, accepted, message",
    [
        ("interval", date(2022, 11, 20), True, "more than 48 months ago"),
        ("interval", date(2022, 11, 19), False, "more than 48 months ago (11/20/2022)"),
        ("daily", date(2022, 11, 20), True, "more than 48 months ago"),
        ("daily", date(2022, 11, 19), False, "more than 48 months ago (11/20/2022)"),
        ("monthly", date(2024, 11, 20), True, "more than 24 months ago"),
        ("monthly", date(2024, 11, 19), False, "more than 24 months ago (11/20/2024)"),
    ],
)
def test_history_window(client, report_type, start, accepted, message):  # USG-6
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2012, 1, 1))
    customer = CustomerPremiseFactory(premise=premise).customer
    client.force_login(customer)
    end = start + timedelta(days=5)
    html = report(client, premise, **options(report_type, start, end)).content.decode()
    assert (message in html) is not accepted


@pytest.mark.parametrize("end, accepted", [(LATEST, True), (LATEST + timedelta(days=1), False)])
def test_data_is_available_two_days_later(client, customer_premise, end, accepted):  # USG-6
    customer, premise = customer_premise
    client.force_login(customer)
    html = report(client, premise, **options("daily", end - timedelta(days=3), end)).content
    assert (b"the latest end date is 11/18/2026" in html) is not accepted


@pytest.mark.parametrize("start, accepted", [(date(2019, 5, 1), True), (date(2019, 4, 30), False)])
def test_not_before_the_meter_was_installed(client, start, accepted):  # USG-6
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
    customer = CustomerPremiseFactory(premise=premise).customer
    client.force_login(customer)
    with time_machine.travel(datetime(2023, 1, 10, 12, 0, tzinfo=CHICAGO), tick=False):
        html = report(client, premise, **options("daily", start, date(2019, 5, 20))).content
    assert (b"before the meter was installed (05/01/2019)" in html) is not accepted


def test_never_before_february_2010(client):  # USG-6
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2009, 1, 1))
    customer = CustomerPremiseFactory(premise=premise).customer
    client.force_login(customer)
    with time_machine.travel(datetime(2013, 1, 10, 12, 0, tzinfo=CHICAGO), tick=False):
        ok = report(client, premise, **options("daily", date(2010, 2, 1), date(2010, 2, 5)))
        early = report(client, premise, **options("daily", date(2010, 1, 31), date(2010, 2, 5)))
    assert b"no data before 02/01/2010" not in ok.content
    assert b"no data before 02/01/2010" in early.content


@pytest.mark.parametrize("days, online", [(39, True), (40, False)])
def test_daily_usage_under_40_days_is_shown_online(client, customer_premise, days, online):
    # USG-7
    customer, premise = customer_premise
    client.force_login(customer)
    start = LATEST - timedelta(days=days - 1)
    html = report(client, premise, **options("interval", start, LATEST)).content
    assert (b"too large to show on screen" in html) is not online


# --- USG-4 and USG-5 ---------------------------------------------------------------------------


def test_daily_meter_reads_30_a_page_with_na(client, customer_premise):  # USG-4
    customer, premise = customer_premise
    start = LATEST - timedelta(days=34)
    for offset in range(35):
        day = start + timedelta(days=offset)
        DailyRead.objects.create(
            premise=premise,
            day=day,
            start_read=None if offset == 0 else Decimal("100"),
            end_read=Decimal("110"),
            consumption_kwh=Decimal("10"),
            received_at=datetime(2026, 11, 1, tzinfo=CHICAGO),
        )
    client.force_login(customer)
    html = report(client, premise, **options("daily", start, LATEST)).content.decode()
    assert html.count("<td>10.000</td>") == 30
    assert "N/A" in html
    assert "Page 1 of 2" in html


def test_monthly_usage(client, customer_premise):  # USG-5
    customer, premise = customer_premise
    MonthlyUsage.objects.create(
        premise=premise,
        start_date=date(2026, 9, 1),
        end_date=date(2026, 9, 30),
        actual_kwh=Decimal("812.5"),
        metered_kw=None,
        received_at=datetime(2026, 10, 2, tzinfo=CHICAGO),
    )
    client.force_login(customer)
    html = report(client, premise, **options("monthly", date(2025, 12, 1), LATEST)).content
    assert b"812.500" in html and b"N/A" in html


# --- USG-12 ------------------------------------------------------------------------------------


def test_someone_elses_meter_is_not_found(client, customer_premise):  # USG-12, SEC-1
    _customer, premise = customer_premise
    for user in (UserFactory(), UserFactory(rep=True), UserFactory(third_party_admin=True)):
        client.force_login(user)
        assert report(client, premise).status_code == 404


def test_the_default_report_is_the_latest_day(client, customer_premise):  # USG-3
    customer, premise = customer_premise
    store_day(premise, LATEST)
    client.force_login(customer)
    html = report(client, premise).content.decode()
    assert "Wednesday, 11/18/2026" in html and "<td>0.250</td>" in html


# --- USG-10: Export (CSV) and Print (PDF) ------------------------------------------------------


def test_export_streams_one_row_per_interval_with_the_esiid_quoted(client, customer_premise):
    # USG-10
    customer, premise = customer_premise
    store_day(premise, date(2026, 11, 1))  # 100 intervals
    store_day(premise, date(2026, 11, 2))  # 96
    client.force_login(customer)
    response = client.get(
        reverse("usage:usage_report_csv", args=[premise.esiid]),
        options("interval", date(2026, 11, 1), date(2026, 11, 2)),
    )
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith('"ESIID",USAGE_DATE,REVISION,USAGE_START_TIME')
    assert len(lines) == 1 + 100 + 96
    assert lines[1] == f'"{premise.esiid}",2026-11-01,1,00:00,00:15,0.250,A,Consumption'
    assert any("01:00 CST" in line for line in lines)


def test_export_with_bad_options_goes_back_to_the_form(client, customer_premise):  # USG-6
    customer, premise = customer_premise
    client.force_login(customer)
    response = client.get(
        reverse("usage:usage_report_csv", args=[premise.esiid]),
        options("daily", LATEST, LATEST + timedelta(days=3)),
        follow=True,
    )
    assert b"Correct the report options before exporting." in response.content


def test_print_is_a_pdf_of_the_whole_range(client, customer_premise):  # USG-10
    customer, premise = customer_premise
    for offset in range(3):
        store_day(premise, LATEST - timedelta(days=offset))
    client.force_login(customer)
    response = client.get(
        reverse("usage:usage_report_pdf", args=[premise.esiid]),
        options("interval", LATEST - timedelta(days=2), LATEST),
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_print_and_export_links_carry_the_default_options(client, customer_premise):
    customer, premise = customer_premise
    client.force_login(customer)
    html = report(client, premise).content.decode()
    # USG-3: the last week, so Previous Day works at once (issue 15)
    assert "export/?report_type=interval&amp;view=current&amp;start_date=2026-11-12" in html


# --- queries per report page are bounded -------------------------------------------------------


@pytest.mark.parametrize("report_type, days", [("interval", 1), ("daily", 30), ("monthly", 365)])
def test_report_pages_use_a_bounded_number_of_queries(
    client, customer_premise, django_assert_max_num_queries, report_type, days
):
    customer, premise = customer_premise
    start = LATEST - timedelta(days=days - 1)
    store_day(premise, LATEST)
    for offset in range(min(days, 30)):
        DailyRead.objects.create(
            premise=premise,
            day=LATEST - timedelta(days=offset),
            consumption_kwh=Decimal("5"),
            received_at=datetime(2026, 11, 19, tzinfo=CHICAGO),
        )
    client.force_login(customer)
    with django_assert_max_num_queries(14):
        response = report(client, premise, **options(report_type, start, LATEST))
    assert response.status_code == 200
