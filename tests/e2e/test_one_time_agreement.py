"""A 3rd party asks for one-time access to two meters; the customer accepts one on a phone
from the emailed link; the 3rd party downloads the delivered report (AGR-3, AGR-4, AGR-7,
AGR-8, AGR-10, USG-9, UX-2)."""

import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import (
    DEFAULT_PASSWORD,
    CustomerPremiseFactory,
    MeterFactory,
    UserFactory,
)
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.services.reports import latest_available_day

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def with_a_day_of_data(meter) -> None:
    day = latest_available_day(timezone.localdate())
    count = intervals_in_day(day)
    values = tuple(Decimal("0.500") for _ in range(count))
    interval_days_store([IntervalDayInput(meter.premise.pk, day, "C", values, "A" * count)])


def test_third_party_gets_the_report_of_an_accepted_one_time_agreement(
    browser, live_server, screenshot
):
    UserFactory(third_party_admin=True, username="energy.advisor")
    meters = [MeterFactory(meter_number=f"11399900{n}") for n in (1, 2)]
    customer = CustomerPremiseFactory(premise=meters[0].premise).customer
    CustomerPremiseFactory(premise=meters[1].premise, customer=customer)
    for meter in meters:
        with_a_day_of_data(meter)

    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User ID").fill("energy.advisor")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log In").click()
    page.goto(f"{live_server.url}/my-account/customer-agreements/new/one-time/")
    page.locator("input[name=registered][value=yes]").check()
    page.locator("input[name=customer_kind][value=residential]").check()
    page.get_by_label("Email Address").fill(customer.email)
    for n, meter in enumerate(meters, start=1):
        page.get_by_label(f"Meter {n}: ESIID").fill(meter.premise.esiid)
        page.get_by_label(f"Meter {n}: Meter Number").fill(meter.meter_number)
    page.get_by_label("Interval csv").check()
    page.get_by_label("Report Duration").select_option("1d")
    screenshot(page, "agreement-request-page-1")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("I agree to use this web portal").check()
    page.get_by_role("button", name="Send Invitation").click()
    numbers = re.findall(r"\b\d{12}\b", page.locator("main").inner_text())
    assert len(set(numbers)) == 2  # AGR-4: one agreement per meter
    screenshot(page, "agreement-request-done")

    invitation = next(m for m in mail.outbox if m.to == [customer.email] and "accept" in m.body)
    link = re.search(r"https?://\S+/agreements/answer/\S+action=accept", invitation.body)[0]
    phone = browser.new_page(viewport=PHONE)
    phone.goto(live_server.url + urlsplit(link).path + "?" + urlsplit(link).query)
    screenshot(phone, "agreement-answer-phone")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    accepted = next(m for m in meters if m.premise.esiid[-7:] in phone.content())
    phone.get_by_role("button", name="Accept").first.click()
    assert phone.get_by_text("Congratulations! You have accepted").is_visible()
    screenshot(phone, "agreement-accepted-phone")
    phone.close()

    page.goto(f"{live_server.url}/usage/report-requests/")
    download_link = page.get_by_role("link", name=re.compile(r"Download \(\d+ rows\)"))
    with page.expect_download() as download:
        download_link.first.click()
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    # The agreed data: the accepted meter only, one day (the latest available), every interval.
    latest = latest_available_day(timezone.localdate())
    assert {row.split(",")[0] for row in rows[1:]} == {f'"{accepted.premise.esiid}"'}
    assert len(rows) == 1 + intervals_in_day(latest)
    assert all(str(latest) in row for row in rows[1:])
    page.close()
