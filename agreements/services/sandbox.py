"""BEY-5: the sandbox's test customers answer invitations by themselves.

An invitation on a test meter is recorded like any other (its EM201 is kept, never sent: see
`notifications.services.send_email`), then the worker answers it a few seconds later through
the same link service a customer's click uses (`agreement_answer`), as the test ESIID says
(`smt.lib.sandbox.SANDBOX_CASES`): accept, reject, or no answer — the invitation then lapses
to Not Accepted after `SANDBOX_NO_ANSWER_SECONDS` instead of 30 days.
"""

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from agreements import emails
from agreements.models import Agreement
from smt.lib.sandbox import Answer, sandbox_case_of

from .answers import agreement_answer
from .core import LinkRefused
from .jobs import agreements_move_as_system

logger = logging.getLogger(__name__)

SANDBOX_CUSTOMER = "Sandbox test customer"


def invitation_send(
    agreement: Agreement, *, token: str, resent: bool = False, extension: bool = False
) -> None:
    """EM201/EM202 to the customer; on a test meter, to its test customer (BEY-5)."""
    emails.invitation(agreement=agreement, token=token, resent=resent, extension=extension)
    meter = sandbox_case_of(agreement.premise.esiid) if agreement.premise.is_sandbox else None
    if meter is not None:
        transaction.on_commit(partial(_answer_later, agreement.pk, token, meter.answer))


def _answer_later(agreement_id: int, token: str, answer: str) -> None:
    from agreements.tasks import sandbox_invitation_answer_task

    wait = (
        settings.SANDBOX_NO_ANSWER_SECONDS
        if answer == Answer.NO_ANSWER
        else settings.SANDBOX_ANSWER_SECONDS
    )
    sandbox_invitation_answer_task.apply_async((agreement_id, token), countdown=wait)


def sandbox_invitation_answer(*, agreement_id: int, token: str) -> str:
    """The test customer's answer to one invitation; what it did, for the task's result.
    An invitation no longer open (resent, terminated meanwhile) is left alone."""
    agreement = Agreement.objects.select_related("premise").get(pk=agreement_id)
    meter = sandbox_case_of(agreement.premise.esiid) if agreement.premise.is_sandbox else None
    if meter is None:
        return "not a test meter"
    if meter.answer == Answer.NO_ANSWER:
        moved = agreements_move_as_system(
            Agreement.objects.filter(pk=agreement_id, status=Agreement.Status.PENDING),
            to_status=Agreement.Status.NOT_ACCEPTED,
            actor_label=SANDBOX_CUSTOMER,
            reason=_("Sandbox: the test customer of this ESIID never answers."),
            notify=lambda locked: emails.not_accepted(agreement=locked),
        )
        return "expired" if moved else "no longer pending"
    try:
        agreement_answer(token=token, accept=meter.answer == Answer.ACCEPT)
    except LinkRefused as refused:
        logger.info("Sandbox answer to %s skipped: %s", agreement.agreement_number, refused)
        return "link no longer open"
    return meter.answer
