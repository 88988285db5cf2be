"""The 3rd-party API's writes beside HAN messages (API-2): create agreements of each kind
(AGR-3, AGR-14, AGR-17) and act on them (AGR-13 resend, AGR-14 terminate and extension), and
HAN provisioning (HAN-1, HAN-2, HAN-8) — the pages' services, so the pages' rules and
messages, answered in the API-4 shape; another company's numbers are 404 (SEC-1)."""

from dataclasses import asdict
from datetime import date, timedelta

import pytest
import time_machine

from agreements.models import Agreement
from han.models import HanProvisionRequest
from notifications.models import OutboundEmail
from tests.agreements.helpers import active_ongoing, details, ongoing, third_party_admin
from tests.factories import MeterFactory, UserFactory
from tests.han.helpers import INSTALL_CODE, device_added, new_mac, use_recording_adapter

from .helpers import API, NOW, bearer, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def customer_json(**overrides) -> dict:
    return {**asdict(details()), **overrides}


def meter_json(meter) -> dict:
    return {"esiid": meter.premise.esiid, "meter_number": meter.meter_number}


# --- agreements (AGR-3, AGR-13, AGR-14, AGR-17) ---------------------------------------------


@pytest.mark.parametrize(
    ("kind", "terms"),
    [
        ("one_time", {"report_type": "interval_csv", "report_duration": "3m"}),
        ("ongoing", {"duration_months": 6}),
        ("ongoing_han", {"duration_months": 12}),
    ],
)
def test_create_an_agreement_of_each_kind_per_meter(client, kind, terms):
    user = third_party_admin()
    meters = [MeterFactory(), MeterFactory()]
    body = {
        "kind": kind,
        "customer": customer_json(),
        "meters": [meter_json(m) for m in meters],
        **terms,
    }
    response = post(client, "/agreements", body, bearer(user))
    assert response.status_code == 201
    made = response.json()
    assert [row["kind"] for row in made] == [kind, kind]
    assert {row["status"] for row in made} == {"pending"}
    numbers = [row["number"] for row in made]
    assert Agreement.objects.filter(agreement_number__in=numbers, company=user.company).count() == 2
    # AGR-8: each has its invitation emailed, as from the page.
    assert OutboundEmail.objects.filter(template="agreements/invitation").count() == 2


def test_a_second_open_agreement_on_a_meter_is_refused_with_the_pages_message(client):
    user = third_party_admin()
    meter = MeterFactory()
    ongoing(user=user, meter=meter)
    body = {
        "kind": "ongoing",
        "customer": customer_json(),
        "meters": [meter_json(meter)],
        "duration_months": 6,
    }
    response = post(client, "/agreements", body, bearer(user))
    assert response.status_code == 400
    assert response.json()["code"] == "REFUSED"
    assert "already has agreement" in response.json()["message"]
    assert Agreement.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "han_device"}, "kind"),
        ({"duration_months": None}, "duration_months"),
        ({"duration_months": 13}, "duration_months"),
        ({"meters": []}, "meters"),
        ({"customer": {"email": "not-an-email"}}, "customer.email"),
    ],
)
def test_a_malformed_agreement_is_400_naming_the_field(client, change, field):
    body = {
        "kind": "ongoing",
        "customer": customer_json(),
        "meters": [meter_json(MeterFactory())],
        "duration_months": 6,
        **change,
    }
    body = {key: value for key, value in body.items() if value is not None}
    response = post(client, "/agreements", body, bearer(third_party_admin()))
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not Agreement.objects.exists()


def test_a_one_time_agreement_needs_its_report_terms(client):
    body = {"kind": "one_time", "customer": customer_json(), "meters": [meter_json(MeterFactory())]}
    response = post(client, "/agreements", body, bearer(third_party_admin()))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"report_type", "report_duration"}


def test_resend_a_pending_invitation_but_not_an_active_one(client):  # AGR-13
    user = third_party_admin()
    pending, active = ongoing(user=user), active_ongoing(user=user)
    headers = bearer(user)
    resent = post(client, f"/agreements/{pending.agreement_number}/resend", {}, headers)
    assert resent.status_code == 200
    assert resent.json()["status"] == "pending"
    refused = post(client, f"/agreements/{active.agreement_number}/resend", {}, headers)
    assert (refused.status_code, refused.json()["code"]) == (400, "REFUSED")


def test_terminate_with_a_reason(client):  # AGR-14
    user = third_party_admin()
    agreement = active_ongoing(user=user)
    headers = bearer(user)
    no_reason = post(client, f"/agreements/{agreement.agreement_number}/terminate", {}, headers)
    assert (no_reason.status_code, no_reason.json()["field"]) == (400, "reason")
    body = {"reason": "The customer moved their service."}
    done = post(client, f"/agreements/{agreement.agreement_number}/terminate", body, headers)
    assert done.status_code == 200
    assert done.json()["status"] == "terminated"
    assert done.json()["history"][-1]["reason"] == "The customer moved their service."


def test_request_an_extension_of_an_active_ongoing_agreement(client):  # AGR-14
    user = third_party_admin()
    agreement = active_ongoing(user=user)
    later = (agreement.end_date + timedelta(days=30)).isoformat()
    headers = bearer(user)
    asked = post(
        client,
        f"/agreements/{agreement.agreement_number}/extension",
        {"new_end_date": later},
        headers,
    )
    assert asked.status_code == 200
    assert asked.json()["status"] == "extension_pending"
    earlier = post(
        client,
        f"/agreements/{agreement.agreement_number}/extension",
        {"new_end_date": date(2026, 1, 1).isoformat()},
        headers,
    )
    assert (earlier.status_code, earlier.json()["code"]) == (400, "REFUSED")


@pytest.mark.parametrize("action", ["resend", "terminate", "extension"])
def test_another_companys_agreement_cannot_be_acted_on(client, action):  # SEC-1
    theirs = active_ongoing()
    body = {"reason": "x", "new_end_date": "2027-12-31"}
    response = post(
        client, f"/agreements/{theirs.agreement_number}/{action}", body, bearer(third_party_admin())
    )
    assert response.status_code == 404
    assert Agreement.objects.get(pk=theirs.pk).status == Agreement.Status.ACTIVE


# --- HAN provisioning (HAN-1, HAN-2, HAN-8) --------------------------------------------------


def provision_body(meter, macs) -> dict:
    return {
        "customer": customer_json(),
        "meter": meter_json(meter),
        "devices": [
            {"device_type": "in_home_display", "mac_address": mac, "install_code": INSTALL_CODE}
            for mac in macs
        ],
    }


def test_provision_one_request_per_device(client, settings):
    use_recording_adapter(settings)
    user, meter = third_party_admin(), MeterFactory()
    macs = [new_mac(), new_mac()]
    response = post(client, "/han/requests", provision_body(meter, macs), bearer(user))
    assert response.status_code == 201
    made = response.json()
    assert len(made) == 2
    assert {row["status"] for row in made} == {"request_email_sent"}
    assert {row["mac_address"][-6:] for row in made} == {mac[-6:] for mac in macs}
    assert all(row["mac_address"].startswith("*") for row in made)  # NTF-4


def test_a_sixth_device_on_a_meter_is_refused_with_the_slots_message(client, settings):
    use_recording_adapter(settings)
    user, meter = third_party_admin(), MeterFactory()
    headers = bearer(user)
    five = post(
        client, "/han/requests", provision_body(meter, [new_mac() for _ in range(5)]), headers
    )
    assert five.status_code == 201
    refused = post(client, "/han/requests", provision_body(meter, [new_mac()]), headers)
    assert refused.status_code == 400
    assert "slot" in refused.json()["message"].lower()
    assert HanProvisionRequest.objects.count() == 5


def test_a_bad_mac_address_is_refused_naming_the_device(client):
    body = provision_body(MeterFactory(), ["not-a-mac"])
    response = post(client, "/han/requests", body, bearer(third_party_admin()))
    assert response.status_code == 400
    refusal = response.json()
    assert (refusal["code"], refusal["field"]) == ("REFUSED", "device_1_mac_address")
    assert refusal["message"] == "Use only the hexadecimal digits 0-9 and A-F."


def test_requests_are_listed_queried_read_and_removed(client, settings):
    use_recording_adapter(settings)
    user = third_party_admin()
    paired = device_added(user=user)
    headers = bearer(user)
    devices = client.get(f"{API}/han/requests", {"status": "device_added"}, **headers).json()
    assert [row["number"] for row in devices["results"]] == [paired.agreement.agreement_number]
    bad = client.get(f"{API}/han/requests", {"status": "active"}, **headers)
    assert (bad.status_code, bad.json()["field"]) == (400, "status")
    one = client.get(f"{API}/han/requests/{paired.agreement.agreement_number}", **headers).json()
    assert [row["to_status"] for row in one["history"]][-1] == "device_added"
    removed = post(client, f"/han/requests/{paired.agreement.agreement_number}/remove", {}, headers)
    assert removed.status_code == 200
    assert removed.json()["status"] == "remove_requested"
    again = post(client, f"/han/requests/{paired.agreement.agreement_number}/remove", {}, headers)
    assert (again.status_code, again.json()["code"]) == (400, "REFUSED")


def test_another_companys_han_request_is_404(client, settings):  # SEC-1
    use_recording_adapter(settings)
    theirs = device_added()
    headers = bearer(third_party_admin())
    number = theirs.agreement.agreement_number
    assert client.get(f"{API}/han/requests/{number}", **headers).status_code == 404
    assert post(client, f"/han/requests/{number}/remove", {}, headers).status_code == 404


def test_han_provisioning_needs_in_home_device_services(client):  # ACC-19
    user = UserFactory(third_party=True, can_energy_data=True)
    headers = bearer(user)
    assert client.get(f"{API}/han/requests", **headers).status_code == 403
    body = provision_body(MeterFactory(), [new_mac()])
    assert post(client, "/han/requests", body, headers).status_code == 403
