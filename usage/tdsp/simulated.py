"""The simulated TDSP of development, demos and tests (USG-11).

It answers an On Demand Read a few seconds later from a worker task, with a plausible
register read, and fails a share of the requests (`SIMULATED_TDSP_ODR_FAILURE_RATE`, decided
from the request id, so a retried task gives the same answer). Its answer goes through
`tdsp_message_apply`, exactly as a real TDSP's message through the TDSP API.
"""

import hashlib
import logging
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from usage.models import DailyRead, OnDemandRead
from usage.services.intervals import MARKET_TZ
from usage.tdsp.messages import ODR_RESULT, TdspMessageInvalid, tdsp_message_apply

logger = logging.getLogger(__name__)

SIMULATED_MESSAGE_PREFIX = "sim-odr-"  # message id of the simulated answer: one per request
SIMULATED_KW = Decimal("0.750")  # the simulated meter's average load since midnight
SIMULATED_FAILURE_REASON = "Meter did not respond (simulated)."


class SimulatedTdsp:
    """The TDSP of development, demos and tests (USG-11): answers in a worker task."""

    def request_on_demand_read(self, read: OnDemandRead) -> None:
        read_id = read.pk
        transaction.on_commit(lambda: _schedule_answer(read_id))


def _schedule_answer(read_id: int) -> None:
    from usage.tasks import simulated_tdsp_odr_answer_task  # tasks import this module

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
        # The TDSP API's own handling after authentication: same checks, same record.
        return tdsp_message_apply(tdsp=read.premise.tdsp, body=body)
    except TdspMessageInvalid as error:  # a bug, not a meter failure: leave it to the sweep
        answer = {"code": error.code, "message": str(error), "field": error.field}
        logger.error("Simulated TDSP answer for %s refused: %s", read.tdsp_request_id, answer)
        return answer
