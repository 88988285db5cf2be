"""TDSP messages (API-3): REP of Record transactions, meter exchanges, premise and meter
updates and On Demand Read answers, each applied once.

`tdsp_message_apply` checks a message, applies it and records it in one transaction, so a
message id seen before is acknowledged with its first outcome and changes nothing. The TDSP
API's HTTP view and the simulated TDSP both call it, so a real and a simulated TDSP go through
the same checks. A message that cannot be applied raises `TdspMessageInvalid` with a code, a
message and the field (API-4).
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Tdsp
from smt.lib.errors import Refused
from usage.models import Premise, TdspMessage
from usage.services import odr, ror

# A CharField always has its max_length.
Body = dict[str, Any]  # a message as the TDSP sent it (a JSON object)
MESSAGE_ID_LENGTH = cast(int, TdspMessage._meta.get_field("message_id").max_length)
ODR_RESULT = "odr_result"  # the message type of an On Demand Read answer (USG-11)


class TdspMessageInvalid(Refused):
    """The TDSP must correct the message: `code` names the problem (API-4); `not_found` when
    it names something that is not the TDSP's (an ESIID, a request id)."""

    def __init__(
        self, code: str, message: str, field: str = "", *, not_found: bool = False
    ) -> None:
        super().__init__(message, field or None)
        self.code = code
        self.not_found = not_found


def message_text(body: Mapping[str, Any], field: str) -> str:
    """A required, non-blank text field of a message (API-4 names it when missing)."""
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise TdspMessageInvalid("MISSING_FIELD", f"{field} is required.", field)
    return value.strip()


def _date(body: Body, field: str) -> date:
    try:
        return date.fromisoformat(message_text(body, field))
    except ValueError as error:
        raise TdspMessageInvalid("INVALID_DATE", f"{field} must be YYYY-MM-DD.", field) from error


def _own_premise(tdsp: Tdsp, body: Body) -> str:
    esiid = message_text(body, "esiid")
    if not Premise.objects.filter(esiid=esiid, tdsp=tdsp).exists():
        raise TdspMessageInvalid(
            "ESIID_NOT_FOUND", f"ESIID {esiid} is not one of yours.", "esiid", not_found=True
        )
    return esiid


def _switch(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    period = ror.ror_switch(
        esiid=esiid, new_duns=message_text(body, "duns"), effective=_date(body, "effective_date")
    )
    return {"esiid": esiid, "ror_duns": period.ror_duns}


def _move_in(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    period = ror.ror_move_in(
        esiid=esiid, duns=message_text(body, "duns"), effective=_date(body, "effective_date")
    )
    return {"esiid": esiid, "ror_duns": period.ror_duns}


def _move_out(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    ror.ror_move_out(esiid=esiid, effective=_date(body, "effective_date"))
    return {"esiid": esiid, "ror_duns": None}


def _meter_exchange(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    is_smart = body.get("is_smart", True)
    if not isinstance(is_smart, bool):
        raise TdspMessageInvalid("INVALID_FIELD", "is_smart must be true or false.", "is_smart")
    meter = ror.meter_exchange(
        esiid=esiid,
        new_meter_number=message_text(body, "meter_number"),
        exchanged_on=_date(body, "exchange_date"),
        is_smart=is_smart,
    )
    return {"esiid": esiid, "meter_number": meter.meter_number}


def _changes(body: Body) -> dict[str, Any]:
    changes = body.get("changes")
    if not isinstance(changes, dict) or not changes:
        raise TdspMessageInvalid(
            "MISSING_FIELD", "changes must be an object of field: value.", "changes"
        )
    return changes


def _field_errors(error: ValidationError) -> TdspMessageInvalid:
    name, messages = next(iter(error.message_dict.items()))
    return TdspMessageInvalid("INVALID_FIELD", f"{name}: {' '.join(messages)}", f"changes.{name}")


def _premise_update(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    try:
        changed = ror.premise_update(esiid=esiid, changes=_changes(body))
    except ValidationError as error:
        raise _field_errors(error) from error
    return {"esiid": esiid, "changed": changed}


def _meter_update(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    try:
        changed = ror.meter_update(
            esiid=esiid, meter_number=message_text(body, "meter_number"), changes=_changes(body)
        )
    except ValidationError as error:
        raise _field_errors(error) from error
    return {"esiid": esiid, "changed": changed}


# --- On Demand Read results (USG-11) -----------------------------------------------------

ODR_STATUSES = ("COMPLETED", "FAILED")  # API-3 odr_result `status`


def _decimal_field(body: Body, field: str) -> Decimal:
    value = body.get(field)
    try:
        plain = isinstance(value, (str, int, float)) and not isinstance(value, bool)
        number = Decimal(str(value)) if plain else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= 10**9:
        raise TdspMessageInvalid("INVALID_FIELD", f"{field} must be a number of kWh.", field)
    return number.quantize(Decimal("0.001"))


def _optional_decimal_field(body: Body, field: str) -> Decimal | None:
    return None if body.get(field) is None else _decimal_field(body, field)


def _datetime_field(body: Body, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(message_text(body, field))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise TdspMessageInvalid(
            "INVALID_DATETIME", f"{field} must be an ISO 8601 time with its offset.", field
        )
    return value


def _odr_result(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    request_id = message_text(body, "request_id")
    status = message_text(body, "status").upper()
    if status not in ODR_STATUSES:
        raise TdspMessageInvalid("INVALID_FIELD", "status must be COMPLETED or FAILED.", "status")
    read = odr.on_demand_read_for_tdsp(tdsp=tdsp, request_id=request_id)
    if read is None:
        raise TdspMessageInvalid(
            "REQUEST_NOT_FOUND",
            f"request_id {request_id} is not one of yours.",
            "request_id",
            not_found=True,
        )
    if status == "COMPLETED":
        read = odr.on_demand_read_complete(
            read_id=read.pk,
            register_read=_decimal_field(body, "register_read"),
            read_at=_datetime_field(body, "read_at"),
            usage_kwh=_optional_decimal_field(body, "usage_kwh"),
        )
    else:
        reason = body.get("reason", "")
        if not isinstance(reason, str):
            raise TdspMessageInvalid("INVALID_FIELD", "reason must be text.", "reason")
        read = odr.on_demand_read_fail(read_id=read.pk, reason=reason.strip() or "Failed.")
    return {"request_id": request_id, "odr_status": read.status}


HANDLERS: dict[str, Callable[[Tdsp, Body], dict[str, Any]]] = {
    "premise_update": _premise_update,
    "meter_update": _meter_update,
    "switch": _switch,
    "move_in": _move_in,
    "move_out": _move_out,
    "meter_exchange": _meter_exchange,
    ODR_RESULT: _odr_result,
}


def tdsp_message_find(
    *, tdsp: Tdsp, message_id: str, kind: str | None = None
) -> TdspMessage | None:
    """The message this TDSP sent with this id (of this kind), or None."""
    messages = TdspMessage.objects.filter(tdsp=tdsp, message_id=message_id)
    return (messages.filter(kind=kind) if kind else messages).first()


def tdsp_message_apply(*, tdsp: Tdsp, body: Body) -> dict[str, Any]:
    """Check, apply and record one message (API-3); a repeated message id is answered with
    its first outcome and changes nothing. Raises TdspMessageInvalid."""
    message_id = message_text(body, "message_id")
    kind = message_text(body, "type")
    if kind not in HANDLERS:
        raise TdspMessageInvalid("UNKNOWN_TYPE", f"Unknown type {kind}.", "type")
    previous = tdsp_message_find(tdsp=tdsp, message_id=message_id)
    if previous:
        return {"message_id": message_id, "status": "duplicate", **previous.outcome}
    return _apply(tdsp, message_id, kind, body)


def _apply(tdsp: Tdsp, message_id: str, kind: str, body: Body) -> dict[str, Any]:
    """Apply the message and record it in one transaction, so it counts once."""
    try:
        with transaction.atomic():
            try:
                outcome = {"result": "accepted", **HANDLERS[kind](tdsp, body)}
            except ror.TransactionRefused as refusal:
                outcome = {"result": "refused", "reason": str(refusal)}
            TdspMessage.objects.create(
                tdsp=tdsp,
                message_id=message_id,
                kind=kind,
                payload=body,
                outcome=outcome,
                received_at=timezone.now(),
            )
    except IntegrityError:  # the same message delivered twice at once: the other won
        previous = TdspMessage.objects.get(tdsp=tdsp, message_id=message_id)
        return {"message_id": message_id, "status": "duplicate", **previous.outcome}
    return {"message_id": message_id, "status": "processed", **outcome}
