"""My Account / HAN Devices, the customer's side (HAN-4, HAN-8): the list, a device's page
with the 3rd party and the history, Start the Pairing Process / Reject while the request
waits, Remove, and tenancy (SEC-1, ACC-19)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from han.models import HanProvisionRequest
from han.services.answers import han_answer_signed_in
from tests.agreements.helpers import third_party_admin
from tests.factories import MeterFactory, UserFactory

from .helpers import (
    S,
    device,
    device_added,
    provision_registered,
    registered_customer,
    status_of,
    tdsp_status,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("han:customer_devices")
LIST_QUERIES = 6  # session, user, 2 counts, one page of rows: the same for 1 or 500 rows


def detail_url(han_request) -> str:
    return reverse("han:customer_device", args=[han_request.agreement.agreement_number])


def answer_url(han_request) -> str:
    return reverse("han:customer_device_answer", args=[han_request.agreement.agreement_number])


def remove_url(han_request) -> str:
    return reverse("han:customer_device_remove", args=[han_request.agreement.agreement_number])


def menu_labels(html: str) -> list[str]:
    menu = re.search(r'<nav class="side-menu".*?</nav>', html, re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", menu.group(0)) if menu else []


@pytest.fixture
def meter():
    return MeterFactory()


@pytest.fixture
def customer(client, meter):
    customer = registered_customer(meter, first_name="Maria", last_name="Lopez")
    client.force_login(customer)
    return customer


@pytest.fixture
def company():
    return third_party_admin(company__name="Green Energy Services")


def requested(customer, meter, company, **kwargs) -> HanProvisionRequest:
    (han_request,) = provision_registered(customer, meter, user=company, **kwargs)
    return han_request


def paired(customer, meter, company) -> HanProvisionRequest:
    """Device Added, through the customer's Start and the TDSP's statuses (HAN-7)."""
    han_request = requested(customer, meter, company)
    han_answer_signed_in(user=customer, request=han_request, start=True)
    for status in ("ADD_PENDING", "METER_READY", "DEVICE_ADDED"):
        tdsp_status(han_request, status)
    han_request.refresh_from_db()
    return han_request


# --- HAN-8: the list ------------------------------------------------------------------------------


def test_the_list_shows_the_customers_devices_with_the_mac_masked(
    client, customer, meter, company
):  # HAN-8
    han_request = requested(customer, meter, company)
    page = client.get(LIST_URL)
    assert page.status_code == 200
    assert "In-home display" in page.text
    assert han_request.masked_mac in page.text
    assert han_request.mac_address not in page.text
    assert han_request.mac_display not in page.text
    assert meter.premise.esiid in page.text
    assert "Green Energy Services" in page.text
    assert "Provision Request Email Sent to Customer" in page.text
    assert detail_url(han_request) in page.text
    assert "HAN Devices" in menu_labels(page.text)


def test_an_empty_list_says_so(client, customer):  # HAN-8
    page = client.get(LIST_URL)
    assert "You have no HAN devices." in page.text


def test_another_customers_devices_are_not_listed(client, customer, company):  # SEC-1
    other_meter = MeterFactory()
    theirs = requested(registered_customer(other_meter), other_meter, company)
    page = client.get(LIST_URL)
    assert theirs.masked_mac not in page.text
    assert "You have no HAN devices." in page.text


def test_the_list_query_count_does_not_grow_with_rows(
    client, customer, meter, company, django_assert_max_num_queries
):  # HAN-8, ACC-20
    requested(customer, meter, company)
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(LIST_URL).status_code == 200
    provision_registered(customer, meter, user=company, devices=[device() for _ in range(4)])
    with django_assert_max_num_queries(LIST_QUERIES):
        page = client.get(LIST_URL)
    assert len(page.context["listing"].rows) == 5


# --- HAN-4, HAN-8: a device's page ---------------------------------------------------------------


def test_the_page_shows_the_third_party_and_the_answers(client, customer, meter, company):
    han_request = requested(customer, meter, company, comments="Press Start when it arrives")
    page = client.get(detail_url(han_request))
    assert page.status_code == 200
    for text in (
        "Green Energy Services",
        "James Wilson",  # the contact of the request
        "james@green.example",
        han_request.masked_mac,
        "In-home display",
        "Press Start when it arrives",
        "Start the Pairing Process",
        "Reject",
        answer_url(han_request),
    ):
        assert text in page.text, text
    assert han_request.mac_display not in page.text
    assert han_request.install_code not in page.text
    assert remove_url(han_request) not in page.text
    assert page.context["history"][0].by == "Green Energy Services"  # not the user's ID
    assert company.username not in page.text


def test_the_page_shows_the_logo_when_there_is_one(client, customer, meter, company):
    han_request = requested(customer, meter, company)
    company.company.logo = "logos/green.png"
    company.company.save(update_fields=["logo"])
    page = client.get(detail_url(han_request))
    assert company.company.logo_url in page.text


def test_start_from_my_account(client, customer, meter, company):  # HAN-4
    han_request = requested(customer, meter, company)
    response = client.post(answer_url(han_request), {"action": "start"}, follow=True)
    assert response.redirect_chain[-1][0] == detail_url(han_request)
    assert status_of(han_request) == S.PAIRING_INITIATED
    assert "You have started the pairing process." in response.text
    assert "Start the Pairing Process" not in response.text  # no longer offered
    assert response.context["history"][-1].by == "You"


def test_reject_from_my_account(client, customer, meter, company):  # HAN-4
    han_request = requested(customer, meter, company)
    response = client.post(answer_url(han_request), {"action": "reject"}, follow=True)
    assert status_of(han_request) == S.CUSTOMER_REJECTED
    assert "You have rejected the HAN device provision request from Green Energy Services." in (
        response.text
    )


def test_a_second_answer_is_refused(client, customer, meter, company):  # HAN-4
    han_request = requested(customer, meter, company)
    client.post(answer_url(han_request), {"action": "reject"})
    response = client.post(answer_url(han_request), {"action": "start"}, follow=True)
    assert status_of(han_request) == S.CUSTOMER_REJECTED
    assert "expired due to a change" in response.text


def test_an_answer_after_35_days_is_refused(client, customer, meter, company):  # HAN-5
    han_request = requested(customer, meter, company)
    later = han_request.agreement.expires_at + timedelta(seconds=1)
    with time_machine.travel(later):
        client.force_login(customer)
        page = client.get(detail_url(han_request))
        assert "Start the Pairing Process" not in page.text
        response = client.post(answer_url(han_request), {"action": "start"}, follow=True)
    assert "has expired" in response.text
    assert status_of(han_request) == S.REQUEST_EMAIL_SENT


def test_an_answer_without_a_choice_changes_nothing(client, customer, meter, company):
    han_request = requested(customer, meter, company)
    response = client.post(answer_url(han_request), {"action": "maybe"}, follow=True)
    assert "Choose Start the Pairing Process or Reject." in response.text
    assert status_of(han_request) == S.REQUEST_EMAIL_SENT


def test_get_of_the_answer_endpoint_changes_nothing(client, customer, meter, company):  # SEC-3
    han_request = requested(customer, meter, company)
    assert client.get(answer_url(han_request), {"action": "start"}).status_code == 405
    assert status_of(han_request) == S.REQUEST_EMAIL_SENT


def test_remove_a_paired_device(client, customer, meter, company):  # HAN-8
    han_request = paired(customer, meter, company)
    page = client.get(detail_url(han_request))
    assert remove_url(han_request) in page.text
    confirm = client.get(remove_url(han_request))
    assert confirm.status_code == 200
    assert "Green Energy Services" in confirm.text
    assert status_of(han_request) == S.DEVICE_ADDED  # a GET changes nothing
    response = client.post(remove_url(han_request), follow=True)
    assert "Removal requested; the slot frees when the utility confirms." in response.text
    assert status_of(han_request) == S.REMOVE_REQUESTED


def test_a_device_added_before_the_customer_registered_is_theirs_too(client):  # HAN-8
    han_request = device_added()  # requested for a customer without an account
    owner = registered_customer(han_request.agreement.premise.meters.get())
    client.force_login(owner)
    assert client.get(detail_url(han_request)).status_code == 200
    client.post(remove_url(han_request))
    assert status_of(han_request) == S.REMOVE_REQUESTED


# --- SEC-1, ACC-19 ---------------------------------------------------------------------------


def test_another_customers_device_is_a_404(client, customer, company):  # SEC-1
    other_meter = MeterFactory()
    other = registered_customer(other_meter)
    theirs = requested(other, other_meter, company)
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.post(answer_url(theirs), {"action": "reject"}).status_code == 404
    assert client.get(remove_url(theirs)).status_code == 404
    assert client.post(remove_url(theirs)).status_code == 404
    assert status_of(theirs) == S.REQUEST_EMAIL_SENT


@pytest.mark.parametrize("traits", [{"third_party_admin": True}, {"rep_admin": True}])
def test_company_users_do_not_get_the_customer_pages(client, meter, company, traits):  # ACC-19
    han_request = requested(registered_customer(meter), meter, company)
    client.force_login(UserFactory(**traits))
    for url in (LIST_URL, detail_url(han_request), remove_url(han_request)):
        assert client.get(url).status_code == 404, url
    assert client.post(answer_url(han_request), {"action": "start"}).status_code == 404
    client.force_login(company)  # not even the 3rd party that asked
    assert client.get(detail_url(han_request)).status_code == 404
    assert status_of(han_request) == S.REQUEST_EMAIL_SENT


def test_the_agreements_page_of_a_han_request_is_the_han_page(
    client, customer, meter, company
):  # AGR-16
    han_request = requested(customer, meter, company)
    number = han_request.agreement.agreement_number
    response = client.get(reverse("agreements:my_agreement_detail", args=[number]))
    assert response.status_code == 302
    assert response.url == detail_url(han_request)
