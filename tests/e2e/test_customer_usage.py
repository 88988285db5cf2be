"""A customer on a phone reads the meter on demand and downloads Green Button data
(USG-11, USG-13, USG-10, UX-2)."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, CustomerPremiseFactory, MeterFactory
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.services.reports import latest_available_day

from .conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customer_meter(settings):
    settings.SIMULATED_TDSP_ODR_FAILURE_RATE = 0  # the meter answers (tasks run at once here)
    meter = MeterFactory(installed_on=date(2019, 5, 1))
    link = CustomerPremiseFactory(premise=meter.premise, customer__username="cust.phone")
    last = latest_available_day(timezone.localdate())
    for day in (last - timedelta(days=1), last):
        count = intervals_in_day(day)
        values = tuple(Decimal("0.250") for _ in range(count))
        interval_days_store([IntervalDayInput(meter.premise.pk, day, "C", values, "A" * count)])
    return link


def test_customer_reads_the_meter_and_downloads_green_button_on_a_phone(
    browser, live_server, screenshot, customer_meter
):
    esiid = customer_meter.premise.esiid
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User ID").fill("cust.phone")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log In").click()

    page.goto(f"{live_server.url}/usage/meters/{esiid}/usage/")
    page.get_by_role("button", name="Request On Demand Read").click()
    assert page.get_by_text("Meter read (kWh)").is_visible()
    # USG-11: one an hour, so the button now waits.
    assert page.get_by_role("button", name="Request On Demand Read").is_disabled()
    screenshot(page, "on-demand-read-phone")

    page.get_by_role("link", name="Download My Data").first.click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download My Data").click()
    xml = Path(download.value.path()).read_text(encoding="utf-8")
    assert xml.startswith("<?xml") and "<IntervalBlock" in xml
    assert xml.count("<IntervalReading>") >= 96
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, "download-my-data-phone")
    assert overflow <= 0
    page.close()
