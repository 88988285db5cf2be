"""The usage-first customer Home page and the role home pages in a real browser, at desktop and
phone width (USG-13, UX-6, UX-2; issue 15)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import (
    DEFAULT_PASSWORD,
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
    UserFactory,
)
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, user_id):
    page.goto(f"{base_url}/login/")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log In").click()


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def customer_with_usage():
    """A customer with one meter and 45 days of usage up to yesterday."""
    customer = UserFactory(username="cust.omer", first_name="John", last_name="Smith")
    premise = MeterFactory().premise
    CustomerPremiseFactory(customer=customer, premise=premise)
    yesterday = timezone.localdate() - timedelta(days=1)
    items = []
    for back in range(45):
        day = yesterday - timedelta(days=back)
        count = intervals_in_day(day)
        value = Decimal("0.150") + Decimal(back % 7) / 100
        items.append(IntervalDayInput(premise.pk, day, "C", (value,) * count, "A" * count))
    interval_days_store(items)
    return premise


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_customer_home_opens_on_usage_with_view_usage_in_the_first_screen(
    browser, live_server, screenshot, customer_with_usage, viewport, label
):  # USG-13, UX-2
    page = browser.new_page(viewport=viewport)
    log_in(page, live_server.url, "cust.omer")
    assert page.get_by_role("heading", name="My Usage").is_visible()
    assert page.get_by_text("Yesterday", exact=True).is_visible()
    chart = page.get_by_role("img", name="Daily use from")
    assert chart.is_visible()
    view_usage = page.get_by_role("link", name="View usage")
    box = view_usage.bounding_box()
    assert box is not None and box["y"] + box["height"] <= viewport["height"], box
    assert box["height"] >= 24 and box["width"] >= 24  # WCAG 2.2 2.5.8
    assert overflow(page) <= 0
    screenshot(page, f"home-customer-{label}")

    view_usage.click()
    page.wait_for_url(f"**/usage/meters/{customer_with_usage.esiid}/usage/**")
    tabs = page.get_by_role("navigation", name="Main")
    assert tabs.locator('a[aria-current="page"]').inner_text() == "Usage"
    page.close()


def test_company_home_pages_show_their_tasks_and_counts(browser, live_server, screenshot):
    """UX-6, seed 002: the 3rd party, REP and TDSP home pages, each task a link with its
    count."""
    third_party = UserFactory(username="tp.admin", third_party_admin=True)
    AgreementFactory(initiated_by=third_party)
    AgreementFactory(initiated_by=third_party)
    UserFactory(username="rep.admin", rep_admin=True)
    UserFactory(username="oncor.admin", tdsp_admin=True)
    for user_id, name, expected in [
        ("tp.admin", "home-3rd-party-desktop", "2 agreements pending acceptance"),
        ("rep.admin", "home-rep-desktop", "0 reports processing"),
        ("oncor.admin", "home-tdsp-desktop", "0 approvals waiting"),
    ]:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        log_in(page, live_server.url, user_id)
        assert page.get_by_role("heading", name="Get started...").is_visible()
        assert page.get_by_text(expected).is_visible()
        assert page.get_by_text("Now that you are into your account").count() == 0
        screenshot(page, name)
        context.close()
