"""The simulated TDSP of development, demos and tests, with HAN provisioning (HAN-7).

It extends usage's simulated TDSP (On Demand Reads) with the two HAN requests. Its answers go
through `tdsp_message_apply`, exactly as a real TDSP's messages through the TDSP API, one
status per worker task after `SIMULATED_TDSP_HAN_DELAY_SECONDS` (Device Added after
`SIMULATED_TDSP_HAN_PAIRING_SECONDS`, the customer pairing the device):

- a provision: Add Pending → Meter Ready → Device Added;
- on a MAC of `SIMULATED_TDSP_HAN_REJECT_MACS`: Add Pending → Add Rejected;
- on a MAC of `SIMULATED_TDSP_HAN_FAIL_MACS`: Add Pending → Add Failed;
- on a MAC of `SIMULATED_TDSP_HAN_SETUP_ISSUE_MACS`: Add Pending → Meter Ready → Add Failed
  (which keeps Meter Ready, seed 004);
- a removal: Remove Pending → Removed;
- a HAN device message (HAN-9): Delivered, then Confirmed on a MAC of
  `SIMULATED_TDSP_HAN_CONFIRM_MACS` when the message asks for confirmation; Failed on a MAC
  of `SIMULATED_TDSP_HAN_MESSAGE_FAIL_MACS`.

`manage.py simulate_han_status` sends any single status by hand, through the same path.
"""

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from usage.tdsp.messages import TdspMessageInvalid, tdsp_message_apply
from usage.tdsp.simulated import SimulatedTdsp as SimulatedOdrTdsp

from .models import HanMessage, HanProvisionRequest
from .tdsp import HAN_MESSAGE_STATUS, HAN_STATUS

logger = logging.getLogger(__name__)

PROVISION, REMOVAL = "provision", "removal"
HAPPY_PATH = ("ADD_PENDING", "METER_READY", "DEVICE_ADDED")
REMOVAL_PATH = ("REMOVE_PENDING", "REMOVED")


class SimulatedTdsp(SimulatedOdrTdsp):
    """The TDSP of development, demos and tests: On Demand Reads and HAN devices."""

    def request_han_provision(self, request: HanProvisionRequest) -> None:
        pk = request.pk
        transaction.on_commit(lambda: simulated_han_schedule(pk, PROVISION, 0))

    def request_han_deprovision(self, request: HanProvisionRequest) -> None:
        pk = request.pk
        transaction.on_commit(lambda: simulated_han_schedule(pk, REMOVAL, 0))

    def send_han_message(self, message: HanMessage) -> None:
        pk = message.pk
        transaction.on_commit(lambda: simulated_message_schedule(pk, 0))


def simulated_script(request: HanProvisionRequest, purpose: str) -> tuple[str, ...]:
    """The statuses the simulated TDSP reports for this request, in order."""
    if purpose == REMOVAL:
        return REMOVAL_PATH
    mac = request.mac_address
    if mac in settings.SIMULATED_TDSP_HAN_REJECT_MACS:
        return ("ADD_PENDING", "ADD_REJECTED")
    if mac in settings.SIMULATED_TDSP_HAN_FAIL_MACS:
        return ("ADD_PENDING", "ADD_FAILED")
    if mac in settings.SIMULATED_TDSP_HAN_SETUP_ISSUE_MACS:
        return ("ADD_PENDING", "METER_READY", "ADD_FAILED")
    return HAPPY_PATH


def simulated_han_schedule(request_pk: int, purpose: str, step: int) -> None:
    from han.tasks import simulated_tdsp_han_step_task  # tasks import this module

    delay = settings.SIMULATED_TDSP_HAN_DELAY_SECONDS
    if purpose == PROVISION and step == len(HAPPY_PATH) - 1:
        delay = settings.SIMULATED_TDSP_HAN_PAIRING_SECONDS
    simulated_tdsp_han_step_task.apply_async((request_pk, purpose, step), countdown=delay)


def simulated_han_send(request: HanProvisionRequest, *, status: str, message_id: str) -> dict:
    """One HAN status, delivered as the TDSP API delivers a TDSP's message."""
    removal = status.startswith("REMOVE")
    body: dict[str, Any] = {
        "message_id": message_id,
        "type": HAN_STATUS,
        "request_id": request.removal_request_id if removal else request.tdsp_request_id,
        "status": status,
    }
    if status in ("ADD_REJECTED", "ADD_FAILED"):
        body["reason"] = "Simulated TDSP test device."
    tdsp = request.agreement.premise.tdsp
    try:
        return tdsp_message_apply(tdsp=tdsp, body=body)
    except TdspMessageInvalid as error:  # a bug, not a TDSP answer: log it for staff
        answer = {"code": error.code, "message": str(error), "field": error.field}
        logger.error("Simulated HAN status for %s refused: %s", request.pk, answer)
        return answer


def simulated_han_step(*, request_pk: int, purpose: str, step: int) -> dict | None:
    """Report step `step` of the script and schedule the next. The message id is fixed per
    request, purpose and step, so a retried task is a replay the TDSP API ignores."""
    request = (
        HanProvisionRequest.objects.select_related("agreement__premise__tdsp")
        .filter(pk=request_pk)
        .first()
    )
    if request is None:
        return None
    script = simulated_script(request, purpose)
    if step >= len(script):
        return None
    run = request.removal_request_id if purpose == REMOVAL else request.tdsp_request_id
    answer = simulated_han_send(request, status=script[step], message_id=f"sim-han-{run}-{step}")
    if step + 1 < len(script):
        simulated_han_schedule(request_pk, purpose, step + 1)
    return answer


# --- HAN device messages (HAN-9) --------------------------------------------------------------


def simulated_message_script(message: HanMessage) -> tuple[str, ...]:
    """The statuses the simulated TDSP reports for this message, in order."""
    mac = message.device.mac_address
    if mac in settings.SIMULATED_TDSP_HAN_MESSAGE_FAIL_MACS:
        return ("FAILED",)
    if message.confirmation_required and mac in settings.SIMULATED_TDSP_HAN_CONFIRM_MACS:
        return ("DELIVERED", "CONFIRMED")
    return ("DELIVERED",)


def simulated_message_schedule(message_pk: int, step: int) -> None:
    from han.tasks import simulated_tdsp_han_message_step_task  # tasks import this module

    simulated_tdsp_han_message_step_task.apply_async(
        (message_pk, step), countdown=settings.SIMULATED_TDSP_HAN_DELAY_SECONDS
    )


def simulated_message_send(
    message: HanMessage, *, status: str, message_id: str, reason: str = ""
) -> dict:
    """One message status, delivered as the TDSP API delivers a TDSP's message."""
    body: dict[str, Any] = {
        "message_id": message_id,
        "type": HAN_MESSAGE_STATUS,
        "request_id": message.tdsp_request_id,
        "status": status,
    }
    if reason:
        body["reason"] = reason
    try:
        return tdsp_message_apply(tdsp=message.device.agreement.premise.tdsp, body=body)
    except TdspMessageInvalid as error:  # a bug, not a TDSP answer: log it for staff
        logger.error("Simulated HAN message status for %s refused: %s", message.pk, error)
        return {"code": error.code, "message": str(error), "field": error.field}


def simulated_message_step(*, message_pk: int, step: int) -> dict | None:
    """Report step `step` of the message's script through the TDSP API's handling, and
    schedule the next. The message id is fixed per message and step (a retry is a replay)."""
    message = (
        HanMessage.objects.select_related("device__agreement__premise__tdsp")
        .filter(pk=message_pk)
        .first()
    )
    if message is None:
        return None
    script = simulated_message_script(message)
    if step >= len(script):
        return None
    answer = simulated_message_send(
        message,
        status=script[step],
        message_id=f"sim-msg-{message.tdsp_request_id}-{step}",
        reason="Simulated TDSP: the device did not answer." if script[step] == "FAILED" else "",
    )
    if step + 1 < len(script):
        simulated_message_schedule(message_pk, step + 1)
    return answer
