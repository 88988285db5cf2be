"""A 3rd party provisions two HAN devices on a desktop page; the customer starts pairing from
the emailed link on a 375 px phone; the simulated TDSP walks Add Pending → Meter Ready →
Device Added; both sides see the devices and got seed 004's emails; the customer removes one
device and its slot frees (HAN-1, HAN-2, HAN-4, HAN-6, HAN-7, HAN-8, UX-2)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from agreements.models import Agreement
from han.devices import install_code_with_crc
from han.services.core import slot_holders
from notifications.models import OutboundEmail
from tests.factories import DEFAULT_PASSWORD, CustomerPremiseFactory, MeterFactory, UserFactory

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MACS = ("00:0D:6F:00:00:AB:CD:01", "000d6f0000abcd02")
INSTALL_CODE = install_code_with_crc("83FED3407A939723A5C639B26916D505")


def sign_in(page, base_url: str, user_id: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log In").click()


def test_provision_pair_and_remove_two_han_devices(browser, live_server, screenshot, settings):
    settings.SIMULATED_TDSP_HAN_DELAY_SECONDS = 0  # the worker runs at once here (eager)
    settings.SIMULATED_TDSP_HAN_PAIRING_SECONDS = 0
    UserFactory(third_party_admin=True, username="home.energy")
    meter = MeterFactory(meter_number="113999101")
    customer = CustomerPremiseFactory(premise=meter.premise).customer
    customer.username = "pat.lee"
    customer.save(update_fields=["username"])

    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, live_server.url, "home.energy")
    page.goto(f"{live_server.url}/my-account/customer-agreements/")
    page.get_by_role("link", name="Provision HAN Device").first.click()
    page.locator("input[name=registered][value=yes]").check()
    page.get_by_label("Customer User ID or Email Address").fill("pat.lee")
    page.get_by_label("ESIID").fill(meter.premise.esiid)
    page.get_by_label("Meter Number").fill(meter.meter_number)
    page.get_by_role("button", name="Add another HAN device").click()
    for n, mac in enumerate(MACS):
        page.locator(f"select[name=devices-{n}-device_type]").select_option("in_home_display")
        page.locator(f"input[name=devices-{n}-mac_address]").fill(mac)
        page.locator(f"input[name=devices-{n}-install_code]").fill(INSTALL_CODE)
    page.get_by_label("I agree to use this web portal").check()
    screenshot(page, "han-provision-page")
    page.get_by_role("button", name="Submit").last.click()
    screenshot(page, "han-provision-after-submit")
    assert page.get_by_text("HAN device provision request successful").first.is_visible()
    numbers = sorted(set(re.findall(r"\b\d{12}\b", page.locator("main").inner_text())))
    assert len(numbers) == 2  # HAN-1: one request per device
    screenshot(page, "han-provision-done")

    links = [
        re.search(r"https?://\S+/han/pairing/\S+action=start", m.body)[0]
        for m in mail.outbox
        if m.to == [customer.email] and "/han/pairing/" in m.body
    ]
    assert len(links) == 2
    phone = browser.new_page(viewport=PHONE)
    for link in links:
        phone.goto(live_server.url + urlsplit(link).path + "?" + urlsplit(link).query)
        assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        screenshot(phone, "han-pairing-link-phone")
        phone.get_by_role("button", name="Start the Pairing Process").click()
        assert phone.get_by_text("Pairing Process Has Been Started").first.is_visible()
    screenshot(phone, "han-pairing-started-phone")

    # HAN-7: the simulated TDSP answered through the TDSP API, all the way to Device Added.
    statuses = Agreement.objects.filter(agreement_number__in=numbers).values_list(
        "status", flat=True
    )
    assert set(statuses) == {Agreement.Status.DEVICE_ADDED}
    page.goto(f"{live_server.url}/my-account/customer-meters-3rd-party/han-devices/")
    assert page.locator("main tbody").get_by_text("Device Added", exact=True).count() == 2
    screenshot(page, "han-company-devices")

    sign_in(phone, live_server.url, "pat.lee")
    phone.goto(f"{live_server.url}/my-account/han-devices/")
    assert phone.locator("main tbody").get_by_text("Device Added", exact=True).count() == 2
    assert "ABCD01" in phone.content() and "000D6F0000" not in phone.content()  # NTF-4
    phone.locator("main tbody tr").filter(has_text="ABCD01").get_by_role("link").first.click()
    phone.get_by_role("link", name="Remove HAN Device").click()
    phone.get_by_role("button", name="Remove HAN Device").click()
    screenshot(phone, "han-device-removed-phone")
    assert slot_holders(premise_id=meter.premise_id).count() == 1  # HAN-8: the slot is free
    assert Agreement.objects.filter(status=Agreement.Status.REMOVED).count() == 1

    # HAN-6: seed 004's emails, each once, to each side.
    sent = list(OutboundEmail.objects.values_list("template", flat=True))
    for event in ("request_sent", "meter_ready", "device_added"):
        assert sent.count(f"han/{event}_customer") == 2
        assert sent.count(f"han/{event}_third_party") == 2
    assert sent.count("han/pairing_initiated_third_party") == 2
    assert "han/pairing_initiated_customer" not in sent
    assert sent.count("han/removed_customer") == sent.count("han/removed_third_party") == 1
    phone.close()
    page.close()
