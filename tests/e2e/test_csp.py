"""The Content-Security-Policy in a real browser (SEC-3): the main pages of each role, and
what their scripts do (page help, the folded menu, the request form's fields), work under
the policy with not one violation. Chromium reports each blocked script, style or image as a
`securitypolicyviolation` event and a console error; the watch below fails on either."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

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

# Runs in every document before its own scripts (injected by the browser, outside the page's
# policy) and hands each violation to Python.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} on ${document.location.pathname}`
  );
});
"""


class CspWatch:
    """A page whose CSP violations, CSP console errors and script errors are collected."""

    def __init__(self, browser, base_url: str, viewport: dict):
        self.base_url = base_url
        self.problems: list[str] = []
        self.page = browser.new_page(viewport=viewport)
        self.page.expose_function("reportCspViolation", self._violation)
        self.page.add_init_script(REPORT_VIOLATIONS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _violation(self, text: str) -> None:
        self.problems.append(f"violation: {text}")

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"console: {message.text}")

    def visit(self, path: str):
        response = self.page.goto(f"{self.base_url}{path}")
        assert response.status == 200, path
        # The policy is really there, so a clean page means something.
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        return self.page

    def log_in(self, user_id: str) -> None:
        self.page.context.clear_cookies()
        self.visit("/login/")
        self.page.get_by_label("User ID").fill(user_id)
        self.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        self.page.get_by_role("button", name="Log In").click()
        assert self.page.get_by_role("button", name="Log Out").is_visible()

    def assert_clean(self) -> None:
        self.page.wait_for_timeout(200)  # events of the last page are delivered asynchronously
        assert self.problems == []


@pytest.fixture
def watch(browser, live_server):
    watches = []

    def open_page(viewport=DESKTOP) -> CspWatch:
        watches.append(CspWatch(browser, live_server.url, viewport))
        return watches[-1]

    yield open_page
    for opened in watches:
        opened.page.close()


@pytest.fixture
def people():
    rep = UserFactory(username="rep.admin", rep_admin=True)
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
    RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
    customer = CustomerPremiseFactory(premise=premise, customer__username="cust.omer").customer
    day = latest_available_day(timezone.localdate())
    count = intervals_in_day(day)
    values = tuple(Decimal("0.100") + Decimal(n % 12) / 40 for n in range(count))
    interval_days_store([IntervalDayInput(premise.pk, day, "C", values, "A" * count)])
    agreement = AgreementFactory(initiated_by=rep, premise=premise, customer=customer)
    UserFactory(username="energy.advisor", third_party_admin=True)
    UserFactory(username="oncor.admin", tdsp_admin=True)
    return {"esiid": premise.esiid, "agreement": agreement}


def test_the_watch_sees_a_violation(watch, people):
    # The control: content the policy refuses is reported, so the clean walks below mean it.
    session = watch()
    page = session.visit("/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)
    reported = " | ".join(session.problems)
    assert "violation: style-src" in reported and "console: " in reported, reported


def test_customer_pages_run_under_the_policy(watch, people):
    session = watch()
    page = session.visit("/register/")
    page.locator("summary[title='Help for this page']").click()
    assert page.locator(".page-help-body").is_visible()
    page.get_by_role("button", name="Hide Help").click()
    assert not page.locator(".page-help-body").is_visible()
    session.visit("/forgot-password/")

    session.log_in("cust.omer")
    esiid = people["esiid"]
    session.visit("/")
    page = session.visit(f"/usage/meters/{esiid}/usage/")
    chart = page.locator("figure.chart svg.chart-plot")
    assert chart.locator("rect").count() >= 92  # UX-4: the day's bars, drawn by the stylesheet
    assert chart.bounding_box()["height"] > 50
    session.visit(f"/usage/meters/{esiid}/meter/")
    session.visit("/my-account/meters/")
    session.visit("/my-account/3rd-party-agreements/")
    session.visit("/my-account/profile/")
    session.assert_clean()


def test_rep_pages_and_the_request_form_run_under_the_policy(watch, people):
    session = watch()
    session.log_in("rep.admin")
    session.visit("/")
    session.visit("/my-account/users/")
    session.visit("/my-account/company/")
    session.visit("/my-account/customer-meters/")
    session.visit("/my-account/customer-agreements/")
    session.visit(f"/my-account/customer-agreements/{people['agreement'].agreement_number}/")

    # AGR-3: static/js/agreements.js shows the fields that apply to the answers.
    page = session.visit("/my-account/customer-agreements/new/one-time/")
    first_name = page.locator("input[name=first_name]")
    language = page.locator("[name=language]").first
    page.locator("input[name=registered][value=yes]").check()
    assert not first_name.is_visible()
    page.locator("input[name=registered][value=no]").check()
    page.locator("input[name=customer_kind][value=residential]").check()
    assert first_name.is_visible() and language.is_visible()
    page.locator("input[name=customer_kind][value=business]").check()
    assert first_name.is_visible() and not language.is_visible()
    session.assert_clean()


def test_third_party_and_tdsp_pages_run_under_the_policy_on_a_phone(watch, people):
    session = watch(PHONE)
    session.log_in("energy.advisor")
    page = session.visit("/my-account/customer-agreements/")
    # static/js/smt.js folds the menu on a phone; the Menu button opens it.
    menu = page.locator(".side-menu")
    assert not menu.get_by_role("link", name="Company Profile").is_visible()
    menu.get_by_text("Menu").click()
    assert menu.get_by_role("link", name="Company Profile").is_visible()
    session.visit("/my-account/customer-agreements/new/")
    session.visit("/usage/report-requests/")

    session.log_in("oncor.admin")
    session.visit("/")
    session.visit("/my-account/approvals/")
    session.assert_clean()


def test_printed_pdf_opens_in_the_browser_under_the_policy(watch, people, screenshot):
    session = watch()
    session.log_in("cust.omer")
    response = session.page.goto(f"{session.base_url}/usage/meters/{people['esiid']}/meter/print/")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    session.page.wait_for_timeout(500)
    screenshot(session.page, "csp-pdf-viewer")  # Chromium's viewer shows the document
    session.assert_clean()


def test_staff_admin_runs_under_the_policy(watch, people):
    # Every changelist (with a filter applied) and the first change form of each, the add
    # forms, the date and time pickers, the select2 autocomplete of an inline, and the page
    # of a staff action: Django 5.2's admin needs no exception from the policy.
    UserFactory(username="staff.one", smt_staff=True)
    rep = people["agreement"].initiated_by
    session = watch()
    page = session.visit("/admin/login/")
    page.locator("#id_username").fill("staff.one")
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("input[type=submit]").click()
    page = session.visit("/admin/")
    links = page.eval_on_selector_all("#content-main a", "links => links.map(a => a.pathname)")
    assert "/admin/accounts/user/" in links
    for path in sorted(set(links)):
        page = session.visit(path)
        if page.locator("#changelist-filter a").count() > 1:
            page.locator("#changelist-filter a").nth(1).click()
            page.wait_for_load_state()
        if page.locator("#result_list tbody th a").count():
            page.locator("#result_list tbody th a").first.click()

    page = session.visit("/admin/notifications/notice/add/")
    for shortcut in page.locator(".datetimeshortcuts a").all():
        shortcut.click()

    page = session.visit(f"/admin/accounts/user/{rep.pk}/change/")
    page.get_by_text("Add another Duns grant").click()
    page.locator(".select2-selection").last.click()
    page.keyboard.type("1")
    page.locator(".select2-results__option").first.wait_for()

    page = session.visit("/admin/accounts/user/")
    page.locator(f"#result_list input[value='{rep.pk}']").check()
    page.locator("select[name=action]").select_option("account_suspend")
    page.locator("button[name=index]").click()
    assert page.locator("#id_comment").is_visible()
    session.assert_clean()
