"""The TDSP API (API-3), first part: REP of Record transactions and meter exchanges.

One endpoint takes every message: `POST /tdsp-api/v1/messages` with `Authorization: Token
<key>` (one credential per TDSP) and a JSON body carrying `message_id` and `type`. A message
id seen before is acknowledged with the first answer and changes nothing. Errors are JSON
with a code, a message and the field (API-4).
"""

import hashlib
import json
import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import Tdsp

from . import ror
from .models import Premise, TdspCredential, TdspMessage


class MessageError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.body = {"code": code, "message": message, **({"field": field} if field else {})}
        self.status = status


def credential_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def tdsp_credential_issue(*, tdsp: Tdsp) -> str:
    """A new API key for a TDSP, replacing the old one; shown once, stored hashed."""
    key = secrets.token_urlsafe(32)
    TdspCredential.objects.update_or_create(tdsp=tdsp, defaults={"key_hash": credential_hash(key)})
    return key


def _tdsp_for(request) -> Tdsp | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "token" or not key:
        return None
    credential = (
        TdspCredential.objects.select_related("tdsp").filter(key_hash=credential_hash(key)).first()
    )
    return credential.tdsp if credential else None


def _text(body: dict, field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise MessageError(400, "MISSING_FIELD", f"{field} is required.", field)
    return value.strip()


def _date(body: dict, field: str) -> date:
    try:
        return date.fromisoformat(_text(body, field))
    except ValueError as error:
        raise MessageError(400, "INVALID_DATE", f"{field} must be YYYY-MM-DD.", field) from error


def _own_premise(tdsp: Tdsp, body: dict) -> str:
    esiid = _text(body, "esiid")
    if not Premise.objects.filter(esiid=esiid, tdsp=tdsp).exists():
        raise MessageError(404, "ESIID_NOT_FOUND", f"ESIID {esiid} is not one of yours.", "esiid")
    return esiid


def _switch(tdsp, body):
    esiid = _own_premise(tdsp, body)
    period = ror.ror_switch(
        esiid=esiid, new_duns=_text(body, "duns"), effective=_date(body, "effective_date")
    )
    return {"esiid": esiid, "ror_duns": period.ror_duns}


def _move_in(tdsp, body):
    esiid = _own_premise(tdsp, body)
    period = ror.ror_move_in(
        esiid=esiid, duns=_text(body, "duns"), effective=_date(body, "effective_date")
    )
    return {"esiid": esiid, "ror_duns": period.ror_duns}


def _move_out(tdsp, body):
    esiid = _own_premise(tdsp, body)
    ror.ror_move_out(esiid=esiid, effective=_date(body, "effective_date"))
    return {"esiid": esiid, "ror_duns": None}


def _meter_exchange(tdsp, body):
    esiid = _own_premise(tdsp, body)
    is_smart = body.get("is_smart", True)
    if not isinstance(is_smart, bool):
        raise MessageError(400, "INVALID_FIELD", "is_smart must be true or false.", "is_smart")
    meter = ror.meter_exchange(
        esiid=esiid,
        new_meter_number=_text(body, "meter_number"),
        exchanged_on=_date(body, "exchange_date"),
        is_smart=is_smart,
    )
    return {"esiid": esiid, "meter_number": meter.meter_number}


HANDLERS = {
    "switch": _switch,
    "move_in": _move_in,
    "move_out": _move_out,
    "meter_exchange": _meter_exchange,
}


@csrf_exempt
@require_POST
def messages(request):
    tdsp = _tdsp_for(request)
    if tdsp is None:
        return JsonResponse({"code": "UNAUTHORIZED", "message": "Unknown credential."}, status=401)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"code": "INVALID_JSON", "message": "Send a JSON object."}, status=400)
    try:
        message_id = _text(body, "message_id")
        kind = _text(body, "type")
        if kind not in HANDLERS:
            raise MessageError(400, "UNKNOWN_TYPE", f"Unknown type {kind}.", "type")
        previous = TdspMessage.objects.filter(tdsp=tdsp, message_id=message_id).first()
        if previous:
            return JsonResponse(
                {"message_id": message_id, "status": "duplicate", **previous.outcome}
            )
        return JsonResponse(_handle(tdsp, message_id, kind, body))
    except MessageError as error:
        return JsonResponse(error.body, status=error.status)


def _handle(tdsp, message_id: str, kind: str, body: dict) -> dict:
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


urlpatterns = [path("tdsp-api/v1/messages", messages, name="tdsp_messages")]
