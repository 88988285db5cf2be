"""Export Report(s) in a browser (USG-8, seed 003 §8.4): a REP ticks two meters on Customer
Meters, opens Export Report(s), asks for Daily Usage and Monthly Usage with their own dates,
and gets one order number; and a TDSP's staff open their TDSP Meters list (USG-12). At
desktop and phone width, nothing wider than the screen, with screenshots."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import Company, User
from tests.factories import (
    CompanyFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    TdspFactory,
    UserFactory,
)
from usage.models import ReportRequest
from usage.services.reports import latest_available_day

from .conftest import DESKTOP, PHONE
from .test_main_pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def no_overflow(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is wider than the screen by {overflow}px"


@pytest.fixture
def people():
    rep = UserFactory(username="rep.exporter", rep_admin=True)
    company = CompanyFactory(kind=Company.Kind.TDSP, name="Oncor Electric Delivery")
    oncor = TdspFactory(code="oncor", name="Oncor", company=company)
    UserFactory(username="oncor.staff", kind=User.Kind.TDSP, company=company)
    premises = []
    for n in range(3):
        premise = PremiseFactory(tdsp=oncor, city=["Dallas", "Waco", "Tyler"][n])
        MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
        RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
        premises.append(premise)
    return {"rep": rep, "premises": premises}


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_rep_exports_two_reports_of_two_meters_in_one_order(
    browser, live_server, screenshot, people, viewport, label
):
    base = live_server.url
    page = browser.new_page(viewport=viewport)
    log_in(page, base, "rep.exporter")
    page.goto(f"{base}/usage/customer-meters/")
    chosen = people["premises"][:2]
    for premise in chosen:
        page.locator(f'input[name="esiid"][value="{premise.esiid}"]').check()
    page.get_by_role("button", name="Export Report(s)").click()
    page.wait_for_url("**/usage/export/**")
    latest = latest_available_day(timezone.localdate())
    page.get_by_label("Request Daily Usage (15 minutes)").check()
    page.locator("#id_interval-start_date").fill((latest - timedelta(days=59)).isoformat())
    page.locator("#id_interval-end_date").fill(latest.isoformat())
    page.get_by_label("Request Monthly Usage").check()
    page.locator("#id_monthly-start_date").fill((latest - timedelta(days=365)).isoformat())
    page.locator("#id_monthly-end_date").fill(latest.isoformat())
    no_overflow(page)
    screenshot(page, f"export-reports-{label}")
    page.get_by_role("button", name="Export", exact=True).click()
    page.wait_for_selector("text=Order number")
    report = ReportRequest.objects.get()
    assert f"Order number: {report.order_number}" in page.content()
    assert [p.report_type for p in report.report_parts] == ["interval", "monthly"]
    assert sorted(report.premises.values_list("esiid", flat=True)) == sorted(
        p.esiid for p in chosen
    )
    no_overflow(page)
    page.close()


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_tdsp_staff_open_their_meter_list(
    browser, live_server, screenshot, people, viewport, label
):
    base = live_server.url
    page = browser.new_page(viewport=viewport)
    log_in(page, base, "oncor.staff")
    page.goto(f"{base}/usage/tdsp-meters/")
    for premise in people["premises"]:
        assert page.get_by_role("link", name=premise.esiid, exact=True).count() == 1
    no_overflow(page)
    # UX-2: on a phone each row is a card with its actions in view.
    assert page.get_by_role("link", name=f"View Usage {people['premises'][0].esiid}").is_visible()
    screenshot(page, f"tdsp-meters-{label}")
    page.close()
