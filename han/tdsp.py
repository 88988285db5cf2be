"""HAN status messages of the TDSP API (HAN-7, API-3): `{"message_id", "type": "han_status",
"request_id", "status", "reason"?}`, and of HAN device messages (HAN-9):
`{"message_id", "type": "han_message_status", "request_id", "status", "reason"?}`. Both are
registered with the TDSP API's message handlers (`settings.TDSP_MESSAGE_HANDLERS`), so each
is checked, applied once and recorded by `usage.tdsp.messages.tdsp_message_apply` like every
other TDSP message."""

from typing import Any

from accounts.models import Tdsp
from smt.lib.fields import clean_choice, clean_text
from usage.tdsp.messages import REQUEST_ID_LENGTH, TdspMessageInvalid

from .services.messages import (
    TDSP_MESSAGE_STATUSES,
    han_message_for_tdsp,
    han_message_status_apply,
)
from .services.tdsp import TDSP_STATUSES, han_request_for_tdsp, han_status_apply

HAN_STATUS = "han_status"  # the message types
HAN_MESSAGE_STATUS = "han_message_status"
REASON_LENGTH = 1_000


def _request_id_and_status(body: dict[str, Any], statuses: tuple[str, ...]) -> tuple[str, str]:
    request_id = clean_text(
        body.get("request_id"), field="request_id", max_length=REQUEST_ID_LENGTH
    )
    status = body.get("status")
    status = clean_choice(
        status.upper() if isinstance(status, str) else status, field="status", choices=statuses
    )
    return request_id, status


def _reason(body: dict[str, Any]) -> str:
    return (
        clean_text(body.get("reason"), field="reason", max_length=REASON_LENGTH, required=False)
        or ""
    )


def _not_yours(request_id: str) -> TdspMessageInvalid:
    return TdspMessageInvalid(
        "REQUEST_NOT_FOUND",
        f"request_id {request_id} is not one of yours.",
        "request_id",
        not_found=True,
    )


def han_status_message(tdsp: Tdsp, body: dict[str, Any]) -> dict[str, Any]:
    """HAN-7: one status for one provision (or removal) request of this TDSP's meters. An
    unknown request, or one on another TDSP's meter, is a 404; a bad field a 400 naming it;
    a status that would move the request backwards is recorded as `ignored`."""
    request_id, status = _request_id_and_status(body, tuple(TDSP_STATUSES))
    reason = _reason(body)
    request = han_request_for_tdsp(tdsp=tdsp, request_id=request_id)
    if request is None:
        raise _not_yours(request_id)
    outcome = han_status_apply(
        request_pk=request.pk,
        request_id=request_id,
        tdsp_status=status,
        message_id=str(body.get("message_id")),
        reason=reason,
    )
    answer: dict[str, Any] = {"request_id": request_id, "han_status": str(outcome.status)}
    if not outcome.changed:
        answer.update(result="ignored", note=outcome.note)
    return answer


def han_message_status_message(tdsp: Tdsp, body: dict[str, Any]) -> dict[str, Any]:
    """HAN-9: Delivered, Confirmed or Failed for one HAN device message of this TDSP's
    meters, named by the `request_id` SMT sent it. Unknown or another TDSP's: a 404; a
    status that would move the message backwards is recorded as `ignored`."""
    request_id, status = _request_id_and_status(body, tuple(TDSP_MESSAGE_STATUSES))
    reason = _reason(body)
    message = han_message_for_tdsp(tdsp_id=tdsp.pk, request_id=request_id)
    if message is None:
        raise _not_yours(request_id)
    outcome = han_message_status_apply(
        message_pk=message.pk,
        tdsp_status=status,
        message_id=str(body.get("message_id")),
        reason=reason,
    )
    answer: dict[str, Any] = {"request_id": request_id, "message_status": str(outcome.status)}
    if not outcome.changed:
        answer.update(result="ignored", note=outcome.note)
    return answer
