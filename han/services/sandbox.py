"""BEY-5: a sandbox test customer answers a HAN provision request's email by itself.

The request's email is kept, never sent (`send_email(sandbox=True)`); the worker then clicks
Start the Pairing Process (or Reject) through `han_answer_by_link`, as the test ESIID says
(`smt.lib.sandbox.SANDBOX_CASES`). From there the simulated TDSP walks the request through its
statuses as for any meter of a simulated TDSP (its MAC address decides, see
`han.simulated`). The ESIID that never answers leaves the request to HAN-5's deadlines.
"""

import logging
from functools import partial

from django.conf import settings
from django.db import transaction

from agreements.services.core import LinkRefused
from smt.lib.sandbox import Answer, sandbox_case_of

from ..models import HanProvisionRequest
from .answers import han_answer_by_link

logger = logging.getLogger(__name__)


def pairing_email_to_sandbox(request: HanProvisionRequest, *, token: str) -> None:
    """Hand the request's Start/Reject link to the test customer of a test meter."""
    premise = request.agreement.premise
    meter = sandbox_case_of(premise.esiid) if premise.is_sandbox else None
    if meter is None or meter.answer == Answer.NO_ANSWER:
        return
    transaction.on_commit(partial(_answer_later, token, meter.answer == Answer.ACCEPT))


def _answer_later(token: str, start: bool) -> None:
    from han.tasks import sandbox_pairing_answer_task

    sandbox_pairing_answer_task.apply_async(
        (token, start), countdown=settings.SANDBOX_ANSWER_SECONDS
    )


def sandbox_pairing_answer(*, token: str, start: bool) -> str:
    try:
        result = han_answer_by_link(token=token, start=start)
    except LinkRefused as refused:
        logger.info("Sandbox pairing answer skipped: %s", refused)
        return "link no longer open"
    return str(result.request.agreement.status)
