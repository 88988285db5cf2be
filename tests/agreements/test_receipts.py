"""BEY-1 receipts: the customer gets one email on grant, change (an extension accepted),
withdrawal (their own termination) and expiry of every agreement, and the 3rd party its
notice; in the customer's language (NTF-1), related to the agreement, once per event
(NTF-3), with the ESIID masked (NTF-4)."""

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from agreements.models import Agreement
from agreements.services.actions import agreement_request_extension, agreement_terminate
from agreements.services.answers import (
    agreement_accept,
    agreement_answer_by_customer,
    agreement_copy_send,
)
from agreements.services.jobs import agreement_expire_ended
from notifications.models import OutboundEmail
from notifications.services import email_render
from smt.lib.errors import Refused
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory

from .helpers import (
    CUSTOMER_EMAIL,
    active_ongoing,
    details,
    emails,
    one_time,
    ongoing,
    token_of,
)

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
K = Agreement.Kind
S = Agreement.Status
ONGOING_KINDS = [K.ONGOING, K.ONGOING_HAN]
PDF = mock.patch("agreements.documents.pdf_from_html", return_value=b"%PDF-1.7 test")


def rendered(email: OutboundEmail) -> str:
    message = email_render(email)
    return "\n".join([message.subject, message.body, message.alternatives[0][0]])


def related_to(email: OutboundEmail, agreement: Agreement) -> bool:
    return email.related_id == str(agreement.pk) and email.related_type.model == "agreement"


def registered_customer(language: str = "en"):
    customer = UserFactory(email="ana@example.com", language=language)
    meter = MeterFactory()
    CustomerPremiseFactory(customer=customer, premise=meter.premise)
    return customer, meter


def registered_active(kind=K.ONGOING, language="en", **kwargs) -> tuple[Agreement, object]:
    customer, meter = registered_customer(language)
    agreement = active_ongoing(
        meter=meter, kind=kind, customer=details(registered=True, email=customer.email), **kwargs
    )
    return agreement, customer


# --- grant ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [K.ONE_TIME, K.ONGOING, K.ONGOING_HAN])
def test_grant_sends_the_customer_one_receipt_and_the_third_party_its_notice(
    kind, django_capture_on_commit_callbacks
):  # BEY-1, AGR-10, AGR-14, AGR-17
    pending = one_time() if kind == K.ONE_TIME else ongoing(kind=kind)
    with PDF, django_capture_on_commit_callbacks(execute=True):
        agreement_accept(token=token_of(pending))
    with PDF:
        agreement_copy_send(agreement_id=pending.pk)  # a second run records nothing
    (receipt,) = emails("accepted")
    assert receipt.recipient == CUSTOMER_EMAIL
    assert related_to(receipt, pending)
    assert receipt.event_key == f"agreement-{pending.pk}-accepted-customer"
    (notice,) = emails("accepted_notice")
    assert notice.recipient == "james@green.example"
    assert [m.to for m in mail.outbox].count([CUSTOMER_EMAIL]) == 1


# --- withdrawal -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ONGOING_KINDS)
def test_a_customer_who_terminates_gets_their_own_withdrawal_receipt(kind):  # BEY-1, AGR-14
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement, customer = registered_active(kind=kind)
        agreement_terminate(agreement=agreement, user=customer, reason="No longer needed")
    (receipt,) = emails("withdrawn")
    assert receipt.recipient == customer.email
    assert related_to(receipt, agreement)
    text = rendered(receipt)
    assert "You ended" in text and "03/10/2026" in text
    assert "No longer needed" in text
    assert "privacy policy" in text
    assert agreement.premise.esiid not in text  # NTF-4
    assert agreement.premise.esiid[-7:] in text
    assert len(emails("terminated")) == 1  # the 3rd party's notice, as before
    assert emails("terminated")[0].recipient == "james@green.example"


def test_the_withdrawal_receipt_is_in_spanish_for_a_spanish_customer():  # BEY-1, NTF-1
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement, customer = registered_active(language="es")
        agreement_terminate(agreement=agreement, user=customer, reason="Ya no")
    (receipt,) = emails("withdrawn")
    assert receipt.language == "es"
    message = email_render(receipt)
    assert message.subject.startswith("Smart Meter Texas - Usted terminó el acuerdo")
    assert "10/03/2026" in message.body  # the Spanish short date
    assert "política de privacidad" in message.body


def test_a_third_party_termination_still_tells_the_customer_once():  # AGR-14, BEY-1
    agreement = active_ongoing()
    agreement_terminate(agreement=agreement, user=agreement.initiated_by, reason="Closed")
    with pytest.raises(Refused):  # Terminated is final
        agreement_terminate(agreement=agreement, user=agreement.initiated_by, reason="Again")
    (receipt,) = emails("terminated")
    assert receipt.recipient == CUSTOMER_EMAIL
    assert emails("withdrawn") == []


# --- change: an extension accepted ------------------------------------------------------------


@pytest.mark.parametrize("by_link", [True, False])
def test_an_accepted_extension_sends_the_customer_a_receipt_of_the_new_end_date(
    by_link,
):  # BEY-1, AGR-14
    with time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement, customer = registered_active(months=3, language="es")
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement_request_extension(
            agreement=agreement, user=agreement.initiated_by, new_end_date=date(2026, 9, 30)
        )
        if by_link:
            agreement_accept(token=token_of(agreement))
            agreement_accept(token=token_of(agreement))  # a double click changes nothing
        else:
            agreement_answer_by_customer(agreement=agreement, user=customer, accept=True)
    (receipt,) = emails("extension_accepted")
    assert receipt.recipient == customer.email
    assert related_to(receipt, agreement)
    assert receipt.event_key == f"agreement-{agreement.pk}-extension-accepted-customer-2026-09-30"
    message = email_render(receipt)
    assert "30/09/2026" in message.subject and "termina ahora" in message.subject
    assert len(emails("extension_answered")) == 1  # the 3rd party's notice


def test_a_rejected_extension_sends_the_customer_no_receipt():  # BEY-1: nothing changed
    with time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement, customer = registered_active(months=3)
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement_request_extension(
            agreement=agreement, user=agreement.initiated_by, new_end_date=date(2026, 9, 30)
        )
        agreement_answer_by_customer(agreement=agreement, user=customer, accept=False)
    assert emails("extension_accepted") == []


# --- expiry -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ONGOING_KINDS)
def test_expiry_sends_the_customer_a_receipt_and_the_third_party_a_notice_once(
    kind,
):  # BEY-1, AGR-14
    with time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement = active_ongoing(months=1, kind=kind, customer=details(language="es"))
    with time_machine.travel(datetime(2026, 2, 15, 23, 0, tzinfo=CHICAGO), tick=False):
        agreement_expire_ended()  # in force through its end date
    assert emails("expired") == []
    with time_machine.travel(datetime(2026, 2, 16, 0, 7, tzinfo=CHICAGO), tick=False):
        assert agreement_expire_ended() == 1
        assert agreement_expire_ended() == 0
    agreement.refresh_from_db()
    assert agreement.status == S.EXPIRED
    sent = {email.recipient: email for email in emails("expired")}
    assert sent.keys() == {CUSTOMER_EMAIL, "james@green.example"}
    receipt = sent[CUSTOMER_EMAIL]
    assert related_to(receipt, agreement) and receipt.language == "es"
    message = email_render(receipt)
    assert message.subject == f"Smart Meter Texas - El acuerdo {agreement.agreement_number} venció"
    assert "15/02/2026" in message.body
    notice = email_render(sent["james@green.example"])
    assert "has expired" in notice.subject
    assert "new agreement invitation" in notice.body
