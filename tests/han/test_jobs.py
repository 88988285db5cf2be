"""HAN timers and clean-up as services, tasks and management commands (HAN-5, HAN-8, OPS-2,
SEC-6; seed 004): both sides of every boundary, dry runs, running twice, and the Move-Out."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from agreements.models import Agreement, AgreementHistory
from han.models import HanProvisionRequest
from han.selectors import han_requests_for_company, han_requests_for_customer
from han.services.answers import han_answer_by_link
from han.services.core import (
    SYSTEM_35_DAYS,
    SYSTEM_CLEAN_UP,
    SYSTEM_PAIRING_WINDOW,
    slot_holders,
)
from han.services.jobs import (
    MOVE_OUT,
    han_pairing_windows_close,
    han_reminders_send,
    han_requests_clear,
    han_requests_expire,
    han_requests_send_missing,
)
from han.services.tdsp import han_device_remove
from han.tasks import (
    han_reminders_send_task,
    han_requests_clear_task,
    han_requests_expire_task,
    han_requests_send_missing_task,
)
from notifications.models import OutboundEmail
from tests.agreements.helpers import details, third_party_admin
from tests.factories import MeterFactory, RorPeriodFactory
from usage.services.ror import ror_move_out
from usage.tdsp.messages import tdsp_message_apply

from .helpers import (
    HAPPY_PATH,
    S,
    device_added,
    history_of,
    one_request,
    provision_registered,
    registered_customer,
    started,
    status_of,
    tdsp_status,
    templates_of,
    token_of,
    use_recording_adapter,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
END = NOW + timedelta(days=35)  # HAN-5: 35 days to start pairing
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def reminders(request) -> list[tuple[str, int]]:
    return [
        (email.template, email.context["days"])
        for email in OutboundEmail.objects.filter(
            related_id=str(request.agreement_id), template__startswith="han/reminder"
        ).order_by("pk")
    ]


def reminder_pair(days: int) -> list[tuple[str, int]]:
    return [("han/reminder_customer", days), ("han/reminder_third_party", days)]


def state() -> list[tuple]:
    """Everything the jobs may change: the requests, their agreements, history and emails."""
    return [
        list(HanProvisionRequest.objects.order_by("pk").values_list()),
        list(Agreement.objects.order_by("pk").values_list("status", "status_changed_at")),
        AgreementHistory.objects.count(),
        OutboundEmail.objects.count(),
    ]


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue().strip()


# --- reminders: 14 and 3 days before the 35 days end (HAN-5) -----------------------------------


def test_reminders_go_14_and_3_days_before_the_end_never_a_second_early(clock):  # HAN-5
    request = one_request()
    clock.move_to(END - timedelta(days=14) - SECOND)
    assert han_reminders_send() == 0
    assert reminders(request) == []
    clock.move_to(END - timedelta(days=14))
    assert han_reminders_send() == 1
    assert reminders(request) == reminder_pair(14)
    assert han_reminders_send() == 0  # running twice sends nothing more
    clock.move_to(END - timedelta(days=3) - SECOND)
    assert han_reminders_send() == 0
    assert reminders(request) == reminder_pair(14)
    clock.move_to(END - timedelta(days=3))
    assert han_reminders_send() == 1
    assert han_reminders_send() == 0
    assert reminders(request) == reminder_pair(14) + reminder_pair(3)
    clock.move_to(END - SECOND)
    assert han_reminders_send() == 0
    request.refresh_from_db()
    assert request.reminded_days == 3


def test_a_job_down_for_days_sends_only_the_latest_reminder_due(clock):  # HAN-5
    request = one_request()
    clock.move_to(END - timedelta(days=2))
    assert han_reminders_send() == 1
    assert han_reminders_send() == 0
    assert reminders(request) == reminder_pair(3)


def test_an_answered_or_expired_request_is_not_reminded(clock):  # HAN-5
    answered = started()
    rejected = one_request()
    han_answer_by_link(token=token_of(rejected), start=False)
    clock.move_to(END - timedelta(days=3))
    assert han_reminders_send() == 0
    clock.move_to(END)
    assert han_reminders_send() == 0
    assert reminders(answered) == reminders(rejected) == []


def test_reminders_go_to_both_sides_in_their_languages(clock):  # HAN-5, NTF-1
    request = one_request(user=third_party_admin(language="es"), customer=details(language="es"))
    clock.move_to(END - timedelta(days=14))
    han_reminders_send_task()
    sent = OutboundEmail.objects.filter(template__startswith="han/reminder")
    assert {(e.recipient, e.language) for e in sent} == {
        (request.agreement.customer_email, "es"),
        (request.agreement.contact_email, "es"),
    }


# --- expiry at 35 days (HAN-5, seed 004) -------------------------------------------------------


def test_an_unanswered_request_expires_after_35_days_not_a_second_before(clock):  # HAN-5
    request = one_request()
    clock.move_to(END - SECOND)
    assert han_requests_expire() == 0
    assert status_of(request) == S.REQUEST_EMAIL_SENT
    clock.move_to(END + SECOND)
    assert han_requests_expire() == 1
    assert status_of(request) == S.PAIRING_NOT_INITIATED
    assert history_of(request)[-1] == (
        S.REQUEST_EMAIL_SENT,
        S.PAIRING_NOT_INITIATED,
        SYSTEM_35_DAYS,
    )
    assert templates_of(request)[-2:] == [
        "han/not_initiated_customer",
        "han/not_initiated_third_party",
    ]
    assert han_requests_expire() == 0  # safe twice
    assert len(templates_of(request)) == 4
    request.refresh_from_db()
    assert request.closed_at == END + SECOND


def test_the_35_days_end_exactly_at_the_deadline(clock):  # HAN-5: as the link (expires_at)
    request = one_request()
    clock.move_to(END)
    assert han_requests_expire() == 1
    assert status_of(request) == S.PAIRING_NOT_INITIATED


def test_an_answered_request_never_expires(clock):  # HAN-5
    request = started()
    clock.move_to(END + timedelta(days=1))
    assert han_requests_expire() == 0
    assert status_of(request) == S.PAIRING_INITIATED


# --- the Meter Ready pairing window (HAN-5 decision) -------------------------------------------


def test_a_meter_ready_request_not_paired_in_14_days_is_add_failed(clock):  # HAN-5
    request = started()
    ready_at = NOW + timedelta(days=1)
    clock.move_to(ready_at)
    tdsp_status(request, "METER_READY")
    clock.move_to(ready_at + timedelta(days=14) - SECOND)
    assert han_pairing_windows_close() == 0
    assert status_of(request) == S.METER_READY
    clock.move_to(ready_at + timedelta(days=14) + SECOND)
    assert han_pairing_windows_close() == 1
    assert status_of(request) == S.ADD_FAILED
    assert history_of(request)[-1] == (S.METER_READY, S.ADD_FAILED, SYSTEM_PAIRING_WINDOW)
    assert templates_of(request)[-2:] == ["han/add_failed_customer", "han/add_failed_third_party"]
    assert han_pairing_windows_close() == 0
    assert templates_of(request).count("han/add_failed_customer") == 1


def test_a_device_added_within_the_window_is_left_alone(clock):  # HAN-5
    request = started()
    tdsp_status(request, "METER_READY")
    clock.move_to(NOW + timedelta(days=14) - SECOND)
    tdsp_status(request, "DEVICE_ADDED")
    clock.move_to(NOW + timedelta(days=30))
    assert han_pairing_windows_close() == 0
    assert status_of(request) == S.DEVICE_ADDED


def test_the_expire_task_closes_both_kinds(clock):  # OPS-2
    unanswered = one_request()
    ready = started()
    tdsp_status(ready, "METER_READY")
    clock.move_to(END)
    assert han_requests_expire_task() == "1 expired, 1 pairing windows closed"
    assert (status_of(unanswered), status_of(ready)) == (S.PAIRING_NOT_INITIATED, S.ADD_FAILED)


# --- clean-up 10 days after closing (HAN-5, seed 004) ------------------------------------------


def _close_not_initiated(request, clock):
    clock.move_to(END)
    han_requests_expire()
    return END


def _close_rejected(request, clock):
    clock.move_to(NOW + timedelta(hours=1))
    han_answer_by_link(token=token_of(request), start=False)
    return NOW + timedelta(hours=1)


def _close_by_tdsp(status):
    def close(request, clock):
        han_answer_by_link(token=token_of(request), start=True)
        clock.move_to(NOW + timedelta(days=2))
        tdsp_status(request, status)
        return NOW + timedelta(days=2)

    return close


def _close_removed(request, clock):
    han_answer_by_link(token=token_of(request), start=True)
    for status in HAPPY_PATH:
        tdsp_status(request, status)
    han_device_remove(user=request.agreement.initiated_by, request=request)
    clock.move_to(NOW + timedelta(days=5))
    tdsp_status(request, "REMOVED")
    return NOW + timedelta(days=5)


CLOSINGS = {
    S.PAIRING_NOT_INITIATED: _close_not_initiated,
    S.CUSTOMER_REJECTED: _close_rejected,
    S.ADD_REJECTED: _close_by_tdsp("ADD_REJECTED"),
    S.ADD_FAILED: _close_by_tdsp("ADD_FAILED"),
    S.REMOVED: _close_removed,
}


@pytest.mark.parametrize("closed_status", list(CLOSINGS))
def test_a_closed_request_leaves_the_lists_and_its_slot_10_days_after_it_closed(
    clock, closed_status
):  # HAN-5, HAN-2, HAN-8
    meter = MeterFactory()
    customer = registered_customer(meter)
    (request,) = provision_registered(customer, meter)
    company_user = request.agreement.initiated_by
    closed_at = CLOSINGS[closed_status](request, clock)
    assert status_of(request) == closed_status
    request.refresh_from_db()
    assert request.closed_at == closed_at

    clock.move_to(closed_at + timedelta(days=10) - SECOND)
    assert han_requests_clear() == 0
    assert request in han_requests_for_company(user=company_user)
    assert request in han_requests_for_customer(user=customer)
    holds = closed_status != S.REMOVED  # a removed device frees its slot when removed
    assert (request in slot_holders(premise_id=meter.premise_id)) is holds

    clock.move_to(closed_at + timedelta(days=10) + SECOND)
    assert han_requests_clear() == 1
    request.refresh_from_db()
    assert request.cleared_at == closed_at + timedelta(days=10) + SECOND
    assert request not in han_requests_for_company(user=company_user)
    assert request not in han_requests_for_customer(user=customer)
    assert request not in slot_holders(premise_id=meter.premise_id)
    note = AgreementHistory.objects.filter(agreement=request.agreement_id).last()
    assert (note.from_status, note.to_status, note.actor_label) == (
        closed_status,
        closed_status,
        SYSTEM_CLEAN_UP,
    )
    assert "10 days" in note.reason
    assert status_of(request) == closed_status  # cleared, not moved
    assert han_requests_clear() == 0  # safe twice


def test_devices_and_requests_in_progress_are_never_cleared(clock):  # HAN-5
    paired = device_added()
    waiting = one_request()
    clock.move_to(NOW + timedelta(days=400))
    assert han_requests_clear() == 0
    assert han_requests_clear_task() == 0
    paired.refresh_from_db()
    waiting.refresh_from_db()
    assert paired.cleared_at is None and waiting.cleared_at is None


# --- the send-missing sweep (SEC-6) ------------------------------------------------------------


def test_a_started_request_not_sent_in_10_minutes_is_queued_again(clock, settings):  # SEC-6
    adapter = use_recording_adapter(settings)
    request = started()  # its send task was lost: no on_commit here
    clock.move_to(NOW + timedelta(minutes=10) - SECOND)
    assert han_requests_send_missing() == 0
    assert adapter.provisions == []
    clock.move_to(NOW + timedelta(minutes=10))
    assert han_requests_send_missing() == 1
    assert adapter.provisions == [request.tdsp_request_id]
    request.refresh_from_db()
    assert request.sent_to_tdsp_at == NOW + timedelta(minutes=10)
    assert han_requests_send_missing() == 0
    assert adapter.provisions == [request.tdsp_request_id]


def test_a_removal_not_sent_in_10_minutes_is_queued_again(clock, settings):  # SEC-6, HAN-8
    adapter = use_recording_adapter(settings)
    request = device_added()
    removed_at = NOW + timedelta(days=1)
    clock.move_to(removed_at)
    han_device_remove(user=request.agreement.initiated_by, request=request)
    clock.move_to(removed_at + timedelta(minutes=10) - SECOND)
    assert han_requests_send_missing() == 0
    clock.move_to(removed_at + timedelta(minutes=10))
    assert han_requests_send_missing_task() == 1
    request.refresh_from_db()
    assert adapter.removals == [request.removal_request_id]
    assert han_requests_send_missing() == 0


# --- the management commands (OPS-2: --dry-run, safe twice) -----------------------------------


def test_send_han_reminders_command(clock):  # OPS-2
    request = one_request()
    clock.move_to(END - timedelta(days=14))
    before = state()
    assert run("send_han_reminders", "--dry-run") == "Would remind 1 HAN provision request(s)."
    assert state() == before
    assert run("send_han_reminders") == "Reminded 1 HAN provision request(s)."
    assert reminders(request) == reminder_pair(14)
    assert run("send_han_reminders") == "Reminded 0 HAN provision request(s)."
    assert reminders(request) == reminder_pair(14)


def test_expire_han_requests_command(clock):  # OPS-2
    unanswered = one_request()
    ready = started()
    tdsp_status(ready, "METER_READY")
    clock.move_to(END + SECOND)
    before = state()
    assert run("expire_han_requests", "--dry-run") == (
        "Would close 1 unanswered HAN request(s) and 1 pairing window(s)."
    )
    assert state() == before
    assert run("expire_han_requests") == (
        "Closed 1 unanswered HAN request(s) and 1 pairing window(s)."
    )
    assert (status_of(unanswered), status_of(ready)) == (S.PAIRING_NOT_INITIATED, S.ADD_FAILED)
    after = state()
    assert run("expire_han_requests") == (
        "Closed 0 unanswered HAN request(s) and 0 pairing window(s)."
    )
    assert state() == after


def test_clear_han_requests_command(clock):  # OPS-2
    request = one_request()
    han_answer_by_link(token=token_of(request), start=False)
    clock.move_to(NOW + timedelta(days=10) + SECOND)
    before = state()
    assert run("clear_han_requests", "--dry-run") == "Would clear 1 HAN request(s) from the lists."
    assert state() == before
    assert run("clear_han_requests") == "Cleared 1 HAN request(s) from the lists."
    request.refresh_from_db()
    assert request.cleared_at == NOW + timedelta(days=10) + SECOND
    after = state()
    assert run("clear_han_requests") == "Cleared 0 HAN request(s) from the lists."
    assert state() == after


def test_send_missing_han_requests_command(clock, settings):  # OPS-2, SEC-6
    adapter = use_recording_adapter(settings)
    request = started()
    clock.move_to(NOW + timedelta(minutes=11))
    before = state()
    assert run("send_missing_han_requests", "--dry-run") == (
        "Would queue 1 HAN request(s) for the TDSP."
    )
    assert state() == before and adapter.provisions == []
    assert run("send_missing_han_requests") == "Queued 1 HAN request(s) for the TDSP."
    assert adapter.provisions == [request.tdsp_request_id]
    assert run("send_missing_han_requests") == "Queued 0 HAN request(s) for the TDSP."
    assert adapter.provisions == [request.tdsp_request_id]


# --- Move-Out (HAN-8, MTR-2; seed 001: no de-provision, messaging rights end) ------------------


def _move_out_by_message(premise):
    answer = tdsp_message_apply(
        tdsp=premise.tdsp,
        body={
            "message_id": "move-out-1",
            "type": "move_out",
            "esiid": premise.esiid,
            "effective_date": "2026-03-05",
        },
    )
    assert answer["status"] == "processed" and answer["result"] == "accepted", answer


def _move_out_by_service(premise):
    ror_move_out(esiid=premise.esiid, effective=date(2026, 3, 5))


@pytest.mark.parametrize("move_out", [_move_out_by_message, _move_out_by_service])
def test_a_move_out_keeps_the_device_paired_and_ends_messaging(clock, settings, move_out):
    # HAN-8, MTR-2
    adapter = use_recording_adapter(settings)
    meter = MeterFactory()
    RorPeriodFactory(premise=meter.premise)
    request = device_added(meter=meter)
    history = history_of(request)
    clock.move_to(NOW + timedelta(days=3))
    move_out(meter.premise)
    request.refresh_from_db()
    assert request.agreement.status == S.DEVICE_ADDED
    assert request.messaging_ended_at == NOW + timedelta(days=3)
    assert adapter.removals == [] and request.removal_request_id == ""
    assert history_of(request) == [*history, (S.DEVICE_ADDED, S.DEVICE_ADDED, MOVE_OUT)]
    note = AgreementHistory.objects.filter(agreement=request.agreement_id).last()
    assert "Move-Out (03/05/2026)" in note.reason
