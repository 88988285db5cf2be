"""The Daily Usage page as a customer meets it on a phone and a desktop (issue 15; USG-3,
USG-11, UX-2, UX-4): the chart, the day's total, Previous Day and the On Demand Read panel
on the first screen of a 375 × 740 phone, the 15-minute table folded until asked for, an On
Demand Read that turns Completed without a reload, and a solar meter's surplus generation
drawn as a second, hatched series."""

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import formats, timezone

from tests.factories import CustomerPremiseFactory, MeterFactory
from usage.models import OnDemandRead
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.services.reports import latest_available_day
from usage.tdsp.simulated import simulated_odr_answer

from .conftest import DESKTOP, PHONE
from .test_main_pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST_SCREEN = PHONE["height"]


class QuietTdsp:
    """A TDSP that takes the request and answers only when the test says so, so the page
    shows the read Pending first (the simulated TDSP answers at once with eager tasks)."""

    def request_on_demand_read(self, read):
        pass


def store_week(premise, *, solar: bool = False) -> None:
    """Eight days of a household's curve (the last week and the day before it)."""
    last = latest_available_day(timezone.localdate())
    items = []
    for offset in range(8):
        day = last - timedelta(days=offset)
        count = intervals_in_day(day)
        used, sent = [], []
        for n in range(count):
            hour = n * 24 / count
            evening = 0.9 * math.exp(-((hour - 19) ** 2) / 6)
            sun = max(0.0, math.sin((hour - 7) / 12 * math.pi)) * 1.4 if solar else 0.0
            load = 0.25 + evening + (0.02 * offset)
            used.append(Decimal(f"{max(load - sun, 0):.3f}"))
            sent.append(Decimal(f"{max(sun - load, 0):.3f}"))
        items.append(IntervalDayInput(premise.pk, day, "C", tuple(used), "A" * count))
        if solar:
            items.append(IntervalDayInput(premise.pk, day, "G", tuple(sent), "A" * count))
    interval_days_store(items)


@pytest.fixture
def meters(settings):
    settings.TDSP_ADAPTER = f"{__name__}.QuietTdsp"
    settings.SIMULATED_TDSP_ODR_FAILURE_RATE = 0
    home = MeterFactory(installed_on=date(2019, 5, 1))
    customer = CustomerPremiseFactory(premise=home.premise, customer__username="cust.daily")
    solar = MeterFactory(installed_on=date(2019, 5, 1))
    CustomerPremiseFactory(premise=solar.premise, customer=customer.customer)
    store_week(home.premise)
    store_week(solar.premise, solar=True)
    return home.premise, solar.premise


def top_of(page, locator) -> float:
    return locator.first.bounding_box()["y"]


def test_daily_usage_on_a_phone(browser, live_server, screenshot, meters):
    home, _solar = meters
    page = browser.new_page(viewport=PHONE)
    log_in(page, live_server.url, "cust.daily")
    page.goto(f"{live_server.url}/usage/meters/{home.esiid}/usage/")

    # The first screen: the chart with the day's total, and Previous Day.
    chart = page.locator("figure.chart").bounding_box()
    assert chart["y"] + chart["height"] <= FIRST_SCREEN
    assert top_of(page, page.get_by_text("Total:")) < FIRST_SCREEN
    assert top_of(page, page.get_by_role("link", name="Previous Day")) < FIRST_SCREEN
    # The On Demand Read panel follows the report at once, its button on the first screen too.
    report = page.locator("section.report").bounding_box()
    odr = page.locator("section.on-demand-read").bounding_box()
    assert odr["y"] - (report["y"] + report["height"]) < 20
    button = page.get_by_role("button", name="Request On Demand Read").bounding_box()
    assert button["y"] + button["height"] <= FIRST_SCREEN
    week_before = latest_available_day(timezone.localdate()) - timedelta(days=7)
    assert f"less than {formats.date_format(week_before, 'DATE_FORMAT')}." in page.content()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "daily-usage-phone")

    # The 15-minute values are folded until asked for.
    table = page.locator("table.numbers")
    assert not table.is_visible()
    page.get_by_text("Show 15-minute values").click()
    assert table.is_visible()

    # A bar tells its value on focus (UX-4).
    page.locator(".chart .bar").nth(72).focus()
    assert "6:00 PM–6:15 PM:" in page.locator("[data-chart-readout]").inner_text()

    # USG-11: the read turns Completed by itself while the page polls.
    page.get_by_role("button", name="Request On Demand Read").click()
    page.locator("[data-odr-status][data-pending]").wait_for()  # the page the POST leads to
    status = page.locator("[data-odr-status]")
    assert "Pending" in status.inner_text()
    page.evaluate("window.notReloaded = true")
    read = OnDemandRead.objects.get(premise=home)
    simulated_odr_answer(read_id=read.pk)
    page.get_by_text("Meter read (kWh)").wait_for(timeout=15_000)
    assert page.evaluate("window.notReloaded === true")
    assert status.get_attribute("aria-live") == "polite"
    assert page.get_by_role("button", name="Request On Demand Read").is_disabled()
    page.close()


def test_daily_usage_on_a_desktop_with_solar(browser, live_server, screenshot, meters):
    home, solar = meters
    page = browser.new_page(viewport=DESKTOP)
    log_in(page, live_server.url, "cust.daily")
    page.goto(f"{live_server.url}/usage/meters/{home.esiid}/usage/")
    labels = page.locator(".chart .x-axis text").evaluate_all("all => all.map(e => e.textContent)")
    assert labels[:3] == ["12:00 AM", "3:00 AM", "6:00 AM"]
    screenshot(page, "daily-usage-desktop")

    page.goto(f"{live_server.url}/usage/meters/{solar.esiid}/usage/")
    assert page.locator(".chart .bar .gen").count() > 10
    assert page.get_by_text(
        "Surplus generation sent to the grid, hatched below the line"
    ).is_visible()
    assert page.get_by_text("Surplus generation sent to the grid:").is_visible()
    screenshot(page, "solar-usage-desktop")
    page.close()
