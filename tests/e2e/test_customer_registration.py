"""A customer registers on a phone, logs in with the emailed temporary password, finishes
set-up and finds their meter (ACC-3, ACC-6, ACC-23, UX-2)."""

import re

import pytest
from django.core import mail

from tests.factories import MeterFactory

from .conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_registers_and_sets_up_the_account_on_a_phone(browser, live_server, screenshot):
    meter = MeterFactory(meter_number="113999001")
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Create a Residential Account").click()
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Ruiz")
    page.get_by_label("Phone").fill("512-555-0101")
    page.locator("#id_email").fill("ana@example.com")
    page.get_by_label("Re-enter email").fill("ana@example.com")
    page.get_by_label("ESI ID").fill(meter.premise.esiid)
    page.get_by_label("Meter number").fill("L113999001")  # MTR-8: the leading letter is ignored
    page.get_by_label("User ID").fill("ana.ruiz")
    screenshot(page, "register-residential-phone")
    page.get_by_label("I accept the Smart Meter Texas Terms of Use").check()
    page.get_by_role("button", name="Register").click()
    assert page.get_by_text("A temporary password has been sent to ana@example.com").is_visible()

    temporary = re.search(r"temporary password: (\S+)", mail.outbox[-1].body).group(1)
    page.get_by_role("link", name="Log In").last.click()
    page.get_by_label("User ID").fill("ANA.RUIZ")
    page.get_by_label("Password").fill(temporary)
    page.get_by_role("button", name="Log In").click()
    assert page.get_by_role("heading", name="Create your permanent password").is_visible()
    page.locator("#id_new_password1").fill("Sunny-Porch-2026")
    page.get_by_label("Re-enter new password").fill("Sunny-Porch-2026")
    page.locator("#id_security_question").select_option(index=1)
    page.get_by_label("Security question answer").fill("Sparky")
    screenshot(page, "set-up-phone")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Welcome to Smart Meter Texas!").is_visible()

    page.get_by_role("link", name="My Smart Meters").first.click()
    # On a phone each cell reads its column name first (UX-2 cards).
    assert page.get_by_role("cell", name=f"ESI ID {meter.premise.esiid}").first.is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, "my-smart-meters-phone")
    assert overflow <= 0
    page.close()
