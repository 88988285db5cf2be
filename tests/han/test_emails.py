"""The HAN email matrix (HAN-6, seed 004's status × email table; NTF-1, NTF-3, NTF-4): for
every event, who gets which template, in their language, once; rendered, the customer's
emails show the ESIID and MAC address masked and the 3rd party's name the customer."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from agreements.models import Agreement
from han import emails
from han.models import HanProvisionRequest
from han.services.answers import han_answer_by_link
from han.services.jobs import han_reminders_send, han_requests_expire
from han.services.tdsp import han_device_remove
from notifications.models import OutboundEmail
from notifications.services import email_render
from tests.agreements.helpers import details, third_party_admin
from tests.factories import MeterFactory

from .helpers import (
    HAPPY_PATH,
    one_request,
    provision_registered,
    registered_customer,
    tdsp_status,
    token_of,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
END = NOW + timedelta(days=35)

# Seed 004, written out by hand: event → (an email to the customer?, an email to the 3rd party?)
SEED_004 = {
    "request_sent": (True, True),  # HAN Provision Req Email sent to Customer
    "reminder": (True, True),  # <waiting for customer to initiate pairing>: <xx> days
    "not_initiated": (True, True),  # Customer did NOT initiate pairing window
    "customer_rejected": (True, True),  # Customer rejected provision request
    "pairing_initiated": (False, True),  # Customer initiated pairing window: N/A, email
    "add_rejected": (True, True),  # Add Rejected
    "meter_ready": (True, True),  # Meter Ready
    "add_failed": (True, True),  # Add Failed (before Meter Ready)
    "setup_issue": (True, True),  # Add Failed (after Meter Ready): stays Meter Ready
    "device_added": (True, True),  # Device Added
    "removed": (True, True),  # HAN-8 decision: the device is removed
    "remove_failed": (True, True),  # HAN-8 decision: the removal failed
}
# Add Acknowledged and Add Pending: N/A to both (seed 004).


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- each event, driven through the services; returns the request and a way to repeat it ------

Scenario = Callable[..., tuple[HanProvisionRequest, Callable[[], object]]]


def _request_sent(clock, **who):
    request = one_request(**who)
    return request, lambda: emails.han_event_notify(request, emails.REQUEST_SENT, days=35)


def _reminder(clock, **who):
    request = one_request(**who)
    clock.move_to(END - timedelta(days=14))
    han_reminders_send()
    return request, han_reminders_send


def _not_initiated(clock, **who):
    request = one_request(**who)
    clock.move_to(END)
    han_requests_expire()
    return request, han_requests_expire


def _answered(start: bool) -> Scenario:
    def scenario(clock, **who):
        request = one_request(**who)
        token = token_of(request)
        han_answer_by_link(token=token, start=start)
        return request, lambda: han_answer_by_link(token=token, start=start)

    return scenario


def _started(**who) -> HanProvisionRequest:
    request = one_request(**who)
    han_answer_by_link(token=token_of(request), start=True)
    return request


def _tdsp(*statuses: str) -> Scenario:
    """Started, then these TDSP statuses; the last one is the event (sent again to repeat)."""

    def scenario(clock, **who):
        request = _started(**who)
        for status in statuses:
            tdsp_status(request, status)
        return request, lambda: tdsp_status(request, statuses[-1])

    return scenario


def _removal(result: str) -> Scenario:
    def scenario(clock, **who):
        request = _started(**who)
        for status in HAPPY_PATH:
            tdsp_status(request, status)
        han_device_remove(user=request.agreement.initiated_by, request=request)
        tdsp_status(request, result)
        return request, lambda: tdsp_status(request, result)

    return scenario


SCENARIOS: dict[str, Scenario] = {
    "request_sent": _request_sent,
    "reminder": _reminder,
    "not_initiated": _not_initiated,
    "customer_rejected": _answered(start=False),
    "pairing_initiated": _answered(start=True),
    "add_rejected": _tdsp("ADD_REJECTED"),
    "meter_ready": _tdsp("ADD_PENDING", "METER_READY"),
    "add_failed": _tdsp("ADD_PENDING", "ADD_FAILED"),
    "setup_issue": _tdsp("METER_READY", "ADD_FAILED"),
    "device_added": _tdsp(*HAPPY_PATH),
    "removed": _removal("REMOVED"),
    "remove_failed": _removal("REMOVE_FAILED"),
}


def sent_for(request: HanProvisionRequest, event: str) -> list[OutboundEmail]:
    return list(
        OutboundEmail.objects.filter(
            related_id=str(request.agreement_id), template__startswith=f"han/{event}_"
        ).order_by("pk")
    )


def rendered(email: OutboundEmail) -> tuple[str, str, str]:
    message = email_render(email)
    (html, _mimetype), *_ = message.alternatives
    return message.subject, message.body, html


def test_the_matrix_is_seed_004s_table():  # HAN-6
    assert emails.MATRIX == SEED_004
    assert set(SCENARIOS) == set(SEED_004)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("event", list(SEED_004))
def test_each_event_sends_the_seed_emails_once_in_the_recipients_language(
    clock, event, language
):  # HAN-6, NTF-1, NTF-3
    who = {"user": third_party_admin(language=language), "customer": details(language=language)}
    request, again = SCENARIOS[event](clock, **who)
    agreement = Agreement.objects.get(pk=request.agreement_id)
    to_customer, to_third_party = SEED_004[event]
    expected = []
    if to_customer:
        expected.append((f"han/{event}_customer", agreement.customer_email, language))
    if to_third_party:
        expected.append((f"han/{event}_third_party", agreement.contact_email, language))
    sent = sent_for(request, event)
    assert [(e.template, e.recipient, e.language) for e in sent] == expected
    again()  # the same event again records nothing more
    assert [e.pk for e in sent_for(request, event)] == [e.pk for e in sent]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("event", list(SEED_004))
def test_customer_emails_mask_the_esiid_and_mac_and_third_party_emails_name_the_customer(
    clock, event, language
):  # HAN-6, NTF-4, seed 001 P2 notes
    who = {"user": third_party_admin(language=language), "customer": details(language=language)}
    request, _again = SCENARIOS[event](clock, **who)
    agreement = Agreement.objects.select_related("premise").get(pk=request.agreement_id)
    esiid, mac = agreement.premise.esiid, request.mac_address
    mac_with_colons = ":".join(mac[i : i + 2] for i in range(0, 16, 2))
    for email in sent_for(request, event):
        subject, body, html = rendered(email)
        if email.template.endswith("_customer"):
            for part in (body, html):
                assert "*" * 10 + esiid[-7:] in part, (email.template, "masked ESIID")
                assert "*" * 10 + mac[-6:] in part, (email.template, "masked MAC")
            for part in (subject, body, html):
                assert esiid not in part, (email.template, "full ESIID")
                assert mac not in part and mac_with_colons not in part, (email.template, "MAC")
        else:
            for part in (body, html):
                assert agreement.customer_name in part, (email.template, "customer name")
                assert "Chika" in part and "Akin" in part


@pytest.mark.parametrize("event", list(SEED_004))
def test_a_spanish_email_is_not_the_english_one(clock, event):  # NTF-1
    who = {"user": third_party_admin(language="es"), "customer": details(language="es")}
    request, _again = SCENARIOS[event](clock, **who)
    for email in sent_for(request, event):
        assert email.language == "es"
        english = OutboundEmail(
            recipient=email.recipient,
            template=email.template,
            language="en",
            context=email.context,
        )
        assert rendered(email)[1] != rendered(english)[1], email.template


def test_add_acknowledged_and_add_pending_send_nothing():  # seed 004: N/A, N/A
    request = _started()
    before = OutboundEmail.objects.count()
    tdsp_status(request, "ADD_PENDING")
    assert OutboundEmail.objects.count() == before


def test_a_business_customer_gets_english_whatever_language_is_given():
    # seed 000 functional rule 1: the language choice is for residential customers
    request = one_request(customer=details(kind="business", language="es"))
    (customer_email,) = sent_for(request, "request_sent")[:1]
    assert (customer_email.template, customer_email.language) == (
        "han/request_sent_customer",
        "en",
    )


def test_a_registered_customer_gets_their_accounts_language():  # NTF-1
    meter = MeterFactory()
    customer = registered_customer(meter, language="es")
    (request,) = provision_registered(customer, meter)
    languages = {e.template: e.language for e in sent_for(request, "request_sent")}
    assert languages == {"han/request_sent_customer": "es", "han/request_sent_third_party": "en"}


def test_each_reminder_is_its_own_event(clock):  # HAN-5, NTF-3: 14 days, then 3 days
    request = one_request()
    clock.move_to(END - timedelta(days=14))
    han_reminders_send()
    clock.move_to(END - timedelta(days=3))
    han_reminders_send()
    han_reminders_send()
    days = [(e.template, e.context["days"]) for e in sent_for(request, "reminder")]
    assert days == [
        ("han/reminder_customer", 14),
        ("han/reminder_third_party", 14),
        ("han/reminder_customer", 3),
        ("han/reminder_third_party", 3),
    ]
    subject, body, _html = rendered(sent_for(request, "reminder")[2])
    assert "3" in subject + body


def test_each_removal_asked_has_its_own_removed_or_failed_emails():  # HAN-8, NTF-3
    request = _started()
    for status in HAPPY_PATH:
        tdsp_status(request, status)
    for _attempt in range(2):
        han_device_remove(user=request.agreement.initiated_by, request=request)
        tdsp_status(request, "REMOVE_FAILED")
    assert len(sent_for(request, "remove_failed")) == 4
