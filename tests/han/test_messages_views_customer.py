"""My Account / HAN Device Messages, the customer's side, through HTTP only (HAN-9, ACC-20,
SEC-1, UX-3): the messages 3rd parties sent to the devices on the customer's own meters while
the meter was theirs, queried, exported with the full ESIID (the MAC address masked, NTF-4), a
message's page naming the 3rd party (never its user's ID), and the pages in Spanish for both sides.

The 3rd party's pages are in test_messages_views.py."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from han.models import HanMessage
from han.services.messages import han_message_cancel, han_message_send
from tests.agreements.helpers import details, third_party_admin
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory
from usage.models import CustomerPremise, MeterShare

from .helpers import (
    compose,
    csv_rows,
    device_added,
    han_services,
    history,
    listed,
    messaging_ready,
    registered_customer,
    use_recording_adapter,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Texas: the agreements start 03/02/2026
LATER = NOW + timedelta(hours=3)  # a start time that keeps a message Queued
M = HanMessage.Status
LIST_URL = reverse("han:messages")
COMPOSE_URL = reverse("han:message_compose")
EXPORT_URL = reverse("han:message_export")
LIST_QUERIES = 5  # session, user, count, page count, one page of rows: the same for 1 or 30
SENDER = "greenhan-sender"  # the 3rd party's user ID, which the customer never sees
COMPANY = "Green HAN Energy Services"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def adapter(settings):
    """The TDSP only records what it is sent (no simulated answers)."""
    return use_recording_adapter(settings)


@pytest.fixture
def meter():
    return MeterFactory()


@pytest.fixture
def company(meter):
    """A 3rd party with an Active HAN Services agreement and two paired devices on the
    meter: (user, meter, agreement, [devices])."""
    user = third_party_admin(username=SENDER)
    user.company.name = COMPANY
    user.company.save(update_fields=["name"])
    return messaging_ready(user=user, meter=meter, macs=2)


@pytest.fixture
def customer(meter, company):
    """The customer, who registered and added the meter to their account (ACC-23) after
    agreeing to the 3rd party's HAN services."""
    return registered_customer(meter, first_name="Maria", last_name="Lopez")


@pytest.fixture
def signed_in(client, customer, company):
    client.force_login(customer)
    return company


def detail_url(message) -> str:
    return reverse("han:message", args=[message.pk])


def elsewhere():
    """Messages of the same 3rd party to another customer's meter: (customer, [messages])."""
    user = User.objects.get(username=SENDER)
    _user, other_meter, _agreement, devices = messaging_ready(user=user)
    return registered_customer(other_meter), compose(user, devices=devices)


# --- HAN-9, SEC-1: what the customer sees ------------------------------------------------------


def test_the_customer_sees_the_messages_to_their_devices(client, signed_in):  # HAN-9
    user, meter, _agreement, (first, second) = signed_in
    ours = compose(user, devices=[first, second])
    _other_customer, theirs = elsewhere()
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert sorted(listed(response.text)) == sorted(m.pk for m in ours)
    assert not set(listed(response.text)) & {m.pk for m in theirs}
    assert meter.premise.esiid in response.text  # their own: not masked
    assert first.masked_mac in response.text  # NTF-4: a MAC address shows its last six
    assert first.mac_display not in response.text
    assert COMPANY in response.text
    assert COMPOSE_URL not in response.text  # a customer sends nothing


def test_the_customer_list_is_empty_before_any_message(client, customer, company):  # HAN-9
    client.force_login(customer)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert "No 3rd party has sent a message to your HAN devices." in response.text


def test_a_customer_who_attached_the_meter_later_does_not_see_earlier_messages(client, clock):
    """HAN-9, SEC-1: the messages of a meter are its customer's from when it was attached."""
    user, meter, _agreement, devices = messaging_ready(user=third_party_admin(), macs=1)
    (before,) = compose(user, devices=devices)
    clock.shift(timedelta(hours=1))
    newcomer = UserFactory()
    CustomerPremiseFactory(customer=newcomer, premise=meter.premise)  # attached now
    (after,) = compose(user, devices=devices)
    client.force_login(newcomer)
    assert listed(client.get(LIST_URL).text) == [after.pk]
    assert client.get(detail_url(before)).status_code == 404
    assert client.get(detail_url(after)).status_code == 200
    assert [row[0] for row in csv_rows(client.get(EXPORT_URL))[1:]] == [str(after.pk)]


def test_a_customer_who_left_the_meter_keeps_only_the_earlier_messages(
    client, customer, company, clock
):  # HAN-9, SEC-1, ACC-23
    user, meter, _agreement, devices = company
    (while_theirs,) = compose(user, devices=devices[:1])
    clock.shift(timedelta(hours=1))
    CustomerPremise.objects.filter(customer=customer).update(detached_at=timezone.now())
    newcomer = UserFactory()
    CustomerPremiseFactory(customer=newcomer, premise=meter.premise)
    clock.shift(timedelta(minutes=1))
    (after,) = compose(user, devices=devices[:1])
    client.force_login(customer)
    assert listed(client.get(LIST_URL).text) == [while_theirs.pk]
    assert client.get(detail_url(after)).status_code == 404
    client.force_login(newcomer)
    assert listed(client.get(LIST_URL).text) == [after.pk]
    assert client.get(detail_url(while_theirs)).status_code == 404


def test_the_customer_named_on_the_agreement_sees_its_messages(client):  # HAN-9, AGR-17
    """A customer who was registered when the 3rd party asked: the agreement is theirs."""
    user = third_party_admin()
    meter = MeterFactory()
    first = device_added(user=user, meter=meter)
    customer = registered_customer(meter)
    registered = details(registered=True, email=customer.email)
    agreement = han_services(user, meter, customer=registered)
    assert agreement.customer == customer
    (message,) = compose(user, devices=[first])
    client.force_login(customer)
    assert listed(client.get(LIST_URL).text) == [message.pk]  # once, by both rules
    assert client.get(detail_url(message)).status_code == 200


def test_a_friend_the_meter_is_shared_with_does_not_see_the_messages(client, signed_in):
    """HAN-9, ACC-22, SEC-1: sharing is read-only usage, not the customer's HAN messages."""
    user, meter, _agreement, devices = signed_in
    (message,) = compose(user, devices=devices[:1])
    friend = UserFactory()
    MeterShare.objects.create(
        owner=CustomerPremise.objects.get(premise=meter.premise).customer,
        premise=meter.premise,
        friend_email=friend.email,
        friend=friend,
        status=MeterShare.Status.ACTIVE,
        token_hash="f" * 64,
        invited_at=timezone.now(),
        responded_at=timezone.now(),
    )
    client.force_login(friend)
    response = client.get(LIST_URL)
    assert response.status_code == 200 and listed(response.text) == []
    assert client.get(detail_url(message)).status_code == 404


def test_the_customer_queries_by_esiid_and_status(client, customer, company):  # HAN-9, ACC-20
    user, meter, _agreement, (first, second) = company
    (cancelled,) = compose(user, devices=[first], start_at=LATER)
    han_message_cancel(user=user, message=cancelled)
    (queued,) = compose(user, devices=[second])
    _user, other_meter, _agreement2, others = messaging_ready(user=user, macs=1)
    CustomerPremiseFactory(customer=customer, premise=other_meter.premise)
    (on_other,) = compose(user, devices=others)
    client.force_login(customer)
    assert sorted(listed(client.get(LIST_URL).text)) == [cancelled.pk, queued.pk, on_other.pk]
    query = {"search": "1", "esiid": meter.premise.esiid}
    assert sorted(listed(client.get(LIST_URL, query).text)) == [cancelled.pk, queued.pk]
    query = {"search": "1", "status": M.CANCELLED}
    assert listed(client.get(LIST_URL, query).text) == [cancelled.pk]
    query = {"search": "1", "mac_address": second.mac_display}
    assert listed(client.get(LIST_URL, query).text) == [queued.pk]


def test_26_messages_open_with_the_search_for_the_customer_too(client, signed_in, clock):
    """ACC-20 on the customer's side."""
    user, _meter, _agreement, devices = signed_in
    history(user, devices, 26, clock)
    response = client.get(LIST_URL)
    assert listed(response.text) == []
    assert 'href="?show_all=1"' in response.text
    assert len(listed(client.get(LIST_URL, {"show_all": "1"}).text)) == 25


def test_the_customer_list_query_count_does_not_grow_with_rows(
    client, signed_in, clock, django_assert_max_num_queries
):  # HAN-9, ACC-20
    user, _meter, _agreement, devices = signed_in
    compose(user, devices=devices[:1])
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(LIST_URL).status_code == 200
    history(user, devices, 29, clock)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL, {"show_all": "1", "sort": "company"})
    assert len(listed(response.text)) == 25


# --- HAN-9: a message's page -------------------------------------------------------------------


def test_the_customer_sees_the_company_not_the_senders_user_id(client, signed_in):
    """HAN-9, SEC-1: the timeline's "By" is the 3rd party's name for the customer."""
    user, meter, _agreement, (first, _second) = signed_in
    (message,) = compose(user, devices=[first], text="Peak tonight")
    han_message_send(message_pk=message.pk)
    response = client.get(detail_url(message))
    assert response.status_code == 200
    assert "Peak tonight" in response.text
    assert COMPANY in response.text
    assert SENDER not in response.text
    assert meter.premise.esiid in response.text and first.masked_mac in response.text
    table = response.text.split("<h2>Timeline</h2>", 1)[1]
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", table, re.S)
    assert len(rows) == 2
    assert "Queued" in rows[0] and COMPANY in rows[0]
    assert "Sent to TDSP" in rows[1]


def test_the_customer_has_no_cancel_button(client, signed_in):  # HAN-9
    user, _meter, _agreement, (first, _second) = signed_in
    (message,) = compose(user, devices=[first], start_at=LATER)
    response = client.get(detail_url(message))
    assert response.status_code == 200
    assert "Cancel Message" not in response.text
    assert reverse("han:message_cancel", args=[message.pk]) not in response.text
    assert client.post(reverse("han:message_cancel", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.status == M.QUEUED


def test_another_customers_message_is_a_404(client, signed_in):  # SEC-1
    _other_customer, (theirs,) = elsewhere()
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.get(reverse("han:message", args=[999999])).status_code == 404


# --- HAN-9: the customer's CSV export ----------------------------------------------------------


def test_the_customers_export_shows_the_full_esiid_and_masked_mac(client, signed_in):  # HAN-9
    user, meter, _agreement, (first, _second) = signed_in
    (message,) = compose(user, devices=[first], text="@Peak pricing tonight")
    _other_customer, theirs = elsewhere()
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    assert header[:4] == ["Message ID", "3rd Party", "ESIID", "HAN Device MAC Address"]
    assert rows == [
        [
            str(message.pk),
            COMPANY,
            meter.premise.esiid,
            first.masked_mac,
            "In-home display",
            "'@Peak pricing tonight",  # spreadsheet_safe
            "Normal",
            "No",
            "03/02/2026 09:00 AM",
            "60",
            "Queued",
            "",
            "",
            "",
            "",
        ]
    ]
    assert str(theirs[0].pk) not in {row[0] for row in rows}


# --- UX-3: the pages in Spanish ----------------------------------------------------------------


def test_the_customers_pages_work_in_spanish(client, meter):  # UX-3, HAN-9
    user, _meter, _agreement, devices = messaging_ready(meter=meter, macs=1)
    spanish = registered_customer(meter, language="es")
    (message,) = compose(user, devices=devices)
    han_message_send(message_pk=message.pk)
    client.force_login(spanish)
    for url, query in (
        (LIST_URL, {}),
        (LIST_URL, {"search": "1", "status": M.SENT}),
        (LIST_URL, {"search": "1", "date_from": "2026-03-05", "date_to": "2026-03-01"}),
        (detail_url(message), {}),
    ):
        response = client.get(url, query)
        assert response.status_code == 200, (url, query)
        assert '<html lang="es">' in response.text, (url, query)
    assert listed(client.get(LIST_URL).text) == [message.pk]
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert len(csv_rows(response)) == 2


def test_the_third_partys_pages_work_in_spanish(client):  # UX-3, HAN-9
    user = third_party_admin(language="es")
    _user, meter, _agreement, (first, second) = messaging_ready(user=user, macs=2)
    client.force_login(user)
    esiid = meter.premise.esiid
    response = client.get(COMPOSE_URL, {"device": first.agreement.agreement_number})
    assert response.status_code == 200 and '<html lang="es">' in response.text
    base = {"esiids": esiid, "text": "Ahorre energía hoy", "duration_minutes": "60"}
    base["priority"] = HanMessage.Priority.NORMAL
    response = client.post(COMPOSE_URL, {**base, "choose_devices": "1"})
    assert response.status_code == 200 and '<html lang="es">' in response.text
    refusals = {**base, "text": "<b>" + "x" * 81, "duration_minutes": "0", "devices_shown": "1"}
    response = client.post(COMPOSE_URL, refusals)
    assert response.status_code == 200 and '<html lang="es">' in response.text
    assert HanMessage.objects.count() == 0
    response = client.post(COMPOSE_URL, {**base, "esiids": f"{esiid}, 10443729999999999"})
    assert response.status_code == 200 and "10443729999999999" in response.text
    for _ in range(4):
        compose(user, devices=[first], start_at=LATER)
    data = {**base, "devices_shown": "1", "devices": [first.agreement.agreement_number]}
    response = client.post(COMPOSE_URL, data)  # the rate limit's message
    assert response.status_code == 200 and '<html lang="es">' in response.text
    assert HanMessage.objects.count() == 4
    data["devices"] = [second.agreement.agreement_number]
    response = client.post(COMPOSE_URL, data, follow=True)
    assert response.status_code == 200 and '<html lang="es">' in response.text
    sent = HanMessage.objects.get(device=second)
    assert listed(response.text) == [sent.pk]  # the queued page
    queued = HanMessage.objects.filter(device=first).first()
    for url in (LIST_URL, detail_url(queued), detail_url(sent)):
        response = client.get(url)
        assert response.status_code == 200 and '<html lang="es">' in response.text, url
    cancel = reverse("han:message_cancel", args=[queued.pk])
    response = client.post(cancel, follow=True)
    assert response.status_code == 200 and '<html lang="es">' in response.text
    han_message_send(message_pk=sent.pk)
    response = client.post(reverse("han:message_cancel", args=[sent.pk]), follow=True)
    assert response.status_code == 200 and '<html lang="es">' in response.text
    assert client.get(EXPORT_URL).status_code == 200
