"""BEY-1 on a phone: a customer opens Who can see my data, reads what withdrawing an ongoing
agreement changes, withdraws it, and finds the receipt in their email and on the page."""

import pytest
from django.core import mail

from agreements.models import Agreement
from agreements.services.answers import agreement_answer_by_customer
from tests.agreements.helpers import details, ongoing, third_party_admin
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory

from .conftest import PHONE
from .test_main_pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_customer_withdraws_an_ongoing_agreement_on_a_phone(browser, live_server, screenshot):
    customer = UserFactory(username="chika.akin", email="chika@example.com")
    meter = MeterFactory()
    CustomerPremiseFactory(customer=customer, premise=meter.premise)
    agreement = ongoing(
        user=third_party_admin(company__name="ACME Energy"),
        meter=meter,
        customer=details(registered=True, email=customer.email),
    )
    agreement_answer_by_customer(agreement=agreement, user=customer, accept=True)
    mail.outbox.clear()

    page = browser.new_page(viewport=PHONE)
    log_in(page, live_server.url, "chika.akin")
    page.locator("a[href='/']").first.wait_for()
    page.goto(f"{live_server.url}/my-account/who-can-see-my-data/")
    page.get_by_role("heading", name="Who can see my data").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "consent-overview-phone")

    page.get_by_role("link", name="Withdraw ACME Energy").click()
    consequences = page.get_by_role("note")
    consequences.wait_for()
    assert "ACME Energy will stop receiving your 15-minute" in consequences.inner_text()
    screenshot(page, "consent-withdraw-phone")
    page.get_by_role("button", name="Withdraw").click()
    page.get_by_text("We have emailed you a receipt").wait_for()
    screenshot(page, "consent-withdrawn-phone")

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    receipt = next(m for m in mail.outbox if m.to == [customer.email])
    assert "ACME Energy" in receipt.subject
    page.reload()
    assert receipt.subject in page.locator("#receipts ~ *").first.inner_text()
    page.close()
