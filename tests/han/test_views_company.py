"""The 3rd party's (and REP's) HAN pages: Provision HAN Device and its success page (HAN-1,
HAN-2; seed 001 P1.2–P1.4), Customer Meters (3rd Party) / HAN Devices, a request's page and
Remove (HAN-8), tenancy (SEC-1, ACC-19), and the HAN rows of Customer Agreements (AGR-2)."""

import csv
import io
import re

import pytest
from django.urls import reverse

from accounts.models import DunsGrant
from agreements.models import Agreement
from han.models import HanProvisionRequest
from han.services.provisioning import CUSTOMER_NOT_FOUND, CUSTOMER_NOT_VALID, MAX_DEVICES
from tests.agreements.helpers import CUSTOMER_EMAIL, one_time, third_party_admin
from tests.factories import MeterFactory, UserFactory

from .helpers import (
    INSTALL_CODE,
    S,
    device,
    device_added,
    new_mac,
    one_request,
    provision,
    registered_customer,
    row_counts,
    status_of,
)

pytestmark = pytest.mark.django_db

PROVISION_URL = reverse("han:provision")
DONE_URL = reverse("han:provision_done")
DEVICES_URL = reverse("han:company_devices")
AGREEMENTS_URL = reverse("agreements:company_list")
EXPORT_URL = reverse("agreements:company_export")
THERMOSTAT = HanProvisionRequest.DeviceType.THERMOSTAT
DISPLAY = HanProvisionRequest.DeviceType.IN_HOME_DISPLAY
LIST_QUERIES = 6  # session, user, 2 counts, one page of rows: the same for 1 or 500 rows
BAD_CRC = INSTALL_CODE[:-1] + ("1" if INSTALL_CODE[-1] == "0" else "0")


def detail_url(han_request) -> str:
    return reverse("han:company_device", args=[han_request.agreement.agreement_number])


def remove_url(han_request) -> str:
    return reverse("han:company_device_remove", args=[han_request.agreement.agreement_number])


def devices_data(devices) -> dict:
    """The formset's fields for (type, MAC, installation code) rows."""
    data = {
        "devices-TOTAL_FORMS": str(len(devices)),
        "devices-INITIAL_FORMS": "0",
        "devices-MIN_NUM_FORMS": "1",
        "devices-MAX_NUM_FORMS": str(MAX_DEVICES),
    }
    for index, (device_type, mac, code) in enumerate(devices):
        data[f"devices-{index}-device_type"] = device_type
        data[f"devices-{index}-mac_address"] = mac
        data[f"devices-{index}-install_code"] = code
    return data


def form_data(meter, devices=None, **overrides) -> dict:
    """A valid Provision HAN Device page for a non-registered residential customer."""
    data = {
        "registered": "no",
        "customer_kind": "residential",
        "first_name": "Chika",
        "last_name": "Akin",
        "street": "400 N Olive Street",
        "city": "Sunnyville",
        "state": "TX",
        "zip_code": "75012",
        "phone": "214-555-0100",
        "email": CUSTOMER_EMAIL,
        "language": "en",
        "esiid": meter.premise.esiid,
        "meter_number": meter.meter_number,
        "comments": "Press Start once the thermostat arrives.",
        "contact_name": "James Wilson",
        "contact_phone": "244-322-5454",
        "contact_email": "james@green.example",
        "accept_terms": "on",
        "submit": "1",
        **devices_data(devices or [(DISPLAY, new_mac(), INSTALL_CODE)]),
    }
    data.update(overrides)
    return data


@pytest.fixture
def company_user(client):
    user = third_party_admin(first_name="Tom", last_name="Rivers", phone="987-345-2345")
    client.force_login(user)
    return user


def company_member(admin, **fields):
    """A plain user of the admin's company holding its DUNS (ACC-10), with `fields`."""
    user = UserFactory(kind=admin.kind, company=admin.company, with_active_duns=False, **fields)
    DunsGrant.objects.create(user=user, duns=admin.duns_grants.get())
    return user


def crumbs(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    return [text.strip() for text in re.findall(r">([^<>]+)</(?:a|li)>", nav)]


# --- HAN-1: the page ---------------------------------------------------------------------------


def test_the_page_fills_the_contact_from_my_profile(client, company_user):  # HAN-1, seed P1.3
    page = client.get(PROVISION_URL)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["contact_name"].value() == "Tom Rivers"
    assert form["contact_phone"].value() == "987-345-2345"
    assert form["contact_email"].value() == company_user.email
    assert company_user.company.name in page.text  # read-only, from the Company Profile
    assert "Is the customer registered with Smart Meter Texas?" in page.text
    assert (
        "I agree to use this web portal in accordance with the Terms and Conditions." in page.text
    )
    assert len(page.context["devices"].forms) == 1
    assert crumbs(page.text) == ["My Account", "Customer Agreements", "Provision HAN Device"]


def test_two_devices_make_two_agreements_and_the_success_page(client, company_user):  # HAN-1
    meter = MeterFactory()
    macs = [new_mac(), new_mac()]
    data = form_data(
        meter,
        [(DISPLAY, macs[0], INSTALL_CODE), (THERMOSTAT, macs[1].lower(), INSTALL_CODE)],
    )
    response = client.post(PROVISION_URL, data)
    assert response.status_code == 302
    assert response.url == DONE_URL
    created = HanProvisionRequest.objects.order_by("pk")
    assert [(r.device_type, r.mac_address) for r in created] == [
        (DISPLAY, macs[0]),
        (THERMOSTAT, macs[1]),
    ]
    assert {r.agreement.status for r in created} == {S.REQUEST_EMAIL_SENT}
    assert {r.agreement.company_id for r in created} == {company_user.company_id}
    page = client.get(DONE_URL)
    assert "HAN device provision request successful" in page.text
    assert "Your customer relationship initiation has been submitted" in page.text
    assert "You will receive a confirmation e-mail." in page.text
    assert "Provision Request Email Sent to Customer" in page.text
    assert "The customer will receive an e-mail with a link to start the pairing process." in (
        page.text
    )
    for han_request in created:
        assert detail_url(han_request) in page.text
    assert crumbs(page.text)[:2] == ["My Account", "Customer Agreements"]


def test_a_rep_with_the_han_permission_provisions_like_a_third_party(client):  # HAN-1
    rep = UserFactory(rep_admin=True)
    client.force_login(rep)
    response = client.post(PROVISION_URL, form_data(MeterFactory()))
    assert response.status_code == 302
    assert HanProvisionRequest.objects.get().agreement.company == rep.company


def test_a_registered_customer_is_named_by_user_id(client, company_user):  # HAN-1
    meter = MeterFactory()
    customer = registered_customer(meter, first_name="Maria", last_name="Lopez")
    data = form_data(meter, registered="yes", customer_id=customer.username, first_name="")
    data.pop("email")
    data.pop("customer_kind", None)  # the account says residential or business
    assert client.post(PROVISION_URL, data).status_code == 302
    agreement = HanProvisionRequest.objects.get().agreement
    assert agreement.customer == customer
    assert agreement.customer_last_name == "Lopez"


def test_add_another_device_redraws_the_page_with_what_was_typed(client, company_user):
    meter = MeterFactory()
    mac = new_mac()
    data = form_data(meter, [(DISPLAY, mac, INSTALL_CODE)], accept_terms="", add_device="1")
    data.pop("submit")
    before = row_counts()
    page = client.post(PROVISION_URL, data)
    assert page.status_code == 200
    assert row_counts() == before
    devices = page.context["devices"]
    assert len(devices.forms) == 2
    assert devices.forms[0]["mac_address"].value() == mac
    assert page.context["form"]["esiid"].value() == meter.premise.esiid
    assert "Please correct the fields marked below." not in page.text  # nothing submitted
    assert "This field is required." not in page.text
    # The new row may stay empty: Submit ignores it.
    data = form_data(meter, [(DISPLAY, mac, INSTALL_CODE), ("", "", "")])
    data["devices-INITIAL_FORMS"] = "2"
    assert client.post(PROVISION_URL, data).status_code == 302
    assert HanProvisionRequest.objects.count() == 1


def test_a_device_row_can_be_removed_again(client, company_user):
    meter = MeterFactory()
    rows = [(DISPLAY, new_mac(), INSTALL_CODE), (THERMOSTAT, new_mac(), INSTALL_CODE)]
    data = form_data(meter, rows, remove_device="1")
    data.pop("submit")
    page = client.post(PROVISION_URL, data)
    assert [form["mac_address"].value() for form in page.context["devices"].forms] == [rows[0][1]]
    assert not HanProvisionRequest.objects.exists()


def test_add_another_stops_at_the_meters_slots(client, company_user):  # HAN-1, HAN-2
    rows = [(DISPLAY, new_mac(), INSTALL_CODE)] * MAX_DEVICES
    data = form_data(MeterFactory(), rows, add_device="1")
    page = client.post(PROVISION_URL, data)
    assert len(page.context["devices"].forms) == MAX_DEVICES
    assert "Add another HAN device" not in page.text


# --- HAN-1, HAN-2: refusals, each on its field, nothing created ------------------------------


@pytest.mark.parametrize(
    ("mac", "code", "field", "message"),
    [
        ("000D6F00000000A", INSTALL_CODE, "mac_address", "this one has 15"),  # 15 digits
        ("000D6F00000000ABC", INSTALL_CODE, "mac_address", "this one has 17"),  # 17 digits
        ("000D6F00000000XZ", INSTALL_CODE, "mac_address", "hexadecimal digits 0-9 and A-F"),
        ("000D6F00000000AB", BAD_CRC, "install_code", "check digits (CRC)"),
        ("000D6F00000000AB", "1234", "install_code", "16, 20, 28 or 36 hexadecimal digits"),
    ],
)
def test_a_bad_device_id_is_shown_on_its_field(
    client, company_user, mac, code, field, message
):  # HAN-1
    meter = MeterFactory()
    rows = [(DISPLAY, new_mac(), INSTALL_CODE), (THERMOSTAT, mac, code)]
    before = row_counts()
    page = client.post(PROVISION_URL, form_data(meter, rows))
    assert page.status_code == 200
    assert row_counts() == before
    errors = page.context["devices"].forms[1].errors
    assert message in " ".join(errors[field])
    assert page.context["devices"].forms[0].errors == {}
    assert message in page.text
    # Everything typed is kept.
    assert page.context["form"]["first_name"].value() == "Chika"
    assert page.context["devices"].forms[1]["mac_address"].value() == mac


def test_the_same_mac_twice_is_refused_on_the_second_row(client, company_user):  # HAN-1
    mac = new_mac()
    rows = [(DISPLAY, mac, INSTALL_CODE), (THERMOSTAT, mac, INSTALL_CODE)]
    page = client.post(PROVISION_URL, form_data(MeterFactory(), rows))
    assert "entered more than once" in " ".join(
        page.context["devices"].forms[1].errors["mac_address"]
    )
    assert not HanProvisionRequest.objects.exists()


def test_a_sixth_device_on_a_meter_is_refused_naming_the_meter(client, company_user):  # HAN-2
    meter = MeterFactory()
    provision(user=company_user, meter=meter, devices=[device() for _ in range(5)])
    before = row_counts()
    page = client.post(PROVISION_URL, form_data(meter))
    assert page.status_code == 200
    assert row_counts() == before
    (message,) = page.context["device_errors"]
    assert meter.meter_number in message
    assert "has 0 free HAN slot(s) of 5; this request asks for 1" in message
    assert meter.meter_number in page.text


def test_three_devices_on_a_meter_with_two_free_slots_are_refused(client, company_user):  # HAN-2
    meter = MeterFactory()
    provision(user=company_user, meter=meter, devices=[device() for _ in range(3)])
    rows = [(DISPLAY, new_mac(), INSTALL_CODE) for _ in range(3)]
    page = client.post(PROVISION_URL, form_data(meter, rows))
    assert "has 2 free HAN slot(s) of 5; this request asks for 3" in page.text
    assert HanProvisionRequest.objects.count() == 3


def test_a_registered_customer_who_does_not_hold_the_meter_is_refused(
    client, company_user
):  # HAN-1 (AGR-6)
    meter = MeterFactory()
    registered_customer(meter)
    someone_else = registered_customer(MeterFactory())
    data = form_data(meter, registered="yes", customer_id=someone_else.email)
    page = client.post(PROVISION_URL, data)
    assert page.context["form"].errors["esiid"] == [str(CUSTOMER_NOT_VALID)]
    assert not HanProvisionRequest.objects.exists()


def test_an_unknown_registered_customer_is_refused_on_the_user_id(client, company_user):
    data = form_data(MeterFactory(), registered="yes", customer_id="nobody-here")
    page = client.post(PROVISION_URL, data)
    assert page.context["form"].errors["customer_id"] == [str(CUSTOMER_NOT_FOUND)]
    assert not HanProvisionRequest.objects.exists()


def test_a_meter_that_does_not_exist_is_refused_on_the_esiid(client, company_user):  # HAN-1
    data = form_data(MeterFactory(), meter_number="999999999")
    page = client.post(PROVISION_URL, data)
    assert "cannot be completed" in " ".join(page.context["form"].errors["esiid"])
    assert not HanProvisionRequest.objects.exists()


def test_required_fields_and_the_terms(client, company_user):  # HAN-1
    data = form_data(MeterFactory(), first_name="", email="", accept_terms="")
    data.pop("accept_terms")
    page = client.post(PROVISION_URL, data)
    errors = page.context["form"].errors
    assert set(errors) == {"first_name", "email", "accept_terms"}
    assert "Please agree to the Terms and Conditions." in page.text
    assert "Please correct the fields marked below." in page.text
    assert not HanProvisionRequest.objects.exists()


def test_a_registered_customer_needs_the_user_id(client, company_user):
    page = client.post(PROVISION_URL, form_data(MeterFactory(), registered="yes"))
    assert set(page.context["form"].errors) == {"customer_id"}


def test_the_first_device_is_required(client, company_user):
    page = client.post(PROVISION_URL, form_data(MeterFactory(), [("", "", "")]))
    assert set(page.context["devices"].forms[0].errors) == {
        "device_type",
        "mac_address",
        "install_code",
    }
    assert not HanProvisionRequest.objects.exists()


# --- ACC-19, SEC-1: who may open the pages -----------------------------------------------------


@pytest.mark.parametrize(
    "traits",
    [
        {"third_party": True},  # a 3rd-party user without In-Home Device Services
        {"rep": True},
        {},  # a customer
        {"tdsp_admin": True},
    ],
)
def test_a_user_without_the_han_permission_gets_404(client, traits):  # ACC-19
    han_request = one_request()
    client.force_login(UserFactory(**traits))
    for url in (PROVISION_URL, DONE_URL, DEVICES_URL, detail_url(han_request)):
        assert client.get(url).status_code == 404, url
    assert client.post(remove_url(han_request)).status_code == 404


def test_a_granted_third_party_user_gets_the_pages(client):  # ACC-19
    admin = third_party_admin()
    user = company_member(admin, can_in_home_devices=True)
    han_request = one_request(user=admin)
    client.force_login(user)
    assert client.get(PROVISION_URL).status_code == 200
    assert client.get(detail_url(han_request)).status_code == 200


def test_another_companys_request_is_a_404(client, company_user):  # SEC-1
    theirs = device_added()
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.get(remove_url(theirs)).status_code == 404
    assert client.post(remove_url(theirs)).status_code == 404
    assert status_of(theirs) == S.DEVICE_ADDED
    assert theirs.agreement.agreement_number not in client.get(DEVICES_URL).text


def test_signed_out_users_go_to_the_login_page(client):
    for url in (PROVISION_URL, DEVICES_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


# --- HAN-8: the list -----------------------------------------------------------------------------


def test_the_list_shows_the_requests_masked(client, company_user):  # HAN-8, AGR-2
    han_request = one_request(user=company_user)
    agreement = han_request.agreement
    page = client.get(DEVICES_URL)
    assert page.status_code == 200
    assert agreement.agreement_number in page.text
    assert agreement.masked_esiid in page.text
    assert agreement.premise.esiid not in page.text
    assert han_request.masked_mac in page.text
    assert han_request.mac_address not in page.text
    assert "In-home display" in page.text
    assert "Provision Request Email Sent to Customer" in page.text
    assert "Akin" in page.text
    assert detail_url(han_request) in page.text


@pytest.mark.parametrize(
    ("search_by", "value"),
    [
        ("esiid", lambda r: r.agreement.premise.esiid),
        ("agreement_number", lambda r: r.agreement.agreement_number),
        ("mac_address", lambda r: r.mac_display.lower()),  # typed with separators
        ("mac_address", lambda r: "*" + r.mac_address[-6:]),
    ],
)
def test_the_list_searches(client, company_user, search_by, value):  # HAN-8, ACC-20
    wanted, other = one_request(user=company_user), one_request(user=company_user)
    page = client.get(DEVICES_URL, {"search": "1", "search_by": search_by, "values": value(wanted)})
    assert page.status_code == 200
    assert wanted.agreement.agreement_number in page.text
    assert other.agreement.agreement_number not in page.text


@pytest.mark.parametrize("sort", ["esiid", "-meter_number", "last_name", "type", "mac", "status"])
def test_the_list_sorts(client, company_user, sort):  # ACC-20
    one_request(user=company_user)
    assert client.get(DEVICES_URL, {"sort": sort}).status_code == 200


def test_the_list_query_count_does_not_grow_with_rows(
    client, company_user, django_assert_max_num_queries
):  # HAN-8, ACC-20
    one_request(user=company_user)
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(DEVICES_URL).status_code == 200
    for _ in range(4):
        provision(user=company_user, devices=[device() for _ in range(5)])
    assert HanProvisionRequest.objects.count() == 21
    with django_assert_max_num_queries(LIST_QUERIES):
        page = client.get(DEVICES_URL)
    assert len(page.context["listing"].rows) == 21


# --- HAN-8: a request's page ---------------------------------------------------------------------


def test_the_page_shows_every_field_but_never_the_installation_code(client, company_user):
    han_request = one_request(user=company_user, comments="See you Tuesday")
    agreement = han_request.agreement
    page = client.get(detail_url(han_request))
    assert page.status_code == 200
    for text in (
        agreement.agreement_number,
        "Provision Request Email Sent to Customer",
        "Chika Akin",
        CUSTOMER_EMAIL,
        "214-555-0100",
        "400 N Olive Street",
        agreement.masked_esiid,
        agreement.meter_number,
        "In-home display",
        han_request.mac_display,
        "On file (not shown)",
        "Pairing must be started by",
        "See you Tuesday",
        "James Wilson",
    ):
        assert text in page.text, text
    assert han_request.install_code not in page.text
    assert INSTALL_CODE not in page.text
    assert "Remove HAN Device" not in page.text  # not paired yet
    assert crumbs(page.text) == ["My Account", "HAN Devices", agreement.agreement_number]


def test_the_history_shows_who_moved_it_in_central_time(client, company_user):  # AGR-18
    han_request = one_request(user=company_user)
    page = client.get(detail_url(han_request))
    history = page.context["history"]
    assert [(row.from_label, row.to_label) for row in history] == [
        ("", "Add Acknowledged"),
        ("Add Acknowledged", "Provision Request Email Sent to Customer"),
    ]
    assert history[0].by == company_user.username
    assert history[1].by == "system: provision request email"
    assert "Date (Central time)" in page.text


def test_a_paired_device_offers_remove(client, company_user):  # HAN-8
    han_request = device_added(user=company_user)
    page = client.get(detail_url(han_request))
    assert "Device Added" in page.text
    assert remove_url(han_request) in page.text
    assert "Pairing must be started by" not in page.text


def test_remove_asks_first_then_requests_the_removal(client, company_user):  # HAN-8
    han_request = device_added(user=company_user)
    confirm = client.get(remove_url(han_request))
    assert confirm.status_code == 200
    assert han_request.mac_display in confirm.text
    assert status_of(han_request) == S.DEVICE_ADDED  # a GET changes nothing
    response = client.post(remove_url(han_request), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(han_request)
    assert "Removal requested; the slot frees when the utility confirms." in response.text
    assert status_of(han_request) == S.REMOVE_REQUESTED


def test_remove_of_a_request_not_paired_is_refused(client, company_user):  # HAN-8
    han_request = one_request(user=company_user)
    response = client.post(remove_url(han_request), follow=True)
    assert "cannot be removed in its status" in response.text
    assert status_of(han_request) == S.REQUEST_EMAIL_SENT
    assert client.get(remove_url(han_request)).status_code == 302  # no confirmation to show


# --- AGR-2: the HAN rows of Customer Agreements --------------------------------------------------


def test_customer_agreements_list_the_han_row_with_its_status(client, company_user):  # AGR-2
    han_request = one_request(user=company_user)
    page = client.get(AGREEMENTS_URL)
    assert han_request.agreement.agreement_number in page.text
    assert "HAN Provision" in page.text
    assert "Provision Request Email Sent to Customer" in page.text
    assert detail_url(han_request) in page.text
    assert DEVICES_URL in page.text  # View HAN Devices


def test_customer_agreements_offer_the_seeds_create_links(client, company_user):  # AGR-2
    page = client.get(AGREEMENTS_URL)
    labels = [link["label"] for link in page.context["new_links"]]
    assert labels == [
        "One-Time Energy Data",
        "Provision HAN Device",
        "Ongoing Energy Data",
        "Ongoing HAN Services",
    ]
    assert PROVISION_URL in page.text


def test_energy_data_only_users_get_no_han_links(client):  # ACC-19
    admin = third_party_admin()
    user = company_member(admin, can_energy_data=True)
    one_time(user=admin)
    client.force_login(user)
    page = client.get(AGREEMENTS_URL)
    assert PROVISION_URL not in page.text
    assert DEVICES_URL not in page.text
    assert "HAN Devices" not in page.text


@pytest.mark.parametrize(
    "typed",
    [
        lambda r: r.mac_address,
        lambda r: r.mac_address.lower(),
        lambda r: r.mac_display.lower(),  # 00:0d:6f:…
        lambda r: "-".join(r.mac_address[i : i + 4] for i in range(0, 16, 4)),
    ],
)
def test_customer_agreements_search_by_mac_address(client, company_user, typed):  # AGR-2
    wanted, other = one_request(user=company_user), one_request(user=company_user)
    energy = one_time(user=company_user)
    search = {"search": "1", "search_by": "mac_address", "values": typed(wanted)}
    page = client.get(AGREEMENTS_URL, search)
    assert wanted.agreement.agreement_number in page.text
    assert other.agreement.agreement_number not in page.text
    assert energy.agreement_number not in page.text


def test_customer_agreements_export_has_the_han_row(client, company_user):  # AGR-2
    han_request = one_request(user=company_user)
    response = client.get(EXPORT_URL)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    (row,) = rows[1:]
    agreement = han_request.agreement
    assert row[:2] == ["HAN Provision", agreement.agreement_number]
    assert row[4] == agreement.masked_esiid
    assert row[-1] == "Provision Request Email Sent to Customer"
    search = {"search": "1", "search_by": "mac_address", "values": han_request.mac_display}
    response = client.get(EXPORT_URL, search)
    found = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [line[1] for line in found[1:]] == [agreement.agreement_number]


def test_the_agreements_page_of_a_han_request_is_the_han_page(client, company_user):  # AGR-2
    han_request = one_request(user=company_user)
    number = han_request.agreement.agreement_number
    response = client.get(reverse("agreements:company_detail", args=[number]))
    assert response.status_code == 302
    assert response.url == detail_url(han_request)


def test_a_request_cleared_from_the_han_lists_keeps_the_agreements_page(client, company_user):
    han_request = one_request(user=company_user)  # HAN-5: cleared 10 days after it closed
    HanProvisionRequest.objects.filter(pk=han_request.pk).update(
        cleared_at=han_request.agreement.created_at
    )
    number = han_request.agreement.agreement_number
    assert client.get(reverse("agreements:company_detail", args=[number])).status_code == 200
    assert client.get(detail_url(han_request)).status_code == 404
    assert Agreement.objects.filter(agreement_number=number).exists()


def test_create_an_agreement_offers_provision_han_device(client):  # AGR-2, seed 001 P1.2
    client.force_login(third_party_admin())
    page = client.get(reverse("agreements:company_create_choose"))
    assert reverse("han:provision") in page.text
    client.force_login(UserFactory(third_party=True, can_energy_data=True))
    page = client.get(reverse("agreements:company_create_choose"))
    assert reverse("han:provision") not in page.text  # ACC-19: no HAN permission
