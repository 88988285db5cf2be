"""A 3rd party with an Active Ongoing HAN Services agreement sends a critical message that
asks for confirmation to a customer's in-home display; the simulated TDSP delivers it and
the customer confirms it on the device; both sides see it in HAN Device Messages, the
customer on a 375 px phone (HAN-9, AGR-17, UX-2)."""

import pytest

from agreements.services.answers import agreement_answer_by_customer
from han.models import HanMessage
from han.services.answers import han_answer_signed_in
from tests.agreements.helpers import details, ongoing
from tests.factories import MeterFactory, UserFactory
from tests.han.helpers import device as han_device
from tests.han.helpers import provision_registered, registered_customer

from .conftest import DESKTOP, PHONE
from .test_han_provisioning import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAC = "000D6F0000E2E001"
TEXT = "Critical peak 4-7 PM today: please confirm and cut usage. ¡Gracias!"


def test_critical_message_with_confirmation_delivered_and_confirmed(
    browser, live_server, screenshot, settings
):
    settings.SIMULATED_TDSP_HAN_DELAY_SECONDS = 0  # the worker runs at once here (eager)
    settings.SIMULATED_TDSP_HAN_PAIRING_SECONDS = 0
    settings.SIMULATED_TDSP_HAN_CONFIRM_MACS = [MAC]
    company = UserFactory(third_party_admin=True, username="home.energy")
    meter = MeterFactory(meter_number="113999201")
    customer = registered_customer(meter, username="pat.lee")
    # The emails are sent at once here, so the customer answers signed in, not by link.
    (device,) = provision_registered(customer, meter, user=company, devices=[han_device(MAC)])
    han_answer_signed_in(user=customer, request=device, start=True)
    device.refresh_from_db()
    assert device.agreement.status == "device_added"  # the simulated TDSP paired it
    agreement = ongoing(
        user=company,
        meter=meter,
        customer=details(registered=True, email=customer.email),
        kind="ongoing_han",
    )
    agreement_answer_by_customer(agreement=agreement, user=customer, accept=True)

    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, live_server.url, "home.energy")
    page.get_by_role("link", name="My Account").first.click()
    page.get_by_role("link", name="HAN Device Messages").first.click()
    assert page.get_by_text("Your company has not sent any HAN device message yet.").is_visible()
    page.get_by_role("link", name="Send a Message").click()
    page.get_by_label("ESIIDs").fill(meter.premise.esiid)
    page.get_by_role("button", name="Choose devices").click()
    page.get_by_label(f"In-home display {device.masked_mac}", exact=False).check()
    page.get_by_label("Message").fill(TEXT)
    page.get_by_label("Critical").check()
    page.get_by_label("Confirmation required").check()
    screenshot(page, "han-message-compose")
    page.get_by_role("button", name="Send Message").click()

    assert page.get_by_text("Your message was queued for 1 HAN device.").is_visible()
    # HAN-9: the simulated TDSP answered through the TDSP API: Delivered, then Confirmed.
    message = HanMessage.objects.get()
    assert message.status == HanMessage.Status.CONFIRMED
    assert message.priority == "critical" and message.confirmation_required
    page.reload()
    assert page.locator("main tbody").get_by_text("Confirmed by customer").is_visible()
    screenshot(page, "han-message-queued")
    page.get_by_role("link", name="HAN Device Messages").first.click()
    assert page.locator("main tbody").get_by_text("Confirmed by customer").is_visible()
    page.locator("main tbody").get_by_role("link", name=str(message.pk), exact=True).click()
    timeline = page.locator("main table").last.inner_text()
    for status in ("Queued", "Sent to TDSP", "Delivered", "Confirmed by customer"):
        assert status in timeline
    screenshot(page, "han-message-detail")

    phone = browser.new_page(viewport=PHONE)
    sign_in(phone, live_server.url, "pat.lee")
    phone.goto(f"{live_server.url}/my-account/han-device-messages/")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    row = phone.locator("main tbody tr").first
    assert "Confirmed by customer" in row.inner_text()
    assert company.company.name in row.inner_text()
    row.get_by_role("link").first.click()
    assert TEXT in phone.locator("main").inner_text()
    assert "home.energy" not in phone.locator("main").inner_text()  # a user ID is not theirs
    screenshot(phone, "han-message-customer-phone")
    phone.close()
    page.close()
