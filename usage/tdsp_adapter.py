"""How the portal talks to a TDSP (USG-11, API-3): one adapter per TDSP, chosen by settings.

`TDSP_ADAPTERS` maps a TDSP code to an adapter class (dotted path); every other TDSP uses
`TDSP_ADAPTER`, the simulated TDSP by default. An adapter only *sends*: every TDSP, real or
simulated, answers through the TDSP API (`usage.tdsp_api`), so everything after the adapter
is the same code.

The simulated TDSP answers an On Demand Read a few seconds later from a worker task, with a
plausible register read, and fails a share of the requests (`SIMULATED_TDSP_ODR_FAILURE_RATE`,
decided from the request id, so a retried task gives the same answer).
"""

import hashlib
import logging
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Tdsp

from .models import DailyRead, OnDemandRead
from .services import MARKET_TZ

logger = logging.getLogger(__name__)

ODR_RESULT = "odr_result"  # API-3: the TDSP API message type of an On Demand Read answer
SIMULATED_MESSAGE_PREFIX = "sim-odr-"  # message id of the simulated answer: one per request
SIMULATED_KW = Decimal("0.750")  # the simulated meter's average load since midnight
SIMULATED_FAILURE_REASON = "Meter did not respond (simulated)."


class TdspAdapter(Protocol):
    def request_on_demand_read(self, read: OnDemandRead) -> None:
        """Ask the TDSP to read the meter (USG-11). Called from a worker, once per attempt;
        `read.tdsp_request_id` is what the TDSP's answer names. Raise to have it retried."""


def adapter_for(tdsp: Tdsp) -> TdspAdapter:
    """The adapter of this TDSP: `TDSP_ADAPTERS[tdsp.code]`, else `TDSP_ADAPTER`."""
    path = settings.TDSP_ADAPTERS.get(tdsp.code, settings.TDSP_ADAPTER)
    return import_string(path)()


class SimulatedTdsp:
    """The TDSP of development, demos and tests (USG-11): answers in a worker task."""

    def request_on_demand_read(self, read: OnDemandRead) -> None:
        read_id = read.pk
        transaction.on_commit(lambda: _schedule_answer(read_id))


def _schedule_answer(read_id: int) -> None:
    from .tasks import simulated_tdsp_odr_answer_task

    simulated_tdsp_odr_answer_task.apply_async(
        (read_id,), countdown=settings.SIMULATED_TDSP_ODR_DELAY_SECONDS
    )


def simulated_failure(request_id: str) -> bool:
    """Whether the simulated meter fails to answer this request: the same answer every time
    for one request id, failing about `SIMULATED_TDSP_ODR_FAILURE_RATE` of them."""
    draw = int.from_bytes(hashlib.sha256(request_id.encode()).digest()[:4], "big") / 2**32
    return draw < settings.SIMULATED_TDSP_ODR_FAILURE_RATE


def simulated_register_read(read: OnDemandRead, at: datetime) -> tuple[Decimal, Decimal]:
    """A plausible (register read, kWh since midnight): the last daily end read, or a number
    from the ESIID, plus a steady load since local midnight."""
    last = (
        DailyRead.objects.filter(premise=read.premise_id, is_current=True, end_read__isnull=False)
        .order_by("-day")
        .values_list("end_read", flat=True)
        .first()
    )
    base = last if last is not None else Decimal(int(read.premise.esiid[-6:]) % 90000 + 10000)
    local = at.astimezone(MARKET_TZ)
    hours = Decimal(local.hour * 3600 + local.minute * 60 + local.second) / 3600
    usage = (SIMULATED_KW * hours).quantize(Decimal("0.001"))
    return base + usage, usage


def simulated_odr_answer(*, read_id: int) -> dict | None:
    """The simulated TDSP's answer to one request, delivered through the TDSP API exactly
    as a real TDSP's message would be (API-3). A second run replays the same message id,
    which the TDSP API acknowledges without effect."""
    from . import tdsp_api  # the TDSP API uses the ODR services, which use this module

    read = OnDemandRead.objects.select_related("premise__tdsp").filter(pk=read_id).first()
    if read is None:
        return None
    now = timezone.now().replace(microsecond=0)
    body: dict = {
        "message_id": f"{SIMULATED_MESSAGE_PREFIX}{read.tdsp_request_id}",
        "type": ODR_RESULT,
        "request_id": read.tdsp_request_id,
        "read_at": now.isoformat(),
    }
    if simulated_failure(read.tdsp_request_id):
        body.update(status="FAILED", reason=SIMULATED_FAILURE_REASON)
    else:
        register_read, usage = simulated_register_read(read, now)
        body.update(status="COMPLETED", register_read=str(register_read), usage_kwh=str(usage))
    try:
        # The HTTP endpoint's own handling after authentication: same checks, same record.
        return tdsp_api._handle(read.premise.tdsp, body["message_id"], ODR_RESULT, body)
    except tdsp_api.MessageError as error:  # a bug, not a meter failure: leave it to the sweep
        logger.error("Simulated TDSP answer for %s refused: %s", read.tdsp_request_id, error.body)
        return error.body
