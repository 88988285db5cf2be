"""The main pages of the accounts and usage areas at desktop and phone width: each renders,
nothing sticks out sideways on a phone, and a screenshot is kept (UX-2, issue 3 artifacts)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from tests.factories import (
    DEFAULT_PASSWORD,
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.services.reports import latest_available_day

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, user_id):
    page.goto(f"{base_url}/login/")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log In").click()


def visit(page, base_url, path, screenshot, name):
    response = page.goto(f"{base_url}{path}")
    assert response.status == 200, path
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, name)
    assert overflow <= 0, f"{path} is wider than the screen by {overflow}px"


@pytest.fixture
def people():
    admin = UserFactory(username="rep.admin", rep_admin=True, first_name="Rita")
    UserFactory(rep=True, company=admin.company, username="rep.user")
    UserFactory(rep=True, company=admin.company, status=User.Status.PENDING, username="rep.request")
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
    RorPeriodFactory(premise=premise, ror_duns=admin.duns_grants.get().number)
    customer = CustomerPremiseFactory(premise=premise, customer__username="cust.omer").customer
    day = latest_available_day(timezone.localdate())
    count = intervals_in_day(day)
    values = tuple(Decimal("0.100") + Decimal(n % 12) / 40 for n in range(count))
    interval_days_store([IntervalDayInput(premise.pk, day, "C", values, "A" * count)])
    UserFactory(username="oncor.admin", tdsp_admin=True)
    # A REP acts as a 3rd party too (seed 002): its agreement with the customer.
    agreement = AgreementFactory(initiated_by=admin, premise=premise, customer=customer)
    return {"rep": admin, "customer": customer, "premise": premise, "agreement": agreement}


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_main_pages_fit_the_screen(browser, live_server, screenshot, people, viewport, label):
    base = live_server.url
    page = browser.new_page(viewport=viewport)
    visit(page, base, "/register/", screenshot, f"register-{label}")
    visit(page, base, "/register/company/third-party/", screenshot, f"register-company-{label}")
    visit(page, base, "/register/join/rep/", screenshot, f"join-company-{label}")

    log_in(page, base, "rep.admin")
    esiid = people["premise"].esiid
    agreement = people["agreement"]
    for path, name in [
        ("/my-account/users/", "manage-users"),
        ("/my-account/pending-approval/", "pending-approval"),
        ("/my-account/company/edit/", "company-profile-edit"),
        ("/my-account/customer-meters/", "customer-meters-ror"),
        (f"/usage/meters/{esiid}/meter/", "meter-information"),
        (f"/usage/meters/{esiid}/usage/", "usage-report"),
        ("/usage/report-requests/", "report-requests"),
        ("/my-account/customer-agreements/", "customer-agreements"),
        ("/my-account/customer-agreements/new/one-time/", "agreement-request"),
        (f"/my-account/customer-agreements/{agreement.agreement_number}/", "agreement-detail"),
    ]:
        visit(page, base, path, screenshot, f"{name}-{label}")
    page.context.clear_cookies()

    log_in(page, base, "oncor.admin")
    visit(page, base, "/my-account/approvals/", screenshot, f"tdsp-approvals-{label}")
    page.context.clear_cookies()

    log_in(page, base, "cust.omer")
    visit(page, base, f"/usage/meters/{esiid}/usage/", screenshot, f"customer-usage-{label}")
    visit(page, base, "/my-account/3rd-party-agreements/", screenshot, f"my-agreements-{label}")
    page.close()
