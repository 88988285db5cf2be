"""The customer answers a HAN provision request (HAN-4; seed 001 P2.1–P2.5): Start the Pairing
Process or Reject, by the emailed link (no sign-in, AGR-8 rules) or from My Account."""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import User
from agreements.models import Agreement, AgreementInvitation
from agreements.services.answers import LINK_NOT_VALID
from agreements.services.core import STATUS_CHANGED, LinkRefused
from agreements.workflow import Role
from usage.services.sharing import share_token_hash

from .. import emails
from ..models import HanProvisionRequest
from .core import CUSTOMER_LINK, PAIRING_START_DAYS, HanRefused, han_request_lock, han_transition

logger = logging.getLogger(__name__)

S = Agreement.Status

PAIRING_EXPIRED = gettext_lazy(
    "This HAN device provision request has expired. The %(days)d-day period to start the "
    "pairing process has ended; please contact the 3rd party to request a new one."
)


@dataclass(frozen=True)
class HanAnswerResult:
    request: HanProvisionRequest
    changed: bool  # False for a repeated click on the same answer


def pairing_link_for_token(token: str) -> AgreementInvitation | None:
    """For the confirmation page (a GET changes nothing): the link, or None."""
    return (
        AgreementInvitation.objects.select_related(
            "agreement__premise", "agreement__company", "agreement__han_request"
        )
        .filter(token_hash=share_token_hash(token), purpose=AgreementInvitation.Purpose.PAIRING)
        .first()
    )


def _expired_message() -> str:
    return str(PAIRING_EXPIRED) % {"days": PAIRING_START_DAYS}


def pairing_link_refusal(*, link: AgreementInvitation, now: datetime | None = None) -> str:
    """Why this link cannot be used now, or "" (HAN-4 as AGR-9). A used or expired link
    shows only this message, nothing of the request."""
    now = now or timezone.now()
    if link.expires_at <= now:
        return _expired_message()
    if link.used_at or link.agreement.status != link.issued_for_status:
        return STATUS_CHANGED
    return ""


def pairing_answer_is_open(request: HanProvisionRequest, now: datetime | None = None) -> bool:
    """HAN-4, HAN-5: the customer may still start or reject (the 35 days are not over)."""
    agreement = request.agreement
    return agreement.status == S.REQUEST_EMAIL_SENT and agreement.expires_at > (
        now or timezone.now()
    )


@transaction.atomic
def han_answer_by_link(*, token: str, start: bool, user: User | None = None) -> HanAnswerResult:
    """HAN-4: Start the Pairing Process or Reject through the emailed link. Single use: the
    link is spent by a conditional UPDATE under the request's lock; the same answer clicked
    again changes nothing, any other use gets the AGR-9 message."""
    found = pairing_link_for_token(token)
    if found is None:
        raise LinkRefused(LINK_NOT_VALID)
    request = han_request_lock(found.agreement.han_request.pk)
    link = AgreementInvitation.objects.get(pk=found.pk)
    link.agreement = request.agreement
    answer = AgreementInvitation.Answer.ACCEPT if start else AgreementInvitation.Answer.REJECT
    if link.used_at and link.answer == answer:
        return HanAnswerResult(request=request, changed=False)
    now = timezone.now()
    refusal = pairing_link_refusal(link=link, now=now)
    if refusal:
        raise LinkRefused(refusal)
    if not AgreementInvitation.objects.filter(pk=link.pk, used_at__isnull=True).update(
        used_at=now, answer=answer
    ):
        raise LinkRefused(STATUS_CHANGED)
    actor = user if user is not None and user.is_customer else None
    _answer(request, start=start, actor=actor, actor_label=CUSTOMER_LINK, now=now)
    return HanAnswerResult(request=request, changed=True)


@transaction.atomic
def han_answer_signed_in(
    *, user: User, request: HanProvisionRequest, start: bool
) -> HanProvisionRequest:
    """HAN-4: a registered customer starts or rejects from My Account / HAN Devices. The
    caller found the request through `selectors.han_request_get_for_customer`; the emailed
    link is spent too, so it cannot answer a second time."""
    locked = han_request_lock(request.pk)
    now = timezone.now()
    if not pairing_answer_is_open(locked, now):
        if locked.agreement.status == S.REQUEST_EMAIL_SENT:
            raise HanRefused(_expired_message())
        raise HanRefused(STATUS_CHANGED)
    answer = AgreementInvitation.Answer.ACCEPT if start else AgreementInvitation.Answer.REJECT
    AgreementInvitation.objects.filter(
        agreement=locked.agreement_id,
        purpose=AgreementInvitation.Purpose.PAIRING,
        used_at__isnull=True,
    ).update(used_at=now, answer=answer)
    _answer(locked, start=start, actor=user, actor_label="", now=now)
    return locked


def _answer(
    request: HanProvisionRequest,
    *,
    start: bool,
    actor: User | None,
    actor_label: str,
    now: datetime,
) -> None:
    if start:
        han_transition(
            request,
            to_status=S.PAIRING_INITIATED,
            role=Role.CUSTOMER,
            actor=actor,
            actor_label=actor_label,
            reason=gettext_noop("The customer started the pairing process."),
        )
        Agreement.objects.filter(pk=request.agreement_id).update(responded_at=now)
        emails.han_event_notify(request, emails.PAIRING_INITIATED)
        # P2.5: the request goes to the TDSP from the worker, once this is committed.
        transaction.on_commit(partial(han_send_dispatch, request.pk))
    else:
        han_transition(
            request,
            to_status=S.CUSTOMER_REJECTED,
            role=Role.CUSTOMER,
            actor=actor,
            actor_label=actor_label,
            reason=gettext_noop("The customer rejected the provision request."),
        )
        Agreement.objects.filter(pk=request.agreement_id).update(responded_at=now)
        emails.han_event_notify(request, emails.CUSTOMER_REJECTED)


def han_send_dispatch(request_pk: int) -> None:
    """Queue the provision request for the TDSP; a lost task is queued again by the sweep."""
    from han.tasks import han_request_send_task

    try:
        han_request_send_task.delay(request_pk)
    except Exception:  # broker down: `han_requests_send_missing` picks it up
        logger.exception("Could not queue HAN request %s; the sweep will send it", request_pk)
