"""HAN status messages of the TDSP API (HAN-7, API-3): `{"message_id", "type": "han_status",
"request_id", "status", "reason"?}`. Registered with the TDSP API's message handlers
(`settings.TDSP_MESSAGE_HANDLERS`), so it is checked, applied once and recorded by
`usage.tdsp.messages.tdsp_message_apply` like every other TDSP message."""

from typing import Any

from accounts.models import Tdsp
from smt.lib.fields import clean_choice, clean_text
from usage.tdsp.messages import REQUEST_ID_LENGTH, TdspMessageInvalid

from .services.tdsp import TDSP_STATUSES, han_request_for_tdsp, han_status_apply

HAN_STATUS = "han_status"  # the message type
REASON_LENGTH = 1_000


def han_status_message(tdsp: Tdsp, body: dict[str, Any]) -> dict[str, Any]:
    """HAN-7: one status for one provision (or removal) request of this TDSP's meters. An
    unknown request, or one on another TDSP's meter, is a 404; a bad field a 400 naming it;
    a status that would move the request backwards is recorded as `ignored`."""
    request_id = clean_text(
        body.get("request_id"), field="request_id", max_length=REQUEST_ID_LENGTH
    )
    status = body.get("status")
    status = clean_choice(
        status.upper() if isinstance(status, str) else status,
        field="status",
        choices=tuple(TDSP_STATUSES),
    )
    reason = clean_text(
        body.get("reason"), field="reason", max_length=REASON_LENGTH, required=False
    )
    request = han_request_for_tdsp(tdsp=tdsp, request_id=request_id)
    if request is None:
        raise TdspMessageInvalid(
            "REQUEST_NOT_FOUND",
            f"request_id {request_id} is not one of yours.",
            "request_id",
            not_found=True,
        )
    outcome = han_status_apply(
        request_pk=request.pk,
        request_id=request_id,
        tdsp_status=status,
        message_id=str(body.get("message_id")),
        reason=reason or "",
    )
    answer: dict[str, Any] = {"request_id": request_id, "han_status": str(outcome.status)}
    if not outcome.changed:
        answer.update(result="ignored", note=outcome.note)
    return answer
