"""The 3rd party's (or REP's) Provision HAN Device request (HAN-1, HAN-2; seed 001
P1.3–P1.8): who may ask, for which customer and meter, the slots, the devices, and that a
refused request creates nothing."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from agreements.models import Agreement, AgreementInvitation
from agreements.services.core import AgreementRefused
from agreements.services.creation import METER_NOT_VALID, METER_NOT_VALID_REASONS, MeterPair
from han.models import HanProvisionRequest
from han.services.answers import han_answer_by_link
from han.services.core import SYSTEM_EMAIL, slot_holders
from han.services.jobs import han_requests_clear
from han.services.provisioning import han_provision_request_create
from han.services.tdsp import han_device_remove
from notifications.models import OutboundEmail
from tests.agreements.helpers import CUSTOMER_EMAIL, contact, details, third_party_admin
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory

from .helpers import (
    INSTALL_CODE,
    S,
    device,
    han_emails,
    history_of,
    new_mac,
    provision,
    provision_registered,
    registered_customer,
    row_counts,
    started,
    status_of,
    tdsp_status,
    token_of,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Chicago, March 2, 2026
CONTACT_EMAIL = "james@green.example"


@pytest.fixture(autouse=True)
def clock():
    """Every test starts at NOW; a test moves the clock with `clock.move_to`."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def refusal_of(**kwargs) -> AgreementRefused:
    """The refusal of a request that must be refused, after checking it created nothing."""
    before = row_counts()
    with pytest.raises(AgreementRefused) as refused:
        provision(**kwargs)
    assert row_counts() == before
    return refused.value


def free_slots(meter) -> int:
    return 5 - slot_holders(premise_id=meter.premise_id).count()


# --- the happy path (HAN-1, seed 001 P1.5–P1.8) ------------------------------------------------


def test_each_device_gets_its_own_agreement_acknowledged_then_emailed():  # HAN-1, HAN-3
    meter = MeterFactory()
    user = third_party_admin()
    macs = ["00:0d:6f:00:00:aa:bb:01", "000D6F0000AABB02"]
    requests = provision(user=user, meter=meter, devices=[device(mac) for mac in macs])
    assert [r.mac_address for r in requests] == ["000D6F0000AABB01", "000D6F0000AABB02"]
    numbers = {r.agreement.agreement_number for r in requests}
    assert len(numbers) == 2  # one request, one agreement, per device
    for request in requests:
        request.refresh_from_db()
        agreement = request.agreement
        assert re.fullmatch(r"\d{12}", agreement.agreement_number)
        assert agreement.agreement_number.startswith("030226")  # MMDDYY in Chicago (AGR-1)
        assert (agreement.kind, agreement.status) == (
            Agreement.Kind.HAN_DEVICE,
            S.REQUEST_EMAIL_SENT,
        )
        assert agreement.premise_id == meter.premise_id
        assert agreement.meter_number == meter.meter_number
        assert agreement.company_id == user.company_id
        assert agreement.created_at == NOW
        assert agreement.expires_at == NOW + timedelta(days=35)  # HAN-5
        assert request.install_code == INSTALL_CODE
        assert request.device_type == HanProvisionRequest.DeviceType.IN_HOME_DISPLAY
        assert history_of(request) == [
            ("", S.ADD_ACKNOWLEDGED, user.username),  # P1.5
            (S.ADD_ACKNOWLEDGED, S.REQUEST_EMAIL_SENT, SYSTEM_EMAIL),  # P1.7
        ]
        assert han_emails(request) == [
            ("han/request_sent_customer", CUSTOMER_EMAIL, "en"),  # P1.7
            ("han/request_sent_third_party", CONTACT_EMAIL, "en"),  # P1.8
        ]
        link = AgreementInvitation.objects.get(agreement=agreement)
        assert link.purpose == AgreementInvitation.Purpose.PAIRING
        assert link.expires_at == NOW + timedelta(days=35)
        assert link.used_at is None
    assert len({r.tdsp_request_id for r in requests}) == 2


def test_the_customer_email_carries_the_start_and_reject_links_and_35_days():  # HAN-4
    (request,) = provision()
    context = OutboundEmail.objects.get(
        template="han/request_sent_customer", related_id=str(request.agreement_id)
    ).context
    assert context["start_url"].endswith("?action=start")
    assert context["reject_url"].endswith("?action=reject")
    assert context["days"] == 35
    assert token_of(request)


# --- the customer (HAN-1, AGR-6) ---------------------------------------------------------------


@pytest.mark.parametrize("named_by", ["username", "email", "EMAIL"])
def test_a_registered_customer_is_named_by_user_id_or_email_and_details_come_from_the_account(
    named_by,
):  # HAN-1, seed 000 rule 2
    meter = MeterFactory()
    customer = registered_customer(meter, first_name="Ana", last_name="Ruiz", language="es")
    identifier = {
        "username": customer.username,
        "email": customer.email,
        "EMAIL": customer.email.upper(),
    }[named_by]
    (request,) = provision_registered(customer, meter, customer_id=identifier)
    agreement = Agreement.objects.get(pk=request.agreement_id)
    assert agreement.customer == customer
    assert (agreement.customer_first_name, agreement.customer_last_name) == ("Ana", "Ruiz")
    assert agreement.customer_email == customer.email
    assert agreement.customer_street == meter.premise.street_address
    assert agreement.customer_language == "es"
    assert ("han/request_sent_customer", customer.email, "es") in han_emails(request)


def test_a_registered_customer_of_another_meter_is_refused_on_meter():  # HAN-1, AGR-6
    meter = MeterFactory()
    registered_customer(meter)
    stranger = registered_customer(MeterFactory())
    refusal = refusal_of(
        meter=meter,
        customer=details(registered=True, email=stranger.email),
        customer_id=stranger.username,
    )
    assert list(refusal.errors) == ["meter"]


def test_a_registered_customer_whose_meter_is_attached_to_nobody_is_refused_on_meter():
    # HAN-1: the named account must hold the meter
    customer = UserFactory()
    refusal = refusal_of(
        customer=details(registered=True, email=customer.email), customer_id=customer.username
    )
    assert list(refusal.errors) == ["meter"]


def test_an_unknown_registered_customer_is_refused_on_customer_id():  # HAN-1
    meter = MeterFactory()
    registered_customer(meter)
    refusal = refusal_of(
        meter=meter, customer=details(registered=True), customer_id="nobody-by-that-name"
    )
    assert list(refusal.errors) == ["customer_id"]


def test_an_unknown_meter_is_refused_on_meter():  # HAN-1, AGR-6
    meter = MeterFactory()
    before = row_counts()
    for pair in (
        MeterPair(esiid=meter.premise.esiid, meter_number="999999999"),
        MeterPair(esiid="10443720000000000", meter_number=meter.meter_number),
    ):
        with pytest.raises(AgreementRefused) as refused:
            han_provision_request_create(
                user=third_party_admin(),
                customer=details(),
                meter=pair,
                devices=[device()],
                contact=contact(),
            )
        assert refused.value.errors == {"meter": [METER_NOT_VALID, *METER_NOT_VALID_REASONS]}
    assert row_counts() == before


def test_a_meter_attached_to_an_account_is_refused_for_a_non_registered_customer():
    # HAN-1, AGR-6: the answer of an unknown meter
    meter = MeterFactory()
    CustomerPremiseFactory(premise=meter.premise)
    refusal = refusal_of(meter=meter)
    assert refusal.errors == {"meter": [METER_NOT_VALID, *METER_NOT_VALID_REASONS]}


# --- who may ask (HAN-1, ACC-19) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: UserFactory(third_party=True), id="3rd-party-user-without-HAN"),
        pytest.param(lambda: UserFactory(rep=True), id="rep-user-without-HAN"),
        pytest.param(lambda: UserFactory(), id="customer"),
        pytest.param(lambda: UserFactory(tdsp_admin=True), id="tdsp-admin"),
    ],
)
def test_a_user_without_the_in_home_device_permission_is_refused(make_user):  # HAN-1, ACC-19
    refusal = refusal_of(user=make_user())
    assert str(refusal) == "You do not have permission to create this agreement."


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: UserFactory(rep_admin=True), id="rep-admin"),
        pytest.param(
            lambda: UserFactory(third_party=True, can_in_home_devices=True),
            id="3rd-party-user-granted-HAN",
        ),
        pytest.param(lambda: UserFactory(third_party_admin=True), id="3rd-party-admin"),
    ],
)
def test_a_rep_admin_or_a_user_with_the_permission_may_provision(make_user):  # HAN-1
    user = make_user()
    (request,) = provision(user=user)
    assert request.agreement.company_id == user.company_id
    assert status_of(request) == S.REQUEST_EMAIL_SENT


# --- slots (HAN-2) -----------------------------------------------------------------------------


def test_with_4_slots_taken_one_more_device_is_accepted():  # HAN-2
    meter = MeterFactory()
    provision(meter=meter, devices=[device() for _ in range(4)])
    assert free_slots(meter) == 1
    provision(meter=meter)
    assert free_slots(meter) == 0


def test_with_5_slots_taken_a_sixth_device_is_refused_naming_the_meter():  # HAN-2
    meter = MeterFactory()
    provision(meter=meter, devices=[device() for _ in range(5)])
    refusal = refusal_of(meter=meter)
    assert list(refusal.errors) == ["devices"]
    message = str(refusal)
    assert meter.meter_number in message and meter.premise.esiid in message
    assert "0 free" in message and "asks for 1" in message


def test_asking_for_2_devices_with_4_slots_taken_is_refused_as_a_whole():  # HAN-2
    meter = MeterFactory()
    provision(meter=meter, devices=[device() for _ in range(4)])
    refusal = refusal_of(meter=meter, devices=[device(), device()])
    assert "1 free" in str(refusal) and "asks for 2" in str(refusal)


def test_slots_are_counted_per_meter():  # HAN-2
    full = MeterFactory()
    provision(meter=full, devices=[device() for _ in range(5)])
    other = MeterFactory()
    provision(meter=other, devices=[device() for _ in range(5)])
    assert free_slots(other) == 0


def test_a_closed_request_holds_its_slot_until_it_is_cleared_10_days_later(clock):
    # HAN-2, HAN-5
    meter = MeterFactory()
    first, *_others = provision(meter=meter, devices=[device() for _ in range(5)])
    han_answer_by_link(token=token_of(first), start=False)
    assert status_of(first) == S.CUSTOMER_REJECTED
    assert "0 free" in str(refusal_of(meter=meter))
    clock.move_to(NOW + timedelta(days=10, seconds=-1))
    assert han_requests_clear() == 0
    assert "0 free" in str(refusal_of(meter=meter))
    clock.move_to(NOW + timedelta(days=10))
    assert han_requests_clear() == 1
    provision(meter=meter)
    assert free_slots(meter) == 0


def test_a_removed_device_frees_its_slot_at_once():  # HAN-2, HAN-8
    meter = MeterFactory()
    user = third_party_admin()
    paired = started(user=user, meter=meter)
    provision(user=user, meter=meter, devices=[device() for _ in range(4)])
    for status in ("ADD_PENDING", "METER_READY", "DEVICE_ADDED"):
        tdsp_status(paired, status)
    assert "0 free" in str(refusal_of(meter=meter))
    han_device_remove(user=user, request=paired)
    assert "0 free" in str(refusal_of(meter=meter))  # a removal asked still holds it
    tdsp_status(paired, "REMOVED")
    assert status_of(paired) == S.REMOVED
    assert free_slots(meter) == 1
    provision(meter=meter)


# --- the same device twice (HAN-2) -------------------------------------------------------------


def test_the_same_mac_in_progress_twice_on_one_meter_is_refused():  # HAN-2
    meter = MeterFactory()
    mac = new_mac()
    provision(meter=meter, devices=[device(mac)])
    spelled_otherwise = ":".join(mac[i : i + 2] for i in range(0, 16, 2)).lower()
    refusal = refusal_of(meter=meter, devices=[device(spelled_otherwise)])
    assert list(refusal.errors) == ["device_1_mac_address"]
    assert "already in progress" in str(refusal)


def test_the_same_mac_is_allowed_on_another_meter():  # HAN-2
    mac = new_mac()
    provision(devices=[device(mac)])
    (other,) = provision(devices=[device(mac)])
    assert other.mac_address == mac


def test_the_same_mac_is_allowed_again_once_the_first_request_is_closed():  # HAN-2
    meter = MeterFactory()
    mac = new_mac()
    (first,) = provision(meter=meter, devices=[device(mac)])
    han_answer_by_link(token=token_of(first), start=False)
    (again,) = provision(meter=meter, devices=[device(mac)])
    assert again.pk != first.pk and status_of(again) == S.REQUEST_EMAIL_SENT


def test_the_same_mac_twice_in_one_request_is_refused():  # HAN-1
    mac = new_mac()
    refusal = refusal_of(devices=[device(mac), device(mac.lower())])
    assert refusal.errors == {
        "device_2_mac_address": ["This MAC address is entered more than once."]
    }


# --- bad input: the field named, nothing created (HAN-1) ---------------------------------------

BAD_CRC = INSTALL_CODE[:-1] + ("0" if INSTALL_CODE[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("make_devices", "field"),
    [
        pytest.param(lambda: [device("000D6F000012345")], "device_1_mac_address", id="mac-15"),
        pytest.param(lambda: [device("000D6F00001234567")], "device_1_mac_address", id="mac-17"),
        pytest.param(lambda: [device("000D6F000012345G")], "device_1_mac_address", id="non-hex"),
        pytest.param(lambda: [device(install_code=BAD_CRC)], "device_1_install_code", id="crc"),
        pytest.param(
            lambda: [device(install_code=INSTALL_CODE[:-4])], "device_1_install_code", id="short"
        ),
        pytest.param(
            lambda: [device(device_type="toaster")], "device_1_device_type", id="device-type"
        ),
        pytest.param(lambda: [], "devices", id="no-devices"),
        pytest.param(lambda: [device() for _ in range(6)], "devices", id="6-devices"),
        pytest.param(
            lambda: [device(), device("NOT-A-MAC")], "device_2_mac_address", id="second-bad"
        ),
    ],
)
def test_bad_input_is_refused_on_its_field_and_creates_nothing(make_devices, field):  # HAN-1
    meter = MeterFactory()
    refusal = refusal_of(meter=meter, devices=make_devices())
    assert list(refusal.errors) == [field]
    assert refusal.field == field
    assert not HanProvisionRequest.objects.exists()
    assert free_slots(meter) == 5


def test_every_bad_field_is_named_at_once():  # HAN-1
    refusal = refusal_of(
        devices=[device("123", install_code=BAD_CRC), device(device_type="toaster")]
    )
    assert set(refusal.errors) == {
        "device_1_mac_address",
        "device_1_install_code",
        "device_2_device_type",
    }


def test_five_devices_in_one_request_is_the_most_accepted():  # HAN-1, HAN-2
    requests = provision(devices=[device() for _ in range(5)])
    assert len(requests) == 5
    assert Agreement.objects.filter(kind=Agreement.Kind.HAN_DEVICE).count() == 5
