"""HAN statuses from the TDSPs through the TDSP API (HAN-7, HAN-8, API-3, API-4; seed 004):
each status, replays, out-of-order messages, bad messages, and the removal of a device."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from agreements.models import AgreementHistory
from han.services.answers import han_answer_by_link
from han.services.core import HanRefused, slot_holders
from han.services.tdsp import han_device_remove
from notifications.models import OutboundEmail
from tests.factories import CompanyFactory, MeterFactory, PremiseFactory, TdspFactory, UserFactory
from tests.support.tdsp import send_tdsp_message
from usage.models import TdspMessage
from usage.tdsp.credentials import tdsp_credential_issue

from .helpers import (
    HAPPY_PATH,
    S,
    han_emails,
    history_of,
    provision,
    provision_registered,
    registered_customer,
    started,
    status_of,
    templates_of,
    token_of,
    use_recording_adapter,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def meter(oncor):
    return MeterFactory(premise=PremiseFactory(tdsp=oncor))


@pytest.fixture
def request_started(meter):
    """A request the customer started: with the TDSP (Customer Initiated Pairing Window)."""
    return started(meter=meter)


def send(client, key, request, status, *, message_id=None, request_id=None, **extra):
    """One `han_status` message about the request, as its TDSP POSTs it."""
    request.refresh_from_db()
    if request_id is None:
        removal = isinstance(status, str) and status.upper().startswith("REMOVE")
        request_id = request.removal_request_id if removal else request.tdsp_request_id
    body = {
        "message_id": message_id or f"han-http-{next(_ids)}",
        "type": "han_status",
        "request_id": request_id,
        "status": status,
        **extra,
    }
    return send_tdsp_message(client, key, **{k: v for k, v in body.items() if v is not None})


def new_emails(request, before: list) -> list[str]:
    return templates_of(request)[len(before) :]


def pair(event: str) -> list[str]:
    return [f"han/{event}_customer", f"han/{event}_third_party"]


# --- each status (HAN-7, seed 004) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected", "emails"),
    [
        ("ADD_PENDING", S.ADD_PENDING, []),  # seed 004: N/A, N/A
        ("ADD_REJECTED", S.ADD_REJECTED, pair("add_rejected")),
        ("METER_READY", S.METER_READY, pair("meter_ready")),
        ("ADD_FAILED", S.ADD_FAILED, pair("add_failed")),  # before Meter Ready
        ("DEVICE_ADDED", S.DEVICE_ADDED, pair("device_added")),
        ("meter_ready", S.METER_READY, pair("meter_ready")),  # any case
    ],
)
def test_each_status_moves_the_request_and_sends_the_seed_emails(
    client, key, request_started, status, expected, emails
):  # HAN-7, HAN-6
    before = templates_of(request_started)
    response = send(client, key, request_started, status, message_id="m-1", reason="Because.")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "message_id": "m-1",
        "status": "processed",
        "result": "accepted",
        "request_id": request_started.tdsp_request_id,
        "han_status": expected,
    }
    assert status_of(request_started) == expected
    assert history_of(request_started)[-1] == (S.PAIRING_INITIATED, expected, "TDSP message m-1")
    last = AgreementHistory.objects.filter(agreement=request_started.agreement_id).last()
    assert last.reason == "Because."
    assert new_emails(request_started, before) == emails
    message = TdspMessage.objects.get(message_id="m-1")
    assert (message.kind, message.tdsp_id) == (
        "han_status",
        request_started.agreement.premise.tdsp_id,
    )


def test_meter_ready_opens_a_14_day_pairing_window_and_says_so(client, key, request_started):
    # HAN-5 decision, seed 004 "You have <xx> days to pairing"
    send(client, key, request_started, "METER_READY")
    request_started.refresh_from_db()
    assert request_started.meter_ready_at == NOW
    assert request_started.pairing_window_ends_at == NOW + timedelta(days=14)
    sent = OutboundEmail.objects.filter(template__startswith="han/meter_ready")
    assert [email.context["days"] for email in sent] == [14, 14]


def test_device_added_records_when(client, key, request_started):  # HAN-8
    send(client, key, request_started, "DEVICE_ADDED")
    request_started.refresh_from_db()
    assert request_started.device_added_at == NOW
    assert request_started.closed_at is None


@pytest.mark.parametrize("status", ["ADD_REJECTED", "ADD_FAILED"])
def test_a_rejected_or_failed_add_closes_the_request(client, key, request_started, status):
    # HAN-5: closed now, cleared 10 days later
    send(client, key, request_started, status)
    request_started.refresh_from_db()
    assert request_started.closed_at == NOW
    assert request_started.agreement.end_date == NOW.date()


# --- replays and order (HAN-7, API-3) ----------------------------------------------------------


def test_a_message_replayed_three_times_counts_once(client, key, request_started):  # API-3
    before = templates_of(request_started)
    answers = [
        send(client, key, request_started, "METER_READY", message_id="same-id").json()
        for _ in range(3)
    ]
    assert [a["status"] for a in answers] == ["processed", "duplicate", "duplicate"]
    assert all(a["han_status"] == S.METER_READY for a in answers)
    assert TdspMessage.objects.filter(message_id="same-id").count() == 1
    moves = [row for row in history_of(request_started) if row[1] == S.METER_READY]
    assert len(moves) == 1
    assert new_emails(request_started, before) == pair("meter_ready")


@pytest.mark.parametrize(
    "order", list(itertools.permutations(HAPPY_PATH)), ids=lambda order: ">".join(order)
)
def test_the_happy_path_in_any_order_ends_device_added_with_one_email_pair(
    client, key, request_started, order
):  # HAN-7: out of order is harmless, never backwards
    for status in order:
        assert send(client, key, request_started, status).status_code == 200
    assert status_of(request_started) == S.DEVICE_ADDED
    assert templates_of(request_started).count("han/device_added_customer") == 1
    assert templates_of(request_started).count("han/device_added_third_party") == 1
    statuses = [to for _from, to, _actor in history_of(request_started)]
    assert statuses[-1] == S.DEVICE_ADDED  # nothing after it
    assert statuses.count(S.DEVICE_ADDED) == 1


@pytest.mark.parametrize(
    "order", [("ADD_PENDING", "ADD_REJECTED"), ("ADD_REJECTED", "ADD_PENDING")]
)
def test_add_pending_and_add_rejected_in_either_order_end_add_rejected(
    client, key, request_started, order
):  # HAN-7
    for status in order:
        send(client, key, request_started, status)
    assert status_of(request_started) == S.ADD_REJECTED
    assert templates_of(request_started).count("han/add_rejected_customer") == 1


@pytest.mark.parametrize("first", [[], ["ADD_PENDING"]], ids=["from-initiated", "from-pending"])
def test_add_failed_before_meter_ready_is_add_failed(client, key, request_started, first):
    # seed 004 "Add Failed (before Meter Ready)"
    for status in first:
        send(client, key, request_started, status)
    before = templates_of(request_started)
    send(client, key, request_started, "ADD_FAILED")
    assert status_of(request_started) == S.ADD_FAILED
    assert new_emails(request_started, before) == pair("add_failed")


def test_add_failed_after_meter_ready_keeps_meter_ready_and_tells_both_sides_once(
    client, key, request_started
):  # seed 004 "Add Failed (after Meter Ready)", HAN-3
    send(client, key, request_started, "METER_READY")
    before, history = templates_of(request_started), history_of(request_started)
    answers = [
        send(client, key, request_started, "ADD_FAILED", message_id=f"fail-{n}").json()
        for n in (1, 2)
    ]
    for answer in answers:
        assert (answer["status"], answer["result"]) == ("processed", "ignored")
        assert answer["han_status"] == S.METER_READY
    assert status_of(request_started) == S.METER_READY
    notes = history_of(request_started)[len(history) :]
    assert notes == [
        (S.METER_READY, S.METER_READY, "TDSP message fail-1"),
        (S.METER_READY, S.METER_READY, "TDSP message fail-2"),
    ]
    assert new_emails(request_started, before) == pair("setup_issue")
    request_started.refresh_from_db()
    assert request_started.setup_issue_at == NOW
    send(client, key, request_started, "DEVICE_ADDED")  # the TDSP fixed it: pairing goes on
    assert status_of(request_started) == S.DEVICE_ADDED


def test_a_stale_add_pending_after_meter_ready_is_ignored(client, key, request_started):
    # HAN-7: no going backwards
    send(client, key, request_started, "METER_READY")
    before, history = templates_of(request_started), history_of(request_started)
    answer = send(client, key, request_started, "ADD_PENDING").json()
    assert answer["result"] == "ignored"
    assert answer["han_status"] == S.METER_READY
    assert "does not follow" in answer["note"]
    assert status_of(request_started) == S.METER_READY
    assert history_of(request_started) == history
    assert templates_of(request_started) == before


@pytest.mark.parametrize("status", ["ADD_PENDING", "METER_READY", "DEVICE_ADDED"])
def test_a_status_for_a_request_not_yet_started_is_ignored(client, key, meter, status):
    # HAN-4: nothing goes to the TDSP before the customer starts
    (request,) = provision(meter=meter)
    before, history = templates_of(request), history_of(request)
    answer = send(client, key, request, status).json()
    assert answer["result"] == "ignored"
    assert status_of(request) == S.REQUEST_EMAIL_SENT
    assert (templates_of(request), history_of(request)) == (before, history)


# --- bad messages (API-4) ----------------------------------------------------------------------


def test_an_unknown_request_id_is_404(client, key, request_started):  # API-3
    response = send(client, key, request_started, "METER_READY", request_id="no-such-request")
    assert response.status_code == 404
    assert response.json()["field"] == "request_id"
    assert not TdspMessage.objects.exists()
    assert status_of(request_started) == S.PAIRING_INITIATED


def test_a_request_on_another_tdsps_meter_is_404(client, request_started):  # API-3, SEC-1
    tnmp = TdspFactory(code="tnmp", name="TNMP", company=CompanyFactory(kind="tdsp", name="TNMP"))
    response = send(client, tdsp_credential_issue(tdsp=tnmp), request_started, "METER_READY")
    assert response.status_code == 404
    assert response.json()["field"] == "request_id"
    assert not TdspMessage.objects.exists()
    assert status_of(request_started) == S.PAIRING_INITIATED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status": "PAIRED"}, "status"),
        ({"status": ""}, "status"),
        ({"status": 3}, "status"),
        ({"request_id": ""}, "request_id"),
        ({"request_id": ["x"]}, "request_id"),
        ({"reason": "x" * 1001}, "reason"),
    ],
)
def test_a_bad_field_is_400_naming_it_and_changes_nothing(
    client, key, request_started, overrides, field
):  # API-4
    before, history = templates_of(request_started), history_of(request_started)
    body = {"status": "METER_READY", **overrides}
    response = send(client, key, request_started, **body)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not TdspMessage.objects.exists()
    assert status_of(request_started) == S.PAIRING_INITIATED
    assert (templates_of(request_started), history_of(request_started)) == (before, history)


def test_a_missing_request_id_is_400_naming_it(client, key, request_started):  # API-4
    response = send_tdsp_message(
        client, key, message_id="no-id", type="han_status", status="METER_READY"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "request_id"


def test_a_reason_of_1000_characters_is_accepted(client, key, request_started):  # API-4
    response = send(client, key, request_started, "ADD_REJECTED", reason="x" * 1000)
    assert response.status_code == 200
    assert status_of(request_started) == S.ADD_REJECTED


# --- removal (HAN-8) ---------------------------------------------------------------------------


def paired(client, key, meter, customer=None):
    """A Device Added request, for a registered customer when one is given."""
    if customer is not None:
        (request,) = provision_registered(customer, meter)
        han_answer_by_link(token=token_of(request), start=True)
    else:
        request = started(meter=meter)
    for status in HAPPY_PATH:
        send(client, key, request, status)
    assert status_of(request) == S.DEVICE_ADDED
    return request


@pytest.mark.parametrize("by", ["customer", "third party"])
def test_remove_asks_the_tdsp_to_deprovision(
    client, key, meter, settings, django_capture_on_commit_callbacks, by
):  # HAN-8
    adapter = use_recording_adapter(settings)
    customer = registered_customer(meter)
    request = paired(client, key, meter, customer)
    user = customer if by == "customer" else request.agreement.initiated_by
    with django_capture_on_commit_callbacks(execute=True):
        han_device_remove(user=user, request=request)
    request.refresh_from_db()
    assert request.agreement.status == S.REMOVE_REQUESTED
    assert request.removal_request_id
    assert request.removal_request_id != request.tdsp_request_id
    assert adapter.removals == [request.removal_request_id]
    assert request.removal_sent_at == NOW
    assert history_of(request)[-1] == (S.DEVICE_ADDED, S.REMOVE_REQUESTED, user.username)


def test_a_user_of_another_company_cannot_remove(client, key, meter):  # HAN-8, SEC-1
    request = paired(client, key, meter)
    with pytest.raises(HanRefused):
        han_device_remove(user=UserFactory(third_party_admin=True), request=request)
    assert status_of(request) == S.DEVICE_ADDED


def test_a_device_not_yet_added_cannot_be_removed(client, key, request_started):  # HAN-8
    send(client, key, request_started, "METER_READY")
    with pytest.raises(HanRefused) as refused:
        han_device_remove(user=request_started.agreement.initiated_by, request=request_started)
    assert "Meter Ready" in str(refused.value)


def test_remove_pending_then_removed_frees_the_slot_and_tells_both_sides(client, key, meter):
    # HAN-8, HAN-2
    request = paired(client, key, meter)
    han_device_remove(user=request.agreement.initiated_by, request=request)
    before = templates_of(request)
    assert send(client, key, request, "REMOVE_PENDING").json()["han_status"] == S.REMOVE_PENDING
    assert slot_holders(premise_id=meter.premise_id).count() == 1
    answer = send(client, key, request, "REMOVED").json()
    assert (answer["result"], answer["han_status"]) == ("accepted", S.REMOVED)
    request.refresh_from_db()
    assert request.agreement.status == S.REMOVED
    assert request.closed_at == NOW
    assert slot_holders(premise_id=meter.premise_id).count() == 0
    assert new_emails(request, before) == pair("removed")
    assert [row[1] for row in history_of(request)[-2:]] == [S.REMOVE_PENDING, S.REMOVED]


def test_remove_failed_allows_removing_again(
    client, key, meter, settings, django_capture_on_commit_callbacks
):  # HAN-8
    adapter = use_recording_adapter(settings)
    request = paired(client, key, meter)
    user = request.agreement.initiated_by
    with django_capture_on_commit_callbacks(execute=True):
        han_device_remove(user=user, request=request)
    request.refresh_from_db()
    first_id = request.removal_request_id
    before = templates_of(request)
    send(client, key, request, "REMOVE_FAILED")
    assert status_of(request) == S.REMOVE_FAILED
    assert new_emails(request, before) == pair("remove_failed")
    with django_capture_on_commit_callbacks(execute=True):
        han_device_remove(user=user, request=request)
    request.refresh_from_db()
    assert request.agreement.status == S.REMOVE_REQUESTED
    assert request.removal_request_id != first_id
    assert adapter.removals == [first_id, request.removal_request_id]
    old = send(client, key, request, "REMOVED", request_id=first_id)
    assert old.status_code == 404  # the first removal's id is no longer the request's
    before = templates_of(request)
    send(client, key, request, "REMOVED")
    assert status_of(request) == S.REMOVED
    assert new_emails(request, before) == pair("removed")


def test_a_removal_result_naming_the_provision_id_is_ignored(client, key, meter):  # HAN-8
    request = paired(client, key, meter)
    han_device_remove(user=request.agreement.initiated_by, request=request)
    before, history = templates_of(request), history_of(request)
    request.refresh_from_db()
    answer = send(client, key, request, "REMOVED", request_id=request.tdsp_request_id).json()
    assert answer["result"] == "ignored"
    assert answer["han_status"] == S.REMOVE_REQUESTED
    assert status_of(request) == S.REMOVE_REQUESTED
    assert (templates_of(request), history_of(request)) == (before, history)


def test_a_removal_result_for_a_device_not_being_removed_is_ignored(client, key, meter):
    # HAN-7: a Device Added device is removed only when asked
    request = paired(client, key, meter)
    answer = send(client, key, request, "REMOVED", request_id=request.tdsp_request_id).json()
    assert answer["result"] == "ignored"
    assert status_of(request) == S.DEVICE_ADDED
    assert han_emails(request)[-1][0] == "han/device_added_third_party"
