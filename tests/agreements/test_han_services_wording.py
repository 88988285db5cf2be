"""AGR-17: an Ongoing HAN Services agreement has its own wording, in English and Spanish: it
lets the 3rd party send messages to the customer's HAN devices and gives no access to usage
data. Energy-data agreements keep the usage consent paragraph."""

from unittest import mock

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from agreements import documents
from agreements import emails as agreement_emails
from agreements.emails import email_context
from agreements.models import Agreement
from agreements.services.actions import agreement_terminate
from notifications.services import email_render
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory

from .helpers import active_ongoing, details, emails, ongoing, third_party_admin, token_of

pytestmark = pytest.mark.django_db

HAN = Agreement.Kind.ONGOING_HAN
ENERGY = Agreement.Kind.ONGOING

# The usage consent paragraph of the energy-data emails, and the HAN-services words.
USAGE = {
    "en": ("15-minute electricity usage data", "usage data"),
    "es": ("datos de consumo de electricidad en intervalos de 15 minutos", "datos de consumo"),
}
FIFTEEN = {"en": "15-minute", "es": "15 minutos"}
HAN_WORDS = {
    "en": ("HAN devices", "messages", "Participation in the program is optional"),
    "es": ("dispositivos HAN", "mensajes", "La participación en el programa es opcional"),
}


def registered_customer():
    """A customer with a meter attached, and the meter."""
    customer = UserFactory()
    meter = MeterFactory()
    CustomerPremiseFactory(customer=customer, premise=meter.premise)
    return customer, meter


def rendered(template: str) -> list[str]:
    """Subject, text and HTML of every email of this template."""
    texts = []
    for email in emails(template):
        message = email_render(email)
        texts.append("\n".join([message.subject, message.body, message.alternatives[0][0]]))
    return texts


def customer_emails(kind: str, language: str) -> dict[str, str]:
    """The invitation, accepted and terminated (by the 3rd party) emails of one agreement."""
    user = third_party_admin()
    agreement = active_ongoing(user=user, kind=kind, customer=details(language=language))
    with mock.patch("agreements.documents.pdf_from_html", return_value=b"%PDF-1.7 test"):
        agreement_emails.accepted(agreement=agreement)
    agreement_terminate(agreement=agreement, user=user, reason="Program ended")
    found = {name: rendered(name) for name in ("invitation", "accepted", "terminated")}
    assert all(len(texts) == 1 for texts in found.values()), found
    return {name: texts[0] for name, texts in found.items()}


@pytest.mark.parametrize("language", ["en", "es"])
def test_han_services_customer_emails_speak_of_han_devices_not_usage(language):
    for name, text in customer_emails(HAN, language).items():
        assert HAN_WORDS[language][0] in text, name
        assert HAN_WORDS[language][1] in text, name
        assert FIFTEEN[language] not in text, name
        for phrase in USAGE[language]:
            assert phrase not in text, name


@pytest.mark.parametrize("language", ["en", "es"])
def test_han_services_invitation_has_the_han_legal_paragraph(language):
    text = customer_emails(HAN, language)["invitation"]
    assert HAN_WORDS[language][2] in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_energy_data_emails_keep_the_usage_paragraph(language):
    found = customer_emails(ENERGY, language)
    for name in ("invitation", "accepted"):
        assert USAGE[language][0] in found[name], name
        assert HAN_WORDS[language][0] not in found[name], name
    assert HAN_WORDS[language][0] not in found["terminated"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_han_services_third_party_emails(language):
    user = third_party_admin(language=language)
    customer, meter = registered_customer()
    agreement = active_ongoing(
        user=user, meter=meter, kind=HAN, customer=details(registered=True, email=customer.email)
    )
    (notice,) = rendered("accepted_notice")
    assert HAN_WORDS[language][0] in notice
    agreement_terminate(agreement=agreement, user=customer, reason="Moving on")
    (terminated,) = rendered("terminated")
    assert HAN_WORDS[language][0] in terminated


@pytest.mark.parametrize("language", ["en", "es"])
def test_han_services_pdf_copy(language):
    agreement = active_ongoing(kind=HAN)
    context = email_context(agreement, language=language)
    with translation.override(language):
        html = render_to_string(documents.COPY_TEMPLATE, {**context, "LANGUAGE_CODE": language})
    assert HAN_WORDS[language][0] in html
    assert ("smart meter data" if language == "en" else "datos de su medidor") not in html


def test_emailed_link_page_shows_han_wording(client):
    agreement = ongoing(kind=HAN)
    url = reverse("agreements:answer", args=[token_of(agreement)])
    page = client.get(f"{url}?action=accept").content.decode()
    assert "send text messages to your paired Home Area Network (HAN) devices" in page
    assert "does not give" in page and "access to your electricity usage" in page
    assert "access to your smart meter data" not in page
    assert "grant access to your smart meter data" not in page


def test_emailed_link_page_of_energy_data_keeps_its_wording(client):
    agreement = ongoing(kind=ENERGY)
    url = reverse("agreements:answer", args=[token_of(agreement)])
    page = client.get(url).content.decode()
    assert "access to your smart meter data" in page
    assert "HAN devices" not in page


def test_answered_page_shows_han_wording(client):
    agreement = ongoing(kind=HAN)
    client.post(reverse("agreements:answer", args=[token_of(agreement)]), {"answer": "accept"})
    page = client.get(reverse("agreements:answered")).content.decode()
    assert "may send text messages to your paired HAN devices" in page


def test_customer_detail_shows_han_wording(client):
    customer, meter = registered_customer()
    agreement = ongoing(
        meter=meter, kind=HAN, customer=details(registered=True, email=customer.email)
    )
    client.force_login(customer)
    url = reverse("agreements:my_agreement_detail", args=[agreement.agreement_number])
    page = client.get(url).content.decode()
    assert "send text messages to your paired HAN devices" in page
    assert "smart meter data" not in page


def test_company_detail_shows_han_wording(client):
    user = third_party_admin()
    agreement = active_ongoing(user=user, kind=HAN)
    client.force_login(user)
    url = reverse("agreements:company_detail", args=[agreement.agreement_number])
    page = client.get(url).content.decode()
    assert "paired HAN devices" in page
    assert "does not appear under Customer Meters (3rd Party)" in page
    assert "View Usage" not in page


def test_company_detail_of_energy_data_has_no_han_wording(client):
    user = third_party_admin()
    agreement = active_ongoing(user=user, kind=ENERGY)
    client.force_login(user)
    url = reverse("agreements:company_detail", args=[agreement.agreement_number])
    assert "paired HAN devices" not in client.get(url).content.decode()


def test_model_and_email_flag():
    assert Agreement(kind=HAN).is_han_services
    assert not Agreement(kind=ENERGY).is_han_services
