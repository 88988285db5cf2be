"""Every email goes in its recipient's language, with that language's one date format
(NTF-1, UX-3)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from accounts.emails import companies as company_emails
from accounts.emails import jobs as job_emails
from accounts.emails import temporary_password
from accounts.models import Company
from agreements import emails as agreement_emails
from notifications.models import OutboundEmail
from notifications.services import email_render
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    CustomerPremiseFactory,
    MeterFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def last_email(template: str) -> OutboundEmail:
    return OutboundEmail.objects.filter(template=template).latest("pk")


def rendered(email: OutboundEmail) -> tuple[str, str]:
    message = email_render(email)
    return message.subject, message.body


# --- the friend-share invitation (ACC-22) --------------------------------------------------


def share(client, owner, friend_email: str) -> OutboundEmail:
    link = CustomerPremiseFactory(customer=owner, premise=MeterFactory().premise)
    client.force_login(owner)
    client.post(reverse("usage:my_meter_share", args=[link.pk]), {"friend_email": friend_email})
    return last_email("usage/meter_share_invitation")


def test_share_invitation_to_a_spanish_account_is_in_spanish(client):  # NTF-1, ACC-22
    owner = UserFactory(language="en", first_name="Maria", last_name="Garcia")
    UserFactory(email="amigo@example.com", language="es")
    email = share(client, owner, "Amigo@Example.com")
    assert email.language == "es"
    subject, body = rendered(email)
    assert "compartió un medidor" in subject
    assert "would like to share" not in body


def test_share_invitation_to_an_english_account_is_in_english(client):  # NTF-1
    owner = UserFactory(language="es")
    UserFactory(email="friend@example.com", language="en")
    email = share(client, owner, "friend@example.com")
    assert email.language == "en"
    subject, _body = rendered(email)
    assert "shared" in subject.lower()


def test_share_invitation_to_an_address_without_account_uses_the_senders_language(client):
    """NTF-1: nobody's preference is known, so the inviting customer's language is used."""
    owner = UserFactory(language="es")
    email = share(client, owner, "nobody@example.com")
    assert email.language == "es"
    assert "compartió" in rendered(email)[0]


# --- company emails (ACC-8, ACC-9, ACC-21) -------------------------------------------------


def test_company_email_goes_in_its_admins_language():  # NTF-1
    company = CompanyFactory(kind=Company.Kind.THIRD_PARTY, email="office@example.com")
    UserFactory(third_party_admin=True, company=company, language="es")
    company_emails.company_status_changed(company=company, comment="")
    email = last_email("accounts/company_status_changed")
    assert email.language == "es"
    subject, _body = rendered(email)
    assert subject == "Smart Meter Texas – El estado de su compañía cambió"
    job_emails.third_party_purged(company=company)
    assert last_email("accounts/third_party_purged").language == "es"


def test_company_email_of_an_account_follows_that_account():  # NTF-1
    company = CompanyFactory(email="owner@example.com")
    UserFactory(rep_admin=True, company=company, language="es")
    UserFactory(email="owner@example.com", language="en")
    company_emails.company_status_changed(company=company, comment="")
    assert last_email("accounts/company_status_changed").language == "en"


def test_company_without_admin_gets_english():  # NTF-1
    company = CompanyFactory()
    company_emails.company_status_changed(company=company, comment="")
    assert last_email("accounts/company_status_changed").language == "en"


# --- dates in the recipient's format, whatever the sender's page language (UX-3) ----------


@time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=CHICAGO), tick=False)
def test_temporary_password_date_is_in_the_recipients_format():  # UX-3, ACC-12
    user = UserFactory(language="es")
    with translation.override("en"):  # an English-speaking administrator's request
        temporary_password(
            user=user,
            password="x",
            expires_at=datetime(2026, 12, 4, 18, 0, tzinfo=CHICAGO),
            purpose="reset",
        )
    assert last_email("accounts/temporary_password_reset").context["expires_on"] == "04/12/2026"


@time_machine.travel(datetime(2026, 12, 4, 14, 30, tzinfo=CHICAGO), tick=False)
def test_agreement_emails_use_each_recipients_language_and_dates():  # NTF-1, UX-3
    contact = UserFactory(third_party=True, email="contact-es@example.com", language="es")
    agreement = AgreementFactory(
        customer_language="en", contact_email=contact.email, initiated_by__language="en"
    )
    with translation.override("es"):  # a Spanish page sent it; the customer reads English
        agreement_emails.invitation(agreement=agreement, token="t")
        agreement_emails.invitation_sent(agreement=agreement)
    invitation = last_email("agreements/invitation")
    assert invitation.language == "en"
    assert invitation.context["expires_on"] == "01/03/2027"
    assert "Invitation" in rendered(invitation)[0]
    sent = last_email("agreements/invitation_sent")
    assert sent.language == "es"  # the contact's own account says Spanish
    assert sent.context["expires_on"] == "03/01/2027"
    assert "Se envió su invitación" in rendered(sent)[0]


def test_invitation_to_an_address_with_a_spanish_account_is_spanish():  # NTF-1
    UserFactory(email="cliente@example.com", language="es")
    agreement = AgreementFactory(customer_email="cliente@example.com", customer_language="en")
    agreement_emails.invitation(agreement=agreement, token="t")
    assert last_email("agreements/invitation").language == "es"
