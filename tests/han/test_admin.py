"""OPS-1, SEC-7: HAN provision requests in Django admin, read-only, with their history, emails
and TDSP messages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from han.models import HanProvisionRequest
from han.services.tdsp import han_device_remove
from notifications.models import OutboundEmail
from tests.agreements.helpers import details
from tests.factories import MeterFactory, UserFactory
from tests.han.helpers import INSTALL_CODE, S, device, one_request, started, tdsp_status

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:han_hanprovisionrequest_changelist"


def change_url(request: HanProvisionRequest) -> str:
    return reverse("admin:han_hanprovisionrequest_change", args=[request.pk])


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(smt_staff=True))
    return client


@pytest.fixture
def device_added(settings):
    settings.TDSP_ADAPTERS = {}
    request = started(devices=[device(mac="000D6F00000A0B0C")])
    for status in ("ADD_PENDING", "METER_READY", "DEVICE_ADDED"):
        tdsp_status(request, status, message_id=f"admin-test-{status}")
    request.refresh_from_db()
    return request


def test_staff_see_the_list_with_the_mac_masked(staff_client, device_added):  # OPS-1, NTF-4
    page = staff_client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    agreement = device_added.agreement
    assert agreement.agreement_number in page.text
    assert "Device Added" in page.text
    assert agreement.premise.esiid in page.text
    assert "**********0A0B0C" in page.text
    assert "000D6F00000A0B0C" not in page.text


def test_the_change_page_shows_history_emails_and_tdsp_messages(staff_client, device_added):
    page = staff_client.get(change_url(device_added))

    assert page.status_code == 200
    text = page.text
    # AGR-18, SEC-7: who moved it, from what to what
    assert "customer link" in text
    assert "Provision Request Email Sent to Customer → Customer Initiated Pairing Window" in text
    assert "Meter Ready → Device Added" in text
    assert "TDSP message admin-test-DEVICE_ADDED" in text
    # NTF-3: the emails sent for it, each linked to the email log (where staff resend)
    email = OutboundEmail.objects.get(
        template="han/device_added_customer", related_id=str(device_added.agreement_id)
    )
    assert "han/device_added_customer" in text
    assert reverse("admin:notifications_outboundemail_change", args=[email.pk]) in text
    # HAN-7: the TDSP messages that named it
    assert "admin-test-METER_READY" in text
    # the installation code shows only its last 4 digits, the status is never a form field
    assert INSTALL_CODE not in text
    assert "*" * (len(INSTALL_CODE) - 4) + INSTALL_CODE[-4:] in text
    assert 'name="status"' not in text and "<form" in text and 'name="_save"' not in text


def test_removal_messages_are_listed_too(staff_client, device_added):  # HAN-8
    han_device_remove(user=device_added.agreement.initiated_by, request=device_added)
    tdsp_status(device_added, "REMOVED", message_id="admin-test-removed")

    page = staff_client.get(change_url(device_added))

    assert "admin-test-removed" in page.text and "admin-test-ADD_PENDING" in page.text
    assert "Remove Requested → Removed" in page.text


def test_staff_cannot_add_change_or_delete(staff_client):  # OPS-1
    request = one_request()
    assert staff_client.get(reverse("admin:han_hanprovisionrequest_add")).status_code == 403
    delete = reverse("admin:han_hanprovisionrequest_delete", args=[request.pk])
    assert staff_client.get(delete).status_code == 403
    assert staff_client.post(change_url(request), {"device_type": "other"}).status_code == 403
    changelist = staff_client.get(reverse(CHANGELIST))
    assert "delete_selected" not in changelist.text


@pytest.mark.parametrize("kind", [{}, {"third_party_admin": True}])
def test_a_non_staff_user_is_sent_to_the_admin_sign_in(client, kind):  # OPS-1
    request = one_request()
    client.force_login(UserFactory(**kind))
    for url in (reverse(CHANGELIST), change_url(request)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("field", "query"),
    [
        ("number", None),
        ("esiid", "10443720007574303"),
        ("mac", "00:0D:6F:00:00:00:CA:FE"),
        ("last_name", "Xing"),
    ],
)
def test_requests_are_found_by_number_esiid_mac_or_last_name(staff_client, field, query):
    wanted = one_request(
        meter=MeterFactory(premise__esiid="10443720007574303"),
        devices=[device(mac="000D6F000000CAFE")],
        customer=details(last_name="Xing"),
    )
    other = one_request(devices=[device(mac="000D6F00000BEEF0")])
    query = query or wanted.agreement.agreement_number

    page = staff_client.get(reverse(CHANGELIST), {"q": query})

    assert wanted.agreement.agreement_number in page.text
    assert other.agreement.agreement_number not in page.text


def test_filters_by_status_device_type_and_cleared(staff_client, settings):  # OPS-1
    settings.TDSP_ADAPTERS = {}
    waiting = one_request()
    paired = started(devices=[device(device_type=HanProvisionRequest.DeviceType.THERMOSTAT)])
    HanProvisionRequest.objects.filter(pk=waiting.pk).update(
        cleared_at=waiting.agreement.created_at
    )

    def listed(**query) -> set[HanProvisionRequest]:
        page = staff_client.get(reverse(CHANGELIST), query)
        assert page.status_code == 200
        return {r for r in (waiting, paired) if r.agreement.agreement_number in page.text}

    assert listed(status=S.PAIRING_INITIATED) == {paired}
    assert listed(status=S.REQUEST_EMAIL_SENT) == {waiting}
    assert listed(device_type__exact="thermostat") == {paired}
    assert listed(cleared="yes") == {waiting}
    assert listed(cleared="no") == {paired}


def test_the_changelist_query_count_does_not_grow_with_the_rows(staff_client):  # OPS-1
    counts = []
    for total in (1, 10):
        while HanProvisionRequest.objects.count() < total:
            one_request()
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse(CHANGELIST)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_agreement_admin_links_a_han_device_agreement_to_its_request(staff_client):  # OPS-1
    request = one_request()
    url = reverse("admin:agreements_agreement_change", args=[request.agreement_id])

    page = staff_client.get(url)

    assert page.status_code == 200
    assert change_url(request) in page.text
    listed = staff_client.get(reverse("admin:agreements_agreement_changelist"))
    assert request.agreement.agreement_number in listed.text
