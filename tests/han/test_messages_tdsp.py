"""The TDSP's answers about HAN device messages (HAN-9, API-3, API-4): Delivered, Confirmed and
Failed through the TDSP API's message handling, in any order and replayed, never backwards;
another TDSP's message is a 404; and the simulated TDSP's scripts end to end."""

import io
import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from han.models import HanMessage
from han.services.messages import SYSTEM_SENDER, han_message_cancel
from han.simulated import simulated_message_step
from tests.factories import CompanyFactory, MeterFactory, PremiseFactory, TdspFactory
from tests.support.tdsp import send_tdsp_message
from usage.models import TdspMessage
from usage.tdsp.messages import TdspMessageInvalid, tdsp_message_apply

from .helpers import (
    compose,
    device,
    device_added,
    han_services,
    message_events,
    message_status,
    messaging_ready,
    use_recording_adapter,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=3)
M = HanMessage.Status
CONFIRM_MAC, FAIL_MAC = "000D6F00000C0F01", "000D6F00000FA101"
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ready(settings):
    """A paired device under an Active HAN Services agreement; the adapter only records."""
    use_recording_adapter(settings)
    user, meter, _agreement, (paired,) = messaging_ready()
    return user, meter, paired


@pytest.fixture
def sent(ready, django_capture_on_commit_callbacks):
    """Compose (confirmation_required=…) and hand to the TDSP: a Sent message."""
    user, meter, _device = ready

    def make(**overrides) -> HanMessage:
        with django_capture_on_commit_callbacks(execute=True):
            (message,) = compose(user, meter, **overrides)
        message.refresh_from_db()
        assert message.status == M.SENT
        return message

    return make


def fresh(message) -> HanMessage:
    return HanMessage.objects.get(pk=message.pk)


def statuses(message) -> list[str]:
    return [to for _from, to, _actor, _label, _reason in message_events(message)]


def answer(message, tdsp_status, message_id, **extra) -> dict:
    return message_status(message, tdsp_status, message_id=message_id, **extra)


def accepted(message, message_id, message_status) -> dict:
    return {
        "message_id": message_id,
        "status": "processed",
        "result": "accepted",
        "request_id": message.tdsp_request_id,
        "message_status": message_status,
    }


def ignored(message, message_id, message_status, note) -> dict:
    return {
        "message_id": message_id,
        "status": "processed",
        "result": "ignored",
        "note": note,
        "request_id": message.tdsp_request_id,
        "message_status": message_status,
    }


# --- Delivered, Confirmed, Failed (HAN-9, API-3) -----------------------------------------------


def test_delivered_then_confirmed(sent, clock):
    """HAN-9, API-3."""
    message = sent(confirmation_required=True)
    clock.move_to(LATER)
    assert answer(message, "DELIVERED", "d-1") == accepted(message, "d-1", M.DELIVERED)
    assert (fresh(message).status, fresh(message).delivered_at) == (M.DELIVERED, LATER)
    clock.move_to(LATER + timedelta(minutes=1))
    assert answer(message, "CONFIRMED", "c-1") == accepted(message, "c-1", M.CONFIRMED)
    message = fresh(message)
    assert (message.status, message.delivered_at, message.confirmed_at) == (
        M.CONFIRMED,
        LATER,
        LATER + timedelta(minutes=1),
    )
    assert message_events(message)[-2:] == [
        (M.SENT, M.DELIVERED, None, "TDSP message d-1", "Reported by the TDSP."),
        (M.DELIVERED, M.CONFIRMED, None, "TDSP message c-1", "Reported by the TDSP."),
    ]
    recorded = TdspMessage.objects.get(message_id="c-1")
    assert (recorded.kind, recorded.tdsp_id) == (
        "han_message_status",
        message.device.agreement.premise.tdsp_id,
    )


def test_a_confirmation_that_overtook_its_delivery(sent, clock):
    """HAN-9: never backwards."""
    message = sent(confirmation_required=True)
    clock.move_to(LATER)
    assert answer(message, "CONFIRMED", "c-1")["message_status"] == M.CONFIRMED
    message = fresh(message)
    assert (message.status, message.delivered_at, message.confirmed_at) == (
        M.CONFIRMED,
        LATER,
        LATER,
    )
    clock.move_to(LATER + timedelta(minutes=1))
    assert answer(message, "DELIVERED", "d-1") == ignored(
        message, "d-1", M.CONFIRMED, "Delivered does not follow Confirmed by customer: ignored."
    )
    message = fresh(message)
    assert (message.status, message.delivered_at) == (M.CONFIRMED, LATER)
    assert statuses(message) == [M.QUEUED, M.SENT, M.CONFIRMED]


def test_a_confirmation_for_a_message_that_asked_none_is_ignored(sent):
    """HAN-9."""
    message = sent(confirmation_required=False)
    answer(message, "DELIVERED", "d-1")
    assert answer(message, "CONFIRMED", "c-1") == ignored(
        message, "c-1", M.DELIVERED, "The message asked for no confirmation."
    )
    assert fresh(message).confirmed_at is None
    assert statuses(message) == [M.QUEUED, M.SENT, M.DELIVERED]


def test_a_replayed_message_id_changes_nothing(sent, clock):
    """HAN-9, API-3."""
    message = sent(confirmation_required=True)
    first = answer(message, "DELIVERED", "same")
    clock.move_to(LATER)
    replay = answer(message, "DELIVERED", "same")
    assert replay == {**first, "status": "duplicate"}
    # the same id with another status is still the first message, answered as it was
    assert answer(message, "CONFIRMED", "same")["message_status"] == M.DELIVERED
    assert (fresh(message).status, fresh(message).delivered_at) == (M.DELIVERED, NOW)
    assert statuses(message) == [M.QUEUED, M.SENT, M.DELIVERED]
    assert TdspMessage.objects.filter(message_id="same").count() == 1


def test_failed_with_the_tdsps_reason(sent, clock):
    """HAN-9."""
    message = sent()
    clock.move_to(LATER)
    assert answer(message, "FAILED", "f-1", reason="Device offline.") == accepted(
        message, "f-1", M.FAILED
    )
    message = fresh(message)
    assert (message.status, message.failure_reason, message.status_changed_at) == (
        M.FAILED,
        "Device offline.",
        LATER,
    )
    assert message_events(message)[-1] == (
        M.SENT,
        M.FAILED,
        None,
        "TDSP message f-1",
        "Device offline.",
    )


def test_failed_without_a_reason_says_the_tdsp_reported_it(sent):
    """HAN-9."""
    message = sent()
    answer(message, "FAILED", "f-1")
    assert fresh(message).failure_reason == "Reported as failed by the TDSP."


def test_failed_after_delivered_is_ignored(sent):
    """HAN-9: never backwards."""
    message = sent()
    answer(message, "DELIVERED", "d-1")
    assert answer(message, "FAILED", "f-1", reason="Late news.") == ignored(
        message, "f-1", M.DELIVERED, "Failed does not follow Delivered: ignored."
    )
    assert (fresh(message).status, fresh(message).failure_reason) == (M.DELIVERED, "")


@pytest.mark.parametrize("after", ["DELIVERED", "CONFIRMED"])
def test_nothing_follows_failed(sent, after):
    """HAN-9."""
    message = sent(confirmation_required=True)
    answer(message, "FAILED", "f-1")
    assert answer(message, after, "x-1")["result"] == "ignored"
    assert fresh(message).status == M.FAILED
    assert statuses(message) == [M.QUEUED, M.SENT, M.FAILED]


@pytest.mark.parametrize("tdsp_status", ["DELIVERED", "CONFIRMED", "FAILED"])
def test_a_status_for_a_cancelled_message_is_ignored(ready, tdsp_status):
    """HAN-9."""
    user, meter, _device = ready
    (message,) = compose(user, meter, start_at=NOW + timedelta(hours=1), confirmation_required=True)
    han_message_cancel(user=user, message=message)
    result = answer(message, tdsp_status, "x-1")
    assert (result["result"], result["message_status"]) == ("ignored", M.CANCELLED)
    assert fresh(message).status == M.CANCELLED
    assert statuses(message) == [M.QUEUED, M.CANCELLED]


def test_a_delivery_for_a_message_not_yet_sent_is_ignored(ready):
    """HAN-9."""
    user, meter, _device = ready
    (message,) = compose(user, meter, start_at=NOW + timedelta(hours=1))
    assert answer(message, "DELIVERED", "d-1")["result"] == "ignored"
    assert fresh(message).status == M.QUEUED


@pytest.mark.parametrize(
    ("sent_status", "expected"),
    [("delivered", M.DELIVERED), ("Confirmed", M.CONFIRMED), ("failed", M.FAILED)],
)
def test_the_status_is_read_in_any_case(sent, sent_status, expected):
    """HAN-9, API-3."""
    message = sent(confirmation_required=True)
    assert answer(message, sent_status, "s-1")["message_status"] == expected
    assert fresh(message).status == expected


# --- bad or foreign messages (API-3, API-4) ----------------------------------------------------


def test_another_tdsps_message_is_not_found(sent):
    """API-3, SEC-1."""
    message = sent()
    centerpoint = TdspFactory(code="centerpoint", name="CenterPoint")
    body = {
        "message_id": "x-1",
        "type": "han_message_status",
        "request_id": message.tdsp_request_id,
        "status": "DELIVERED",
    }
    with pytest.raises(TdspMessageInvalid) as refused:
        tdsp_message_apply(tdsp=centerpoint, body=body)
    error = refused.value
    assert (error.code, error.field, error.not_found) == ("REQUEST_NOT_FOUND", "request_id", True)
    assert str(error) == f"request_id {message.tdsp_request_id} is not one of yours."
    assert fresh(message).status == M.SENT
    assert not TdspMessage.objects.filter(message_id="x-1").exists()


def test_an_unknown_request_id_is_not_found(sent):
    """API-3."""
    message = sent()
    with pytest.raises(TdspMessageInvalid) as refused:
        message_status(message, "DELIVERED", message_id="x-1", request_id="0" * 32)
    assert (refused.value.code, refused.value.not_found) == ("REQUEST_NOT_FOUND", True)
    assert fresh(message).status == M.SENT


def test_a_han_provision_request_id_is_not_a_message(sent, ready):
    """API-3: no mix-ups."""
    _user, _meter, paired = ready
    message = sent()
    with pytest.raises(TdspMessageInvalid) as refused:
        message_status(message, "DELIVERED", request_id=paired.tdsp_request_id)
    assert refused.value.not_found


@pytest.mark.parametrize("bad", ["READ", "SENT", "QUEUED", "", 3, None])
def test_a_bad_status_is_refused_naming_the_field(sent, bad):
    """API-4."""
    message = sent()
    with pytest.raises(TdspMessageInvalid) as refused:
        message_status(message, bad, message_id="x-1")
    assert refused.value.field == "status"
    assert not refused.value.not_found
    assert fresh(message).status == M.SENT
    assert not TdspMessage.objects.filter(message_id="x-1").exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"request_id": ""}, "request_id"), ({"reason": "x" * 1001}, "reason")],
)
def test_a_bad_field_is_refused_naming_it(sent, extra, field):
    """API-4."""
    message = sent()
    with pytest.raises(TdspMessageInvalid) as refused:
        message_status(message, "FAILED", message_id="x-1", **extra)
    assert refused.value.field == field
    assert fresh(message).status == M.SENT


# --- through the TDSP API over HTTP (API-3) ----------------------------------------------------


@pytest.fixture
def on_oncor(oncor, settings, django_capture_on_commit_callbacks):
    """A Sent message on a meter of Oncor (whose API key is `key`)."""
    use_recording_adapter(settings)
    meter = MeterFactory(premise=PremiseFactory(tdsp=oncor))
    user, meter, _agreement, _devices = messaging_ready(meter=meter)
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = compose(user, meter, confirmation_required=True)
    return message


def post(client, key, message, status, message_id=None, **extra):
    body = {
        "message_id": message_id or f"http-{next(_ids)}",
        "type": "han_message_status",
        "request_id": message.tdsp_request_id,
        "status": status,
        **extra,
    }
    return send_tdsp_message(client, key, **body)


def test_a_tdsp_reports_over_http(client, key, on_oncor):
    """HAN-9, API-3."""
    response = post(client, key, on_oncor, "delivered", message_id="h-1")
    assert response.status_code == 200, response.json()
    assert response.json() == accepted(on_oncor, "h-1", M.DELIVERED)
    response = post(client, key, on_oncor, "CONFIRMED", message_id="h-2")
    assert response.json()["message_status"] == M.CONFIRMED
    assert fresh(on_oncor).status == M.CONFIRMED


def test_another_tdsps_key_gets_a_404(client, on_oncor):
    """API-3, SEC-1."""
    from usage.tdsp.credentials import tdsp_credential_issue

    centerpoint = TdspFactory(
        code="centerpoint", name="CenterPoint", company=CompanyFactory(kind="tdsp")
    )
    response = post(client, tdsp_credential_issue(tdsp=centerpoint), on_oncor, "DELIVERED")
    assert response.status_code == 404
    assert response.json()["field"] == "request_id"
    assert fresh(on_oncor).status == M.SENT


def test_a_bad_status_over_http_is_a_400_naming_it(client, key, on_oncor):
    """API-4."""
    response = post(client, key, on_oncor, "READ")
    assert response.status_code == 400
    assert response.json()["field"] == "status"
    assert fresh(on_oncor).status == M.SENT


# --- the simulated TDSP (HAN-9, BEY-5) ---------------------------------------------------------


@pytest.fixture
def simulated(settings):
    """The simulated TDSP for every TDSP, with this module's test MACs."""
    settings.TDSP_ADAPTER = "han.simulated.SimulatedTdsp"
    settings.TDSP_ADAPTERS = {}
    settings.SIMULATED_TDSP_HAN_CONFIRM_MACS = [CONFIRM_MAC]
    settings.SIMULATED_TDSP_HAN_MESSAGE_FAIL_MACS = [FAIL_MAC]
    settings.SIMULATED_TDSP_HAN_DELAY_SECONDS = 5.0
    return settings


def simulated_send(mac: str, django_capture_on_commit_callbacks, **overrides) -> HanMessage:
    """Compose to a device with this MAC and let the simulated TDSP answer in-process."""
    paired = device_added(devices=[device(mac)])
    user = paired.agreement.initiated_by
    han_services(user, paired.agreement.premise.meters.get())
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = compose(user, devices=[paired], **overrides)
    return fresh(message)


def test_simulated_confirm_mac_with_confirmation_is_confirmed(
    simulated, django_capture_on_commit_callbacks
):
    """HAN-9."""
    message = simulated_send(
        CONFIRM_MAC, django_capture_on_commit_callbacks, confirmation_required=True
    )
    assert message.status == M.CONFIRMED
    assert (message.delivered_at, message.confirmed_at) == (NOW, NOW)
    run = message.tdsp_request_id
    assert message_events(message) == [
        ("", M.QUEUED, message.sent_by_id, "", "Composed; starts now."),
        (M.QUEUED, M.SENT, None, SYSTEM_SENDER, "Handed to the TDSP."),
        (M.SENT, M.DELIVERED, None, f"TDSP message sim-msg-{run}-0", "Reported by the TDSP."),
        (M.DELIVERED, M.CONFIRMED, None, f"TDSP message sim-msg-{run}-1", "Reported by the TDSP."),
    ]


def test_simulated_confirm_mac_without_confirmation_is_delivered(
    simulated, django_capture_on_commit_callbacks
):
    """HAN-9."""
    message = simulated_send(CONFIRM_MAC, django_capture_on_commit_callbacks)
    assert (message.status, message.confirmed_at) == (M.DELIVERED, None)


def test_simulated_fail_mac_fails_with_the_reason(simulated, django_capture_on_commit_callbacks):
    """HAN-9."""
    message = simulated_send(
        FAIL_MAC, django_capture_on_commit_callbacks, confirmation_required=True
    )
    assert (message.status, message.failure_reason, message.delivered_at) == (
        M.FAILED,
        "Simulated TDSP: the device did not answer.",
        None,
    )
    assert statuses(message) == [M.QUEUED, M.SENT, M.FAILED]


def test_simulated_ordinary_mac_is_delivered_only(simulated, django_capture_on_commit_callbacks):
    """HAN-9."""
    message = simulated_send(
        device().mac_address, django_capture_on_commit_callbacks, confirmation_required=True
    )
    assert (message.status, message.confirmed_at) == (M.DELIVERED, None)
    assert statuses(message) == [M.QUEUED, M.SENT, M.DELIVERED]


def test_a_retried_simulated_step_is_a_replay(simulated, django_capture_on_commit_callbacks):
    """HAN-9, API-3: the step's message id is fixed, so a retried task changes nothing."""
    message = simulated_send(
        CONFIRM_MAC, django_capture_on_commit_callbacks, confirmation_required=True
    )
    again = simulated_message_step(message_pk=message.pk, step=0)
    assert (again["status"], again["message_status"]) == ("duplicate", M.DELIVERED)
    assert fresh(message).status == M.CONFIRMED
    assert simulated_message_step(message_pk=message.pk, step=2) is None  # past the script
    assert simulated_message_step(message_pk=0, step=0) is None


# --- by hand, in development (HAN-9) -----------------------------------------------------------


def test_simulate_han_message_status_walks_a_message_by_hand(sent):
    """HAN-9: `simulate_han_message_status` reports a status as the TDSP, through the TDSP
    API's handling (so never backwards)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    message = sent()
    out = io.StringIO()
    call_command(
        "simulate_han_message_status", message.pk, "FAILED", "--reason", "No IHD", stdout=out
    )
    assert "'message_status': 'failed'" in out.getvalue()
    assert (fresh(message).status, fresh(message).failure_reason) == (M.FAILED, "No IHD")
    call_command("simulate_han_message_status", message.pk, "DELIVERED", stdout=out)
    assert fresh(message).status == M.FAILED
    with pytest.raises(CommandError, match="No HAN device message has id 999999"):
        call_command("simulate_han_message_status", 999999, "DELIVERED")
