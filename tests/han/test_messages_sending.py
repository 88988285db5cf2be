"""Sending HAN device messages to the TDSP (HAN-9, AGR-17, MTR-2, OPS-2, SEC-6): a message due
now goes on commit, a future one waits Queued for the due sweep (service, task and command),
the rules are checked again when it goes, a TDSP that cannot take it leaves it Queued for a
retry, the 3rd party may cancel it while Queued, and a Move-Out fails it at once."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from agreements.models import Agreement, AgreementHistory
from agreements.services.actions import agreement_terminate
from han.models import HanMessage
from han.services.jobs import MOVE_OUT as DEVICE_MOVE_OUT
from han.services.messages import (
    MOVE_OUT,
    SYSTEM_SENDER,
    HanMessageRefused,
    HanMessageSendFailed,
    han_message_cancel,
    han_message_send,
    han_messages_send_due,
)
from han.services.tdsp import han_device_remove
from han.tasks import han_message_send_task, han_messages_send_due_task
from tests.agreements.helpers import details, third_party_admin
from tests.factories import MeterFactory, RorPeriodFactory, UserFactory
from usage.services.ror import ror_move_out
from usage.tdsp.messages import tdsp_message_apply

from .helpers import (
    compose,
    device_added,
    han_services,
    message_events,
    messaging_ready,
    registered_customer,
    use_failing_adapter,
    use_recording_adapter,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
START = NOW + timedelta(hours=3)  # a message composed for later
M = HanMessage.Status
COMPOSED_NOW = "Composed; starts now."
COMPOSED_LATER = "Composed; waits for its start time."
HANDED = "Handed to the TDSP."


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def adapter(settings):
    """The TDSP's adapter records what it is sent (no TDSP answers)."""
    return use_recording_adapter(settings)


@pytest.fixture
def ready():
    user, meter, agreement, (device,) = messaging_ready()
    return user, meter, agreement, device


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the code schedules on commit (the send tasks run in-process)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def status(message) -> str:
    return HanMessage.objects.values_list("status", flat=True).get(pk=message.pk)


def fresh(message) -> HanMessage:
    return HanMessage.objects.get(pk=message.pk)


def sweep(on_commit, **kwargs) -> int:
    return on_commit(han_messages_send_due, **kwargs)


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_han_messages", *args, stdout=out)
    return out.getvalue().strip()


# --- now, or at its start time (HAN-9) ---------------------------------------------------------


def test_a_message_due_now_is_handed_to_the_tdsp_on_commit(adapter, on_commit, ready):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = on_commit(compose, user, meter)
    message = fresh(message)
    assert message.status == M.SENT
    assert adapter.messages == [message.tdsp_request_id]
    assert (message.sent_at, message.status_changed_at, message.send_attempts) == (NOW, NOW, 1)
    assert message_events(message) == [
        ("", M.QUEUED, user.pk, "", COMPOSED_NOW),
        (M.QUEUED, M.SENT, None, SYSTEM_SENDER, HANDED),
    ]
    assert on_commit(han_messages_send_due) == 0  # nothing left for the sweep


def test_without_the_commit_a_due_message_waits_for_the_sweep(adapter, on_commit, clock, ready):
    """HAN-9, SEC-6: a send task lost with the broker is queued again 2 minutes later."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter)  # the commit never ran its send task
    clock.move_to(NOW + timedelta(minutes=2) - SECOND)
    assert sweep(on_commit) == 0
    assert status(message) == M.QUEUED and adapter.messages == []
    clock.move_to(NOW + timedelta(minutes=2))
    assert sweep(on_commit) == 1
    assert status(message) == M.SENT
    assert adapter.messages == [message.tdsp_request_id]


def test_a_future_message_waits_queued_until_its_start_time(adapter, on_commit, clock, ready):
    """HAN-9: the due sweep sends it when its time comes, not a second before, and only once."""
    user, meter, _agreement, _device = ready
    (message,) = on_commit(compose, user, meter, start_at=START)
    assert fresh(message).dispatched_at is None
    assert (status(message), adapter.messages) == (M.QUEUED, [])
    han_message_send(message_pk=message.pk)  # a stray task before the start does nothing
    assert status(message) == M.QUEUED
    clock.move_to(START - SECOND)
    assert sweep(on_commit) == 0
    assert (status(message), adapter.messages) == (M.QUEUED, [])
    clock.move_to(START)
    assert sweep(on_commit) == 1
    message = fresh(message)
    assert (message.status, message.sent_at, message.dispatched_at) == (M.SENT, START, START)
    assert adapter.messages == [message.tdsp_request_id]
    assert message_events(message) == [
        ("", M.QUEUED, user.pk, "", COMPOSED_LATER),
        (M.QUEUED, M.SENT, None, SYSTEM_SENDER, HANDED),
    ]
    clock.move_to(START + timedelta(minutes=5))
    assert sweep(on_commit) == 0  # safe to run again
    han_message_send_task(message.pk)  # a replayed task sends nothing twice
    assert adapter.messages == [message.tdsp_request_id]


def test_the_due_task_sends_what_is_due(adapter, on_commit, clock, ready):
    """HAN-9, OPS-2."""
    user, meter, _agreement, _device = ready
    (first,) = compose(user, meter, start_at=START)
    (second,) = compose(user, meter, start_at=START + timedelta(minutes=1))
    clock.move_to(START)
    assert on_commit(han_messages_send_due_task) == 1
    assert (status(first), status(second)) == (M.SENT, M.QUEUED)


def test_send_han_messages_command(adapter, django_capture_on_commit_callbacks, clock, ready):
    """OPS-2: --dry-run counts and changes nothing; running twice sends nothing twice."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, start_at=START)
    clock.move_to(START - SECOND)
    assert run() == "Sending 0 HAN device message(s) to the TDSP."
    clock.move_to(START)
    assert run("--dry-run") == "Would send 1 HAN device message(s) to the TDSP."
    assert (status(message), fresh(message).dispatched_at, adapter.messages) == (
        M.QUEUED,
        None,
        [],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == "Sending 1 HAN device message(s) to the TDSP."
    assert status(message) == M.SENT
    assert run() == "Sending 0 HAN device message(s) to the TDSP."
    assert adapter.messages == [message.tdsp_request_id]


def test_the_sweep_sends_each_device_its_own_message(adapter, on_commit, clock):
    """HAN-9."""
    user, meter, _agreement, devices = messaging_ready(macs=3)
    sent = compose(user, meter, start_at=START)
    clock.move_to(START)
    assert sweep(on_commit) == 3
    assert sorted(adapter.messages) == sorted(m.tdsp_request_id for m in sent)
    assert {status(m) for m in sent} == {M.SENT}


# --- cancel (HAN-9) ----------------------------------------------------------------------------


def test_a_queued_message_is_cancelled_and_never_sent(adapter, on_commit, clock, ready):
    """HAN-9: cancelled while Queued, with its timeline row; the sweep skips it."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, start_at=START)
    clock.move_to(NOW + timedelta(minutes=5))
    cancelled = han_message_cancel(user=user, message=message)
    assert cancelled.status == M.CANCELLED
    message = fresh(message)
    assert (message.status, message.status_changed_at) == (M.CANCELLED, NOW + timedelta(minutes=5))
    assert message_events(message)[-1] == (
        M.QUEUED,
        M.CANCELLED,
        user.pk,
        "",
        "Cancelled before it was sent to the TDSP.",
    )
    clock.move_to(START + timedelta(minutes=10))
    assert sweep(on_commit) == 0
    han_message_send(message_pk=message.pk)
    assert (status(message), adapter.messages) == (M.CANCELLED, [])
    with pytest.raises(HanMessageRefused) as refused:  # and not twice
        han_message_cancel(user=user, message=message)
    assert str(refused.value) == (
        "This message is Cancelled: only a Queued message can be cancelled."
    )


def test_a_due_message_not_yet_handed_over_may_still_be_cancelled(adapter, on_commit, ready):
    """HAN-9: cancelled before its send task ran; the task then does nothing."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter)
    han_message_cancel(user=user, message=message)
    han_message_send_task(message.pk)
    assert (status(message), adapter.messages) == (M.CANCELLED, [])


def test_a_sent_message_cannot_be_cancelled(adapter, on_commit, ready):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = on_commit(compose, user, meter)
    events = message_events(message)
    with pytest.raises(HanMessageRefused) as refused:
        han_message_cancel(user=user, message=message)
    assert str(refused.value) == (
        "This message is Sent to TDSP: only a Queued message can be cancelled."
    )
    assert status(message) == M.SENT
    assert message_events(message) == events


@pytest.mark.parametrize(
    "make_user",
    [
        lambda owner: third_party_admin(),  # another company
        lambda owner: UserFactory(kind=owner.kind, company=owner.company, can_energy_data=True),
    ],
    ids=["another-company", "no-in-home-device-permission"],
)
def test_only_the_companys_han_users_may_cancel(ready, make_user):
    """HAN-9, SEC-1."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, start_at=START)
    with pytest.raises(HanMessageRefused) as refused:
        han_message_cancel(user=make_user(user), message=message)
    assert str(refused.value) == "You cannot cancel this message."
    assert status(message) == M.QUEUED
    assert len(message_events(message)) == 1


def test_a_colleague_may_cancel_the_companys_message(ready):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, start_at=START)
    colleague = UserFactory(kind=user.kind, company=user.company, can_in_home_devices=True)
    han_message_cancel(user=colleague, message=message)
    assert status(message) == M.CANCELLED
    assert message_events(message)[-1][2] == colleague.pk


# --- checked again when it goes (HAN-9, AGR-17) ------------------------------------------------


def test_an_agreement_the_customer_terminated_before_the_start_fails_the_message(
    adapter, on_commit, clock
):
    """HAN-9, AGR-17, AGR-16."""
    user = third_party_admin()
    meter = MeterFactory()
    device_added(user=user, meter=meter)
    customer = registered_customer(meter)
    agreement = han_services(user, meter, customer=details(registered=True, email=customer.email))
    (message,) = compose(user, meter, start_at=START)
    clock.move_to(NOW + timedelta(hours=1))
    agreement_terminate(agreement=agreement, user=customer, reason="No more messages")
    clock.move_to(START)
    assert sweep(on_commit) == 1
    message = fresh(message)
    reason = (
        f"The Ongoing HAN Services agreement {agreement.agreement_number} is no longer in "
        "force (Terminated)."
    )
    assert (message.status, message.failure_reason, message.sent_at) == (M.FAILED, reason, None)
    assert adapter.messages == []
    assert message_events(message)[-1] == (M.QUEUED, M.FAILED, None, SYSTEM_SENDER, reason)
    assert sweep(on_commit) == 0


def test_a_newer_agreement_on_the_meter_carries_a_message_whose_agreement_ended(
    adapter, on_commit, clock
):
    """HAN-9, AGR-17: the right is the meter's agreement in force when the message goes,
    not only the one it was composed under."""
    user = third_party_admin()
    meter = MeterFactory()
    device_added(user=user, meter=meter)
    customer = registered_customer(meter)
    customer_details = details(registered=True, email=customer.email)
    first = han_services(user, meter, customer=customer_details)
    (message,) = compose(user, meter, start_at=START)
    clock.move_to(NOW + timedelta(hours=1))
    agreement_terminate(agreement=first, user=customer, reason="Starting over")
    second = han_services(user, meter, customer=customer_details)
    clock.move_to(START)
    assert sweep(on_commit) == 1
    message = fresh(message)
    assert (message.status, message.agreement_id) == (M.SENT, second.pk)
    assert adapter.messages == [message.tdsp_request_id]
    carried = (
        f"Agreement {first.agreement_number} ended; sent under the meter's agreement "
        f"{second.agreement_number} in force."
    )
    assert message_events(message)[-2] == (M.QUEUED, M.QUEUED, None, SYSTEM_SENDER, carried)


def test_the_tdsp_gets_the_zigbee_message_id_and_importance(ready):
    """HAN-9 decision: the 32-bit ZigBee Message ID is the row id wrapped; normal, high and
    critical are the importance levels Medium (1), High (2) and Critical (3)."""
    user, meter, _agreement, _device = ready
    levels = {}
    for priority in ("normal", "high", "critical"):
        (message,) = compose(user, meter, priority=priority)
        levels[priority] = message.zigbee_importance
        assert message.zigbee_message_id == message.pk
    assert levels == {"normal": 1, "high": 2, "critical": 3}
    message.pk = 2**32 + 7
    assert message.zigbee_message_id == 7


def test_a_device_removed_before_the_start_fails_the_message(adapter, on_commit, clock, ready):
    """HAN-9, HAN-8."""
    user, meter, _agreement, device = ready
    (message,) = compose(user, meter, start_at=START)
    han_device_remove(user=user, request=device)
    clock.move_to(START)
    assert sweep(on_commit) == 1
    message = fresh(message)
    assert (message.status, message.failure_reason) == (
        M.FAILED,
        "The device is not paired (Remove Requested).",
    )
    assert adapter.messages == []


def test_a_message_whose_display_time_is_over_fails_instead_of_going(adapter, clock, ready):
    """HAN-9: sent up to the last second of its display window, failed after it."""
    user, meter, _agreement, _device = ready
    (late,) = compose(user, meter, start_at=START, duration_minutes=10)
    (later,) = compose(user, meter, start_at=START, duration_minutes=11)
    clock.move_to(START + timedelta(minutes=10))
    han_message_send(message_pk=late.pk)
    han_message_send(message_pk=later.pk)
    late, later = fresh(late), fresh(later)
    reason = "Its display time ended before it could be sent to the TDSP."
    assert (late.status, late.failure_reason) == (M.FAILED, reason)
    assert message_events(late)[-1] == (M.QUEUED, M.FAILED, None, SYSTEM_SENDER, reason)
    assert later.status == M.SENT
    assert adapter.messages == [later.tdsp_request_id]


def test_a_tdsp_that_cannot_take_it_leaves_it_queued_for_a_retry(settings, on_commit, clock, ready):
    """HAN-9, SEC-6: recorded and raised (the task retries), swept again after 2 minutes."""
    user, meter, _agreement, _device = ready
    use_failing_adapter(settings)
    (message,) = on_commit(compose, user, meter)  # the task's attempt fails
    message = fresh(message)
    assert (message.status, message.send_attempts, message.last_send_error) == (
        M.QUEUED,
        1,
        "TDSP unreachable",
    )
    with pytest.raises(HanMessageSendFailed, match="TDSP unreachable"):
        han_message_send(message_pk=message.pk)
    message = fresh(message)
    assert (message.status, message.send_attempts, message.sent_at) == (M.QUEUED, 2, None)
    assert message_events(message) == [("", M.QUEUED, user.pk, "", COMPOSED_NOW)]

    clock.move_to(NOW + timedelta(minutes=2) - SECOND)
    assert sweep(on_commit) == 0
    clock.move_to(NOW + timedelta(minutes=2))
    assert sweep(on_commit) == 1  # still failing: attempt 3
    assert fresh(message).send_attempts == 3
    assert fresh(message).dispatched_at == NOW + timedelta(minutes=2)

    adapter = use_recording_adapter(settings)  # the TDSP is back
    clock.move_to(NOW + timedelta(minutes=4) - SECOND)
    assert sweep(on_commit) == 0  # 2 minutes after the last dispatch, not before
    clock.move_to(NOW + timedelta(minutes=4))
    assert sweep(on_commit) == 1
    message = fresh(message)
    assert (message.status, message.send_attempts) == (M.SENT, 4)
    assert message.sent_at == NOW + timedelta(minutes=4)
    assert adapter.messages == [message.tdsp_request_id]


def test_a_message_the_tdsp_never_took_fails_when_its_display_time_is_over(
    settings, on_commit, clock, ready
):
    """HAN-9: the sweep does not retry forever."""
    user, meter, _agreement, _device = ready
    use_failing_adapter(settings)
    (message,) = on_commit(compose, user, meter, duration_minutes=5)
    clock.move_to(NOW + timedelta(minutes=5))
    assert sweep(on_commit) == 1
    message = fresh(message)
    assert (message.status, message.send_attempts) == (M.FAILED, 1)
    assert message.failure_reason == "Its display time ended before it could be sent to the TDSP."
    clock.move_to(NOW + timedelta(minutes=10))
    assert sweep(on_commit) == 0


# --- Move-Out (MTR-2, HAN-8; seed 001) ---------------------------------------------------------


def _move_out_by_tdsp_message(premise) -> None:
    answer = tdsp_message_apply(
        tdsp=premise.tdsp,
        body={
            "message_id": "move-out-1",
            "type": "move_out",
            "esiid": premise.esiid,
            "effective_date": "2026-03-02",
        },
    )
    assert (answer["status"], answer["result"]) == ("processed", "accepted"), answer


def _move_out_by_service(premise) -> None:
    ror_move_out(esiid=premise.esiid, effective=date(2026, 3, 2))


@pytest.mark.parametrize("move_out", [_move_out_by_tdsp_message, _move_out_by_service])
def test_a_move_out_fails_queued_messages_at_once_and_ends_messaging(
    adapter, on_commit, clock, move_out
):
    """MTR-2, HAN-8, HAN-9, AGR-17: the HAN Services agreement ends, the devices stay paired, the
    Queued messages fail with the reason, and no new message is accepted."""
    user, meter, agreement, (device,) = messaging_ready()
    RorPeriodFactory(premise=meter.premise)
    (sent,) = on_commit(compose, user, meter)
    (due,) = compose(user, meter)  # its send task has not run yet
    (later,) = compose(user, meter, start_at=START)
    (cancelled,) = compose(user, meter, start_at=START)
    han_message_cancel(user=user, message=cancelled)
    clock.move_to(NOW + timedelta(minutes=30))

    move_out(meter.premise)

    agreement.refresh_from_db()
    device.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert device.agreement.status == Agreement.Status.DEVICE_ADDED  # not de-provisioned
    assert device.messaging_ended_at == NOW + timedelta(minutes=30)
    reason = "Move-Out (03/02/2026): the right to message the device ended."
    for message in (due, later):
        message = fresh(message)
        assert (message.status, message.failure_reason) == (M.FAILED, reason)
        assert message.status_changed_at == NOW + timedelta(minutes=30)
        assert message_events(message)[-1] == (M.QUEUED, M.FAILED, None, MOVE_OUT, reason)
    assert (status(sent), status(cancelled)) == (M.SENT, M.CANCELLED)  # already past Queued
    note = AgreementHistory.objects.filter(agreement=device.agreement_id).last()
    assert note.actor_label == DEVICE_MOVE_OUT

    with pytest.raises(HanMessageRefused) as by_esiid:
        compose(user, meter)
    assert by_esiid.value.errors == {
        "esiids": [
            f"ESIID {meter.premise.esiid}: a Move-Out ended your right to message its devices."
        ]
    }
    with pytest.raises(HanMessageRefused) as by_device:
        compose(user, devices=[device])
    assert by_device.value.errors == {
        "devices": [
            f"HAN device {device.masked_mac} (request {device.agreement.agreement_number}) on "
            f"ESIID {meter.premise.esiid}: a Move-Out ended your right to message it."
        ]
    }
    clock.move_to(START)
    assert sweep(on_commit) == 0
    assert adapter.messages == [fresh(sent).tdsp_request_id]


def test_a_move_out_elsewhere_leaves_messages_alone(adapter, clock, ready):
    """MTR-2, HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, start_at=START)
    elsewhere = MeterFactory()
    RorPeriodFactory(premise=elsewhere.premise)
    ror_move_out(esiid=elsewhere.premise.esiid, effective=date(2026, 3, 2))
    assert status(message) == M.QUEUED
