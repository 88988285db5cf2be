"""The simulated TDSP's HAN provisioning (HAN-7, BEY-5): its scripts step by step, end to end
with in-process tasks, replays, and `manage.py simulate_han_status`."""

from datetime import UTC, datetime
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import CommandError, call_command

from han import simulated
from han.services.answers import han_answer_by_link
from han.services.tdsp import han_device_remove
from han.simulated import PROVISION, REMOVAL, simulated_han_schedule, simulated_han_step
from han.tasks import simulated_tdsp_han_step_task
from usage.models import TdspMessage

from .helpers import (
    HAPPY_PATH,
    S,
    device,
    history_of,
    new_mac,
    one_request,
    started,
    status_of,
    tdsp_status,
    templates_of,
    token_of,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
REJECT_MAC, FAIL_MAC, SETUP_ISSUE_MAC = "000D6F0000DEAD01", "000D6F0000FA1101", "000D6F0000FA1102"
REASON = "Simulated TDSP test device."


@pytest.fixture(autouse=True)
def simulated_tdsp(settings):
    """The simulated TDSP for every TDSP, with its test MACs."""
    settings.TDSP_ADAPTER = "han.simulated.SimulatedTdsp"
    settings.TDSP_ADAPTERS = {}
    settings.SIMULATED_TDSP_HAN_REJECT_MACS = [REJECT_MAC]
    settings.SIMULATED_TDSP_HAN_FAIL_MACS = [FAIL_MAC]
    settings.SIMULATED_TDSP_HAN_SETUP_ISSUE_MACS = [SETUP_ISSUE_MAC]
    settings.SIMULATED_TDSP_HAN_DELAY_SECONDS = 5.0
    settings.SIMULATED_TDSP_HAN_PAIRING_SECONDS = 20.0
    with time_machine.travel(NOW, tick=False):
        yield settings


@pytest.fixture
def scheduled(monkeypatch):
    """The next steps the simulated TDSP schedules, recorded instead of run."""
    calls: list[tuple[int, str, int]] = []
    monkeypatch.setattr(simulated, "simulated_han_schedule", lambda *args: calls.append(args))
    return calls


def walk(request, purpose: str, scheduled: list) -> list[str]:
    """Run the script step by step as the worker would; the status after each step."""
    seen = []
    step = 0
    while True:
        answer = simulated_han_step(request_pk=request.pk, purpose=purpose, step=step)
        if answer is None:
            break
        assert answer["status"] == "processed", answer
        seen.append(status_of(request))
        if not scheduled or scheduled[-1] != (request.pk, purpose, step + 1):
            break
        step += 1
    return seen


def started_with(mac: str):
    return started(devices=[device(mac)])


# --- the scripts, step by step (HAN-7) ---------------------------------------------------------


def test_a_normal_device_walks_add_pending_meter_ready_device_added(scheduled):  # HAN-7
    request = started_with(new_mac())
    assert walk(request, PROVISION, scheduled) == [S.ADD_PENDING, S.METER_READY, S.DEVICE_ADDED]
    assert scheduled == [(request.pk, PROVISION, 1), (request.pk, PROVISION, 2)]
    assert simulated_han_step(request_pk=request.pk, purpose=PROVISION, step=3) is None
    ids = list(TdspMessage.objects.order_by("pk").values_list("message_id", flat=True))
    assert ids == [f"sim-han-{request.tdsp_request_id}-{step}" for step in range(3)]
    assert [row[1] for row in history_of(request)[-3:]] == [
        S.ADD_PENDING,
        S.METER_READY,
        S.DEVICE_ADDED,
    ]
    assert templates_of(request)[-2:] == [
        "han/device_added_customer",
        "han/device_added_third_party",
    ]


def test_a_reject_mac_ends_add_rejected(scheduled):  # HAN-7, BEY-5
    request = started_with(REJECT_MAC)
    assert walk(request, PROVISION, scheduled) == [S.ADD_PENDING, S.ADD_REJECTED]
    assert templates_of(request)[-2:] == [
        "han/add_rejected_customer",
        "han/add_rejected_third_party",
    ]
    last = history_of(request)[-1]
    assert last[1] == S.ADD_REJECTED and last[2].startswith("TDSP message sim-han-")


def test_a_fail_mac_ends_add_failed(scheduled):  # HAN-7, BEY-5
    request = started_with(FAIL_MAC)
    assert walk(request, PROVISION, scheduled) == [S.ADD_PENDING, S.ADD_FAILED]
    assert templates_of(request)[-2:] == ["han/add_failed_customer", "han/add_failed_third_party"]


def test_a_setup_issue_mac_stays_meter_ready_with_the_setup_issue_emails(scheduled):
    # seed 004 "Add Failed (after Meter Ready)"
    request = started_with(SETUP_ISSUE_MAC)
    assert walk(request, PROVISION, scheduled) == [S.ADD_PENDING, S.METER_READY, S.METER_READY]
    assert templates_of(request)[-2:] == [
        "han/setup_issue_customer",
        "han/setup_issue_third_party",
    ]


def test_a_removal_walks_remove_pending_then_removed(scheduled):  # HAN-8
    request = started_with(new_mac())
    for status in HAPPY_PATH:
        tdsp_status(request, status)
    han_device_remove(user=request.agreement.initiated_by, request=request)
    request.refresh_from_db()
    assert walk(request, REMOVAL, scheduled) == [S.REMOVE_PENDING, S.REMOVED]
    assert templates_of(request)[-2:] == ["han/removed_customer", "han/removed_third_party"]


def test_a_step_run_twice_is_a_duplicate(scheduled):  # HAN-7, API-3
    request = started_with(new_mac())
    first = simulated_han_step(request_pk=request.pk, purpose=PROVISION, step=0)
    history = history_of(request)
    again = simulated_han_step(request_pk=request.pk, purpose=PROVISION, step=0)
    assert (first["status"], again["status"]) == ("processed", "duplicate")
    assert again["han_status"] == S.ADD_PENDING
    assert history_of(request) == history
    assert TdspMessage.objects.count() == 1


def test_a_step_for_a_request_that_is_gone_does_nothing(scheduled):
    assert simulated_han_step(request_pk=987654, purpose=PROVISION, step=0) is None
    assert scheduled == []


def test_the_next_step_waits_the_delay_and_device_added_the_pairing_time():  # HAN-7
    with mock.patch.object(simulated_tdsp_han_step_task, "apply_async") as apply_async:
        simulated_han_schedule(1, PROVISION, 0)
        simulated_han_schedule(1, PROVISION, 2)
        simulated_han_schedule(1, REMOVAL, 1)
    assert [call.kwargs["countdown"] for call in apply_async.call_args_list] == [5.0, 20.0, 5.0]
    assert [call.args[0] for call in apply_async.call_args_list] == [
        (1, PROVISION, 0),
        (1, PROVISION, 2),
        (1, REMOVAL, 1),
    ]


# --- end to end, tasks in-process (BEY-5) ------------------------------------------------------


def test_started_by_the_customer_the_simulated_tdsp_pairs_the_device(
    django_capture_on_commit_callbacks,
):  # HAN-4 P2.5, HAN-7
    request = one_request()
    token = token_of(request)
    with django_capture_on_commit_callbacks(execute=True):
        han_answer_by_link(token=token, start=True)
    assert status_of(request) == S.DEVICE_ADDED
    assert [row[1] for row in history_of(request)] == [
        S.ADD_ACKNOWLEDGED,
        S.REQUEST_EMAIL_SENT,
        S.PAIRING_INITIATED,
        S.ADD_PENDING,
        S.METER_READY,
        S.DEVICE_ADDED,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        han_device_remove(user=request.agreement.initiated_by, request=request)
    assert status_of(request) == S.REMOVED


# --- manage.py simulate_han_status (HAN-7 by hand) ---------------------------------------------


def test_simulate_han_status_sends_one_status_through_the_tdsp_api():  # HAN-7
    request = started_with(new_mac())
    out = StringIO()
    call_command(
        "simulate_han_status", request.agreement.agreement_number, "METER_READY", stdout=out
    )
    assert status_of(request) == S.METER_READY
    message = TdspMessage.objects.get(kind="han_status")
    assert message.message_id.startswith("manual-")
    assert out.getvalue().startswith(f"{message.message_id}: ")
    assert "'han_status': 'meter_ready'" in out.getvalue()
    assert templates_of(request)[-2:] == ["han/meter_ready_customer", "han/meter_ready_third_party"]


def test_simulate_han_status_refuses_an_unknown_number_or_status():  # HAN-7
    request = started_with(new_mac())
    with pytest.raises(CommandError, match="No HAN request has agreement number 000000000000"):
        call_command("simulate_han_status", "000000000000", "METER_READY", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "simulate_han_status", request.agreement.agreement_number, "PAIRED", stdout=StringIO()
        )
    assert status_of(request) == S.PAIRING_INITIATED
    assert not TdspMessage.objects.exists()


def test_simulate_han_status_reports_an_ignored_status():  # HAN-7: no going backwards
    request = started_with(new_mac())
    tdsp_status(request, "DEVICE_ADDED")
    out = StringIO()
    call_command(
        "simulate_han_status", request.agreement.agreement_number, "ADD_PENDING", stdout=out
    )
    assert "'result': 'ignored'" in out.getvalue()
    assert status_of(request) == S.DEVICE_ADDED
