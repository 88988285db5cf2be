"""OPS-1, HAN-9: HAN device messages in Django admin, read-only, with their timeline."""

from datetime import timedelta
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from han.models import HanMessage, HanProvisionRequest
from han.services.messages import (
    MessageDraft,
    han_message_cancel,
    han_message_send,
    han_messages_compose,
)
from tests.agreements.helpers import active_ongoing, third_party_admin
from tests.factories import MeterFactory, UserFactory
from tests.han.helpers import device, device_added
from usage.tdsp.messages import tdsp_message_apply

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:han_hanmessage_changelist"
M = HanMessage.Status
_tdsp_ids = count(1)


def change_url(message: HanMessage) -> str:
    return reverse("admin:han_hanmessage_change", args=[message.pk])


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(smt_staff=True))
    return client


@pytest.fixture(autouse=True)
def _simulated_tdsp(settings):
    """The simulated TDSP: its answers are scheduled on commit, which a test never reaches."""
    settings.TDSP_ADAPTERS = {}


def paired_device(user=None, *, esiid: str | None = None, mac: str | None = None):
    """A Device Added HAN device of the company, with its Active Ongoing HAN Services
    agreement on the meter (AGR-17)."""
    user = user or third_party_admin()
    meter = MeterFactory(**({"premise__esiid": esiid} if esiid else {}))
    active_ongoing(user=user, meter=meter, kind=Agreement.Kind.ONGOING_HAN)
    return user, device_added(user=user, meter=meter, devices=[device(mac=mac)])


def compose(user, request: HanProvisionRequest, text="Peak pricing event 2-6 PM.", **draft):
    draft.setdefault("duration_minutes", 60)
    [message] = han_messages_compose(
        user=user,
        draft=MessageDraft(text=text, **draft),
        devices=[request.agreement.agreement_number],
    )
    return message


def tdsp_says(message: HanMessage, status: str, **extra) -> dict:
    """A HAN message status from the TDSP, through the TDSP API's message handling."""
    message.refresh_from_db()
    body = {
        "message_id": f"admin-msg-{next(_tdsp_ids)}",
        "type": "han_message_status",
        "request_id": message.tdsp_request_id,
        "status": status,
        **extra,
    }
    return tdsp_message_apply(tdsp=message.device.agreement.premise.tdsp, body=body)


@pytest.fixture
def confirmed():
    """A message composed, sent, delivered and confirmed: a full timeline."""
    user, request = paired_device(mac="000D6F00000A0B0C")
    message = compose(user, request, priority="high", confirmation_required=True)
    han_message_send(message_pk=message.pk)
    tdsp_says(message, "DELIVERED")
    tdsp_says(message, "CONFIRMED")
    message.refresh_from_db()
    assert message.status == M.CONFIRMED
    return message


def test_staff_see_the_list_with_the_mac_masked(staff_client, confirmed):  # OPS-1, NTF-4
    page = staff_client.get(reverse(CHANGELIST))

    assert page.status_code == 200
    assert f">{confirmed.pk}<" in page.text
    assert confirmed.company.name in page.text
    assert confirmed.device.agreement.premise.esiid in page.text
    assert "**********0A0B0C" in page.text
    assert "000D6F00000A0B0C" not in page.text
    assert "Confirmed by customer" in page.text and "High" in page.text


def test_the_change_page_shows_the_message_and_its_timeline(staff_client, confirmed):  # HAN-9
    page = staff_client.get(change_url(confirmed))

    assert page.status_code == 200
    text = page.text
    assert "Peak pricing event 2-6 PM." in text
    assert confirmed.agreement.agreement_number in text  # the Ongoing HAN Services agreement
    assert reverse("admin:han_hanprovisionrequest_change", args=[confirmed.device_id]) in text
    assert confirmed.tdsp_request_id in text
    # SEC-7: every status with its actor and reason, oldest first
    timeline = [
        "— → Queued",
        "Queued → Sent to TDSP",
        "Sent to TDSP → Delivered",
        "Delivered → Confirmed by customer",
    ]
    positions = [text.index(step) for step in timeline]
    assert positions == sorted(positions)
    assert confirmed.sent_by.username in text
    assert "system: message sender" in text
    assert "TDSP message admin-msg-" in text
    # the TDSP messages that named it, linked to the TDSP message log
    assert "DELIVERED" in text and "CONFIRMED" in text
    # read-only: no field to edit, no save button, no way to add or delete timeline rows
    assert 'name="status"' not in text and 'name="text"' not in text
    assert 'name="_save"' not in text
    assert "events-0-DELETE" not in text
    assert 'name="events-MAX_NUM_FORMS" value="0"' in text  # no row can be added


def test_a_failed_message_shows_why(staff_client):  # HAN-9
    user, request = paired_device()
    message = compose(user, request)
    han_message_send(message_pk=message.pk)
    tdsp_says(message, "FAILED", reason="The device did not answer.")

    page = staff_client.get(change_url(message))

    assert "Sent to TDSP → Failed" in page.text
    assert "The device did not answer." in page.text


def test_staff_cannot_add_change_or_delete(staff_client, confirmed):  # OPS-1
    assert staff_client.get(reverse("admin:han_hanmessage_add")).status_code == 403
    delete = reverse("admin:han_hanmessage_delete", args=[confirmed.pk])
    assert staff_client.get(delete).status_code == 403
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert staff_client.post(change_url(confirmed), {"text": "Changed"}).status_code == 403
    changelist = staff_client.get(reverse(CHANGELIST))
    assert "delete_selected" not in changelist.text
    assert reverse("admin:han_hanmessage_add") not in changelist.text
    confirmed.refresh_from_db()
    assert confirmed.text == "Peak pricing event 2-6 PM." and confirmed.events.count() == 4


def test_the_timeline_cannot_be_edited_through_its_own_admin(staff_client):  # SEC-7
    response = staff_client.get("/admin/han/hanmessageevent/")
    assert response.status_code == 404


@pytest.mark.parametrize("kind", [{}, {"third_party_admin": True}])
def test_a_non_staff_user_is_sent_to_the_admin_sign_in(client, confirmed, kind):  # OPS-1
    client.force_login(UserFactory(**kind))
    for url in (reverse(CHANGELIST), change_url(confirmed)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("field", ["esiid", "mac", "partial_mac", "tdsp_request_id", "batch"])
def test_messages_are_found_by_esiid_mac_tdsp_request_id_or_batch(staff_client, field):
    user, request = paired_device(esiid="10443720007574303", mac="000D6F000000CAFE")
    wanted = compose(user, request, text="Wanted message")
    other_user, other_request = paired_device(mac="000D6F00000BEEF0")
    other = compose(other_user, other_request, text="Other message")
    query = {
        "esiid": "10443720007574303",
        "mac": "00:0D:6F:00:00:00:CA:FE",
        "partial_mac": "00CAFE",
        "tdsp_request_id": wanted.tdsp_request_id,
        "batch": str(wanted.batch),
    }[field]

    page = staff_client.get(reverse(CHANGELIST), {"q": query})

    assert page.status_code == 200
    assert change_url(wanted) in page.text
    assert change_url(other) not in page.text


def test_filters_by_status_priority_and_company(staff_client):  # OPS-1
    user, request = paired_device()
    queued = compose(user, request, start_at=timezone.now() + timedelta(hours=2))
    critical = compose(user, request, priority="critical")
    cancelled = compose(user, request, start_at=timezone.now() + timedelta(hours=3))
    han_message_cancel(user=user, message=cancelled)
    other_user, other_request = paired_device()
    other = compose(other_user, other_request)
    everyone = (queued, critical, cancelled, other)

    def listed(**query) -> set[int]:
        page = staff_client.get(reverse(CHANGELIST), query)
        assert page.status_code == 200
        return {m.pk for m in everyone if change_url(m) in page.text}

    assert listed(status__exact="cancelled") == {cancelled.pk}
    assert listed(status__exact="queued") == {queued.pk, critical.pk, other.pk}
    assert listed(priority__exact="critical") == {critical.pk}
    assert listed(company__id__exact=other.company_id) == {other.pk}
    assert listed() == {m.pk for m in everyone}


def test_the_pages_query_count_stays_bounded(staff_client, django_assert_max_num_queries):
    user, request = paired_device()
    other_user, other_request = paired_device()
    for _ in range(3):
        compose(user, request)
        compose(other_user, other_request)
    message = compose(user, request, confirmation_required=True)
    han_message_send(message_pk=message.pk)
    tdsp_says(message, "DELIVERED")
    tdsp_says(message, "CONFIRMED")

    with django_assert_max_num_queries(10):
        assert staff_client.get(reverse(CHANGELIST)).status_code == 200
    with django_assert_max_num_queries(10):
        assert staff_client.get(change_url(message)).status_code == 200


def test_the_changelist_query_count_does_not_grow_with_the_rows(
    staff_client, django_assert_max_num_queries
):  # OPS-1
    user, request = paired_device()
    compose(user, request)
    with django_assert_max_num_queries(100) as one:
        staff_client.get(reverse(CHANGELIST))
    for _ in range(3):
        other_user, other_request = paired_device()
        for _ in range(3):
            compose(other_user, other_request)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert staff_client.get(reverse(CHANGELIST)).status_code == 200
