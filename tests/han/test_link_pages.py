"""The emailed Start the Pairing Process / Reject link (HAN-4; seed 001 P2.1, P2.2) under the
AGR-8 rules (SEC-2): a GET only shows, the POST answers once, a used, expired or unknown link
shows only its message, and the outcome page offers registration pre-filled (AGR-12)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from agreements.models import AgreementHistory, AgreementInvitation
from agreements.services.answers import LINK_NOT_VALID
from agreements.services.core import STATUS_CHANGED
from han.views.link import LINK_MESSAGE_IDS
from notifications.models import OutboundEmail
from tests.agreements.helpers import details
from tests.factories import MeterFactory, UserFactory

from .helpers import S, one_request, provision_registered, registered_customer, status_of, token_of

pytestmark = pytest.mark.django_db

ANSWERED_URL = reverse("han:answered")


def link_url(han_request) -> str:
    return reverse("han:answer", args=[token_of(han_request)])


def snapshot(han_request) -> tuple:
    """What an answer would change: the status, the history, the link, the emails."""
    return (
        status_of(han_request),
        AgreementHistory.objects.count(),
        list(AgreementInvitation.objects.values_list("used_at", "answer")),
        OutboundEmail.objects.count(),
    )


@pytest.fixture
def han_request():
    return one_request(comments="Press Start once the display arrives.")


def shows_nothing_of(han_request, html: str) -> bool:
    agreement = han_request.agreement
    return not any(
        text in html
        for text in (
            agreement.company.name,
            han_request.masked_mac,
            agreement.masked_esiid,
            "In-home display",
            "Press Start",
        )
    )


# --- HAN-4, SEC-2: the confirmation page ------------------------------------------------------


def test_get_shows_the_request_and_changes_nothing(client, han_request):  # HAN-4, SEC-2
    before = snapshot(han_request)
    page = client.get(link_url(han_request))
    assert page.status_code == 200
    agreement = han_request.agreement
    for text in (
        agreement.company.name,
        "In-home display",
        han_request.masked_mac,
        agreement.premise.esiid[-7:],  # NTF-4: the last seven digits, as in the email
        "Press Start once the display arrives.",
        "Start the Pairing Process",
        "Reject",
    ):
        assert text in page.text, text
    assert han_request.mac_address not in page.text
    assert han_request.mac_display not in page.text
    assert agreement.premise.esiid not in page.text
    assert han_request.install_code not in page.text
    assert snapshot(han_request) == before


@pytest.mark.parametrize(("action", "emphasised"), [("start", "start"), ("reject", "reject")])
def test_the_emailed_answer_is_emphasised(client, han_request, action, emphasised):  # HAN-4
    page = client.get(link_url(han_request), {"action": action})
    assert page.context["action"] == emphasised
    primary = f'value="{emphasised}"><button type="submit" class="button primary">'
    assert primary in page.text
    if action == "reject":
        assert "Reject this HAN device provision request?" in page.text


def test_the_page_works_on_a_phone_without_inline_code(client, han_request):  # UX-2, SEC-3
    page = client.get(link_url(han_request))
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page.text
    assert "answer-actions" in page.text
    assert "style=" not in page.text
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]


# --- HAN-4: Start the Pairing Process and Reject ------------------------------------------------


def test_start_opens_the_pairing_window_and_shows_p2_2(client, han_request):  # HAN-4, seed P2.2
    response = client.post(link_url(han_request), {"action": "start"})
    assert response.status_code == 302
    assert response.url == ANSWERED_URL
    assert status_of(han_request) == S.PAIRING_INITIATED
    page = client.get(ANSWERED_URL)
    company = han_request.agreement.company.name
    for text in (
        "3rd Party HAN Pairing Process Has Been Started",
        "You have successfully started the pairing process for your HAN device which was "
        f"initiated for you by {company}",
        f"{company} has been notified that you have started the HAN device pairing process.",
        f"You and {company} will receive an email when your Smart Meter is ready to pair with "
        "your HAN device.",
        "You will also receive notification emails once the pairing process has been "
        "successfully completed or if an issue occurs.",
        f"If you have questions about the pairing process or your HAN device, contact {company}.",
        "Would you like to use this information to register for Smart Meter Texas?",
    ):
        assert text in page.text, text
    history = AgreementHistory.objects.filter(agreement=han_request.agreement_id).last()
    assert history.actor_label == "customer link"


def test_the_registration_page_starts_from_the_request(client, han_request):  # AGR-12
    client.post(link_url(han_request), {"action": "start"})
    handoff = client.session["registration_initial"]
    assert handoff["agreement_number"] == han_request.agreement.agreement_number
    register = reverse("usage:register_customer", args=["residential"])
    assert register in client.get(ANSWERED_URL).text
    form = client.get(register).context["form"]
    assert form["first_name"].value() == "Chika"
    assert form["esiid"].value() == han_request.agreement.premise.esiid
    assert form["meter_number"].value() == han_request.agreement.meter_number


def test_a_business_customer_is_offered_the_business_registration(client):  # AGR-12
    han_request = one_request(customer=details(kind="business", company_name="Acme"))
    client.post(link_url(han_request), {"action": "reject"})
    page = client.get(ANSWERED_URL)
    assert reverse("usage:register_customer", args=["business"]) in page.text


def test_reject_closes_the_request_and_says_so(client, han_request):  # HAN-4
    client.post(link_url(han_request), {"action": "reject"})
    assert status_of(han_request) == S.CUSTOMER_REJECTED
    page = client.get(ANSWERED_URL)
    company = han_request.agreement.company.name
    assert f"You have rejected the HAN device provision request from {company}." in page.text
    assert f"please contact {company}" in page.text
    assert han_request.agreement.contact_email in page.text
    assert "Would you like to use this information to register for Smart Meter Texas?" in (
        page.text
    )


def test_a_registered_customer_is_not_offered_registration(client):  # AGR-12
    meter = MeterFactory()
    customer = registered_customer(meter)
    (han_request,) = provision_registered(customer, meter)
    client.post(link_url(han_request), {"action": "start"})
    page = client.get(ANSWERED_URL)
    assert "register for Smart Meter Texas" not in page.text
    assert reverse("accounts:login") in page.text
    assert "registration_initial" not in client.session


def test_a_signed_in_customer_answers_as_themselves(client):  # HAN-4, AGR-18
    meter = MeterFactory()
    customer = registered_customer(meter)
    (han_request,) = provision_registered(customer, meter)
    client.force_login(customer)
    client.post(link_url(han_request), {"action": "start"})
    history = AgreementHistory.objects.filter(agreement=han_request.agreement_id).last()
    assert history.actor == customer
    assert reverse("han:customer_devices") in client.get(ANSWERED_URL).text


def test_a_double_click_answers_once(client, han_request):  # HAN-4, SEC-2
    client.post(link_url(han_request), {"action": "start"})
    before = snapshot(han_request)
    response = client.post(link_url(han_request), {"action": "start"})
    assert response.url == ANSWERED_URL
    assert snapshot(han_request) == before


def test_the_outcome_page_without_an_answer_goes_home(client):
    response = client.get(ANSWERED_URL)
    assert response.status_code == 302
    assert response.url == reverse("home")


# --- AGR-9 rules: used, expired, unknown ----------------------------------------------------------


def test_a_used_link_says_what_was_answered_and_when(client, han_request):  # HAN-4, SEC-2, UX-3
    url = link_url(han_request)
    with time_machine.travel("2026-12-03 10:00 -0600", tick=False):
        client.post(url, {"action": "reject"})
    client.logout()
    for page in (client.get(url), client.post(url, {"action": "start"})):
        assert page.status_code == 200
        assert "You rejected this HAN device provision request on 12/03/2026." in page.text
        assert "already answered" in page.text
        assert shows_nothing_of(han_request, page.text)
        assert "Start the Pairing Process" not in page.text
    assert status_of(han_request) == S.CUSTOMER_REJECTED


def test_another_browser_repeating_the_answer_learns_nothing(client, han_request):  # SEC-2
    url = link_url(han_request)
    client.post(url, {"action": "start"})
    client.cookies.clear()
    before = snapshot(han_request)
    page = client.post(url, {"action": "start"})
    assert "You started the pairing process on" in page.text
    assert shows_nothing_of(han_request, page.text)
    assert snapshot(han_request) == before


def test_an_expired_link_says_expired(client, han_request):  # HAN-5: 35 days
    url = link_url(han_request)
    with time_machine.travel(han_request.agreement.expires_at - timedelta(seconds=1)):
        assert "Start the Pairing Process" in client.get(url).text
    with time_machine.travel(han_request.agreement.expires_at + timedelta(seconds=1)):
        before = snapshot(han_request)
        for page in (client.get(url), client.post(url, {"action": "start"})):
            assert "has expired" in page.text
            assert "35-day period to start the pairing process has ended" in page.text
            assert shows_nothing_of(han_request, page.text)
        assert snapshot(han_request) == before


def test_an_unknown_token_is_not_valid(client, han_request):  # SEC-2
    before = snapshot(han_request)
    for page in (
        client.get(reverse("han:answer", args=["not-a-token"])),
        client.post(reverse("han:answer", args=["not-a-token"]), {"action": "start"}),
    ):
        assert page.status_code == 404
        assert LINK_NOT_VALID in page.text
    assert snapshot(han_request) == before


def test_a_post_without_an_answer_changes_nothing(client, han_request):
    before = snapshot(han_request)
    page = client.post(link_url(han_request), {"action": "later"})
    assert page.status_code == 200
    assert "Start the Pairing Process" in page.text
    assert snapshot(han_request) == before


def test_the_marked_messages_are_the_services_texts():  # NTF-1: translated, not drifted
    assert LINK_MESSAGE_IDS == (LINK_NOT_VALID, STATUS_CHANGED)


def test_the_page_speaks_the_customers_language(client):  # NTF-1, UX-3
    han_request = one_request(customer=details(language="es"))
    page = client.get(link_url(han_request))
    assert page["Content-Language"] == "es"
    assert "Iniciar el proceso de emparejamiento" in page.text


def test_a_signed_in_third_party_does_not_answer_as_the_customer(client, han_request):
    client.force_login(UserFactory(third_party_admin=True))
    client.post(link_url(han_request), {"action": "start"})
    history = AgreementHistory.objects.filter(agreement=han_request.agreement_id).last()
    assert history.actor is None
    assert history.actor_label == "customer link"
