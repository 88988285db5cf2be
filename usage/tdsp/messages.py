"""TDSP messages (API-3): REP of Record transactions, meter exchanges, premise and meter
updates and On Demand Read answers, each applied once; and the types higher apps register in
`settings.TDSP_MESSAGE_HANDLERS` (HAN statuses, HAN-7).

`tdsp_message_apply` checks a message, applies it and records it in one transaction, so a
message id seen before is acknowledged with its first outcome and changes nothing. The TDSP
API's HTTP view and the simulated TDSP both call it, so a real and a simulated TDSP go through
the same checks. A message that cannot be applied raises `TdspMessageInvalid` with a code, a
message and the field (API-4).

Every field is checked to its real format before anything is applied (API-4, MTR-1..MTR-3):
a DUNS is 9 or 13 digits (the rule of `accounts.validators`), a meter number letters, digits
and hyphens, dates YYYY-MM-DD; a bad one refuses the whole message, nothing stored.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Tdsp
from accounts.validators import validate_duns_number
from smt.lib.errors import Refused
from smt.lib.fields import (
    ISO_DATE,
    FieldInvalid,
    clean_boolean,
    clean_choice,
    clean_date,
    clean_datetime,
    clean_decimal,
    clean_text,
)
from usage.models import Meter, OnDemandRead, Premise, RorPeriod, TdspMessage
from usage.services import odr, ror


def _max_length(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return field.max_length


Body = dict[str, Any]  # a message as the TDSP sent it (a JSON object)
MESSAGE_ID_LENGTH = _max_length(TdspMessage, "message_id")
# One id space for messages and uploaded files: an upload's id names its stored file and
# its status URL, so no slash, no dot first, nothing a path or a URL would read.
MESSAGE_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*", re.ASCII)
MESSAGE_ID_SHOWN = "letters, digits, '.', '_' and '-', starting with a letter or digit"
TYPE_LENGTH = _max_length(TdspMessage, "kind")
ESIID_LENGTH = _max_length(Premise, "esiid")
DUNS_LENGTH = _max_length(RorPeriod, "ror_duns")
METER_NUMBER_LENGTH = _max_length(Meter, "meter_number")
# MTR-3: as meters are numbered (113000111, L113000111, C-0001): letters, digits, hyphens.
METER_NUMBER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,29}", re.ASCII)
METER_NUMBER_SHOWN = "3 to 30 letters, digits or hyphens"
REQUEST_ID_LENGTH = _max_length(OnDemandRead, "tdsp_request_id")
REASON_LENGTH = 1_000  # an odr_result's reason; the first 300 characters are kept
ODR_RESULT = "odr_result"  # the message type of an On Demand Read answer (USG-11)
KWH_BELOW = Decimal(10**9)  # a register read or usage of 1,000,000,000 kWh is not a meter's


class TdspMessageInvalid(Refused):
    """The TDSP must correct the message: `code` names the problem (API-4); `not_found` when
    it names something that is not the TDSP's (an ESIID, a request id)."""

    def __init__(
        self, code: str, message: str, field: str = "", *, not_found: bool = False
    ) -> None:
        super().__init__(message, field or None)
        self.code = code
        self.not_found = not_found


def message_text(body: Mapping[str, Any], field: str, *, max_length: int) -> str:
    """A required, non-blank text field of a message, at most `max_length` characters, no
    control characters (API-4 names it when missing or wrong)."""
    return clean_text(body.get(field), field=field, max_length=max_length)


def message_id_clean(value: Any) -> str:
    """API-3: a message's id, for JSON messages and uploaded files alike."""
    return clean_text(
        value,
        field="message_id",
        max_length=MESSAGE_ID_LENGTH,
        pattern=MESSAGE_ID_PATTERN,
        shown=MESSAGE_ID_SHOWN,
    )


def _date(body: Body, field: str) -> date:
    day = clean_date(body.get(field), field=field, form=ISO_DATE)
    assert day is not None  # required
    return day


def _duns(body: Body) -> str:
    """MTR-2: the new REP of Record's DUNS, 9 or 13 digits as `accounts` registers them."""
    duns = message_text(body, "duns", max_length=DUNS_LENGTH)
    try:
        validate_duns_number(duns)  # ASCII digits only, the whole value
    except ValidationError as error:
        raise FieldInvalid("duns must be a DUNS number: 9 or 13 digits.", "duns") from error
    return duns


def _meter_number(body: Body) -> str:
    return clean_text(
        body.get("meter_number"),
        field="meter_number",
        max_length=METER_NUMBER_LENGTH,
        pattern=METER_NUMBER_PATTERN,
        shown=METER_NUMBER_SHOWN,
    )


def _own_premise(tdsp: Tdsp, body: Body) -> str:
    esiid = message_text(body, "esiid", max_length=ESIID_LENGTH)
    if not Premise.objects.filter(esiid=esiid, tdsp=tdsp).exists():
        raise TdspMessageInvalid(
            "ESIID_NOT_FOUND", f"ESIID {esiid} is not one of yours.", "esiid", not_found=True
        )
    return esiid


def _switch(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    period = ror.ror_switch(
        esiid=esiid, new_duns=_duns(body), effective=_date(body, "effective_date")
    )
    return {"esiid": esiid, "ror_duns": period.ror_duns}


def _move_in(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    period = ror.ror_move_in(esiid=esiid, duns=_duns(body), effective=_date(body, "effective_date"))
    return {"esiid": esiid, "ror_duns": period.ror_duns}


def _move_out(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    ror.ror_move_out(esiid=esiid, effective=_date(body, "effective_date"))
    return {"esiid": esiid, "ror_duns": None}


def _meter_exchange(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    esiid = _own_premise(tdsp, body)
    is_smart = clean_boolean(body.get("is_smart", True), field="is_smart")
    meter = ror.meter_exchange(
        esiid=esiid,
        new_meter_number=_meter_number(body),
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
    text = " ".join(messages)
    if not text.startswith(f"{name} "):  # Django's own say "This field…"
        text = f"{name}: {text}"
    return TdspMessageInvalid("INVALID_FIELD", text, f"changes.{name}")


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
            esiid=esiid, meter_number=_meter_number(body), changes=_changes(body)
        )
    except ValidationError as error:
        raise _field_errors(error) from error
    return {"esiid": esiid, "changed": changed}


# --- On Demand Read results (USG-11) -----------------------------------------------------

ODR_STATUSES = ("COMPLETED", "FAILED")  # API-3 odr_result `status`


def _kwh(body: Body, field: str, *, required: bool = True) -> Decimal | None:
    """A register read or usage in kWh, kept to the watt-hour (3 decimals)."""
    number = clean_decimal(
        body.get(field),
        field=field,
        minimum=Decimal(0),
        below=KWH_BELOW,
        places=18,
        required=required,
    )
    if number is None:
        return None
    kept = number.quantize(Decimal("0.001"))
    if kept >= KWH_BELOW:  # 999999999.9995 and up round to 10^9: past the column (API-4)
        raise FieldInvalid(f"{field} must be below {KWH_BELOW:,} kWh once rounded.", field)
    return kept


def _odr_result(tdsp: Tdsp, body: Body) -> dict[str, Any]:
    request_id = message_text(body, "request_id", max_length=REQUEST_ID_LENGTH)
    status = body.get("status")
    status = clean_choice(
        status.upper() if isinstance(status, str) else status,
        field="status",
        choices=ODR_STATUSES,
    )
    read = odr.on_demand_read_for_tdsp(tdsp=tdsp, request_id=request_id)
    if read is None:
        raise TdspMessageInvalid(
            "REQUEST_NOT_FOUND",
            f"request_id {request_id} is not one of yours.",
            "request_id",
            not_found=True,
        )
    if status == "COMPLETED":
        register_read = _kwh(body, "register_read")
        assert register_read is not None  # required
        read = odr.on_demand_read_complete(
            read_id=read.pk,
            register_read=register_read,
            read_at=clean_datetime(body.get("read_at"), field="read_at"),
            usage_kwh=_kwh(body, "usage_kwh", required=False),
        )
    else:
        reason = clean_text(
            body.get("reason"), field="reason", max_length=REASON_LENGTH, required=False
        )
        read = odr.on_demand_read_fail(read_id=read.pk, reason=reason or "Failed.")
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


def _handler(kind: str) -> Callable[[Tdsp, Body], dict[str, Any]] | None:
    """The handler of a message type: usage's own, or one a higher app registers in
    `settings.TDSP_MESSAGE_HANDLERS` (HAN statuses, HAN-7), as usage imports no app above."""
    if kind in HANDLERS:
        return HANDLERS[kind]
    path = settings.TDSP_MESSAGE_HANDLERS.get(kind)
    return import_string(path) if path else None


def tdsp_message_find(
    *, tdsp: Tdsp, message_id: str, kind: str | None = None
) -> TdspMessage | None:
    """The message this TDSP sent with this id (of this kind), or None."""
    messages = TdspMessage.objects.filter(tdsp=tdsp, message_id=message_id)
    return (messages.filter(kind=kind) if kind else messages).first()


def tdsp_message_apply(*, tdsp: Tdsp, body: Body) -> dict[str, Any]:
    """Check, apply and record one message (API-3); a repeated message id is answered with
    its first outcome and changes nothing. Raises TdspMessageInvalid, naming the field, for
    any field not in its format: the whole message is refused, nothing stored (API-4)."""
    try:
        message_id = message_id_clean(body.get("message_id"))
        kind = message_text(body, "type", max_length=TYPE_LENGTH)
        if _handler(kind) is None:
            raise TdspMessageInvalid("UNKNOWN_TYPE", f"Unknown type {kind}.", "type")
        previous = tdsp_message_find(tdsp=tdsp, message_id=message_id)
        if previous:
            return {"message_id": message_id, "status": "duplicate", **previous.outcome}
        return _apply(tdsp, message_id, kind, body)
    except FieldInvalid as invalid:  # one TdspMessageInvalid for callers to catch
        raise TdspMessageInvalid(invalid.code, str(invalid), invalid.field or "") from invalid


def _apply(tdsp: Tdsp, message_id: str, kind: str, body: Body) -> dict[str, Any]:
    """Apply the message and record it in one transaction, so it counts once."""
    try:
        with transaction.atomic():
            try:
                handler = _handler(kind)
                assert handler is not None  # checked by the caller
                outcome = {"result": "accepted", **handler(tdsp, body)}
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
