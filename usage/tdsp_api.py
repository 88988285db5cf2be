"""The TDSP API (API-3), first part: REP of Record transactions and meter exchanges.

One endpoint takes every message: `POST /tdsp-api/v1/messages` with `Authorization: Token
<key>` (one credential per TDSP) and a JSON body carrying `message_id` and `type`. A message
id seen before is acknowledged with the first answer and changes nothing. Errors are JSON
with a code, a message and the field (API-4).
"""

import hashlib
import json
import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Tdsp

from . import ingest, odr, ror
from .models import Premise, TdspCredential, TdspMessage


class MessageError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.body = {"code": code, "message": message, **({"field": field} if field else {})}
        self.status = status


MESSAGE_ID_LENGTH = TdspMessage._meta.get_field("message_id").max_length


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


def _unauthorized() -> JsonResponse:
    return JsonResponse({"code": "UNAUTHORIZED", "message": "Unknown credential."}, status=401)


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


def _changes(body: dict) -> dict:
    changes = body.get("changes")
    if not isinstance(changes, dict) or not changes:
        raise MessageError(
            400, "MISSING_FIELD", "changes must be an object of field: value.", "changes"
        )
    return changes


def _field_errors(error: ValidationError) -> MessageError:
    name, messages = next(iter(error.message_dict.items()))
    return MessageError(400, "INVALID_FIELD", f"{name}: {' '.join(messages)}", f"changes.{name}")


def _premise_update(tdsp, body):
    esiid = _own_premise(tdsp, body)
    try:
        changed = ror.premise_update(esiid=esiid, changes=_changes(body))
    except ValidationError as error:
        raise _field_errors(error) from error
    return {"esiid": esiid, "changed": changed}


def _meter_update(tdsp, body):
    esiid = _own_premise(tdsp, body)
    try:
        changed = ror.meter_update(
            esiid=esiid, meter_number=_text(body, "meter_number"), changes=_changes(body)
        )
    except ValidationError as error:
        raise _field_errors(error) from error
    return {"esiid": esiid, "changed": changed}


# --- On Demand Read results (USG-11) -----------------------------------------------------

ODR_STATUSES = ("COMPLETED", "FAILED")  # API-3 odr_result `status`


def _decimal_field(body: dict, field: str, *, required: bool) -> Decimal | None:
    value = body.get(field)
    if value is None and not required:
        return None
    try:
        plain = isinstance(value, (str, int, float)) and not isinstance(value, bool)
        number = Decimal(str(value)) if plain else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= 10**9:
        raise MessageError(400, "INVALID_FIELD", f"{field} must be a number of kWh.", field)
    return number.quantize(Decimal("0.001"))


def _datetime_field(body: dict, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(_text(body, field))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise MessageError(
            400, "INVALID_DATETIME", f"{field} must be an ISO 8601 time with its offset.", field
        )
    return value


def _odr_result(tdsp, body):
    request_id = _text(body, "request_id")
    status = _text(body, "status").upper()
    if status not in ODR_STATUSES:
        raise MessageError(400, "INVALID_FIELD", "status must be COMPLETED or FAILED.", "status")
    read = odr.on_demand_read_for_tdsp(tdsp=tdsp, request_id=request_id)
    if read is None:
        raise MessageError(
            404, "REQUEST_NOT_FOUND", f"request_id {request_id} is not one of yours.", "request_id"
        )
    if status == "COMPLETED":
        read = odr.on_demand_read_complete(
            read_id=read.pk,
            register_read=_decimal_field(body, "register_read", required=True),
            read_at=_datetime_field(body, "read_at"),
            usage_kwh=_decimal_field(body, "usage_kwh", required=False),
        )
    else:
        reason = body.get("reason", "")
        if not isinstance(reason, str):
            raise MessageError(400, "INVALID_FIELD", "reason must be text.", "reason")
        read = odr.on_demand_read_fail(read_id=read.pk, reason=reason.strip() or "Failed.")
    return {"request_id": request_id, "odr_status": read.status}


HANDLERS = {
    "premise_update": _premise_update,
    "meter_update": _meter_update,
    "switch": _switch,
    "move_in": _move_in,
    "move_out": _move_out,
    "meter_exchange": _meter_exchange,
    "odr_result": _odr_result,
}


@csrf_exempt
@require_POST
def messages(request):
    tdsp = _tdsp_for(request)
    if tdsp is None:
        return _unauthorized()
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


# --- usage file upload (USG-2) ----------------------------------------------------------


def _upload_answer(message: TdspMessage, status: str, http_status: int = 200) -> JsonResponse:
    body = {"message_id": message.message_id, "status": status, **message.outcome}
    body["status_url"] = reverse("tdsp_api:tdsp_usage_file", args=[message.message_id])
    return JsonResponse(body, status=http_status)


@csrf_exempt
@require_POST
def usage_files(request):
    """Take a usage file (multipart: message_id, file); 202 while a worker loads it. The answer
    of a file already received is its current outcome, whatever was sent this time."""
    tdsp = _tdsp_for(request)
    if tdsp is None:
        return _unauthorized()
    try:
        message_id = _text(request.POST, "message_id")
        if len(message_id) > MESSAGE_ID_LENGTH:
            raise MessageError(
                400,
                "INVALID_FIELD",
                f"message_id has at most {MESSAGE_ID_LENGTH} characters.",
                "message_id",
            )
        previous = TdspMessage.objects.filter(tdsp=tdsp, message_id=message_id).first()
        if previous:
            return _upload_answer(previous, "duplicate")
        upload = request.FILES.get("file")
        if upload is None:
            raise MessageError(400, "MISSING_FIELD", "file is required.", "file")
        if upload.size > ingest.MAX_UPLOAD_BYTES:
            limit = ingest.MAX_UPLOAD_BYTES // 2**20
            raise MessageError(400, "FILE_TOO_LARGE", f"file is over {limit} MB; split it.", "file")
        try:
            message = ingest.tdsp_file_receive(tdsp=tdsp, message_id=message_id, upload=upload)
        except IntegrityError:  # the same file sent twice at once: the other one won
            previous = TdspMessage.objects.get(tdsp=tdsp, message_id=message_id)
            return _upload_answer(previous, "duplicate")
        message.refresh_from_db()  # a worker running eagerly may have loaded it already
        return _upload_answer(message, "received", 202)
    except MessageError as error:
        return JsonResponse(error.body, status=error.status)


@require_GET
def usage_file(request, message_id):
    """What became of an uploaded file: processing, loaded (with its bad rows), refused."""
    tdsp = _tdsp_for(request)
    if tdsp is None:
        return _unauthorized()
    message = TdspMessage.objects.filter(
        tdsp=tdsp, message_id=message_id, kind=ingest.UPLOAD_KIND
    ).first()
    if message is None:
        return JsonResponse(
            {"code": "NOT_FOUND", "message": f"No usage file {message_id}."}, status=404
        )
    return _upload_answer(message, "received")


urlpatterns = [
    path("tdsp-api/v1/messages", messages, name="tdsp_messages"),
    path("tdsp-api/v1/usage-files", usage_files, name="tdsp_usage_files"),
    path("tdsp-api/v1/usage-files/<str:message_id>", usage_file, name="tdsp_usage_file"),
]
