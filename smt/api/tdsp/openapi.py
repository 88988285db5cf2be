"""The TDSP API's OpenAPI 3 document (API-3, API-4), built from the constants its views and
`usage.tdsp.messages` check against (`smt.api.common.openapi`): every message type with its
fields, the premise and meter fields a TDSP may change, the usage-file upload. Served at
/tdsp-api/v1/openapi.json, /tdsp-api/v1/openapi.yaml and /tdsp-api/v1/docs/."""

from decimal import Decimal
from typing import Any

from django.db import models

from han.services.messages import TDSP_MESSAGE_STATUSES
from han.services.tdsp import TDSP_STATUSES
from han.tdsp import HAN_MESSAGE_STATUS, HAN_STATUS
from han.tdsp import REASON_LENGTH as HAN_REASON_LENGTH
from smt.api.common.openapi import (
    NO_CONTROL_CHARACTERS,
    OPENAPI_VERSION,
    Document,
    Schema,
    answer,
    iso_date,
    ref,
    text,
    whole,
)
from smt.api.common.requests import MAX_BODY_BYTES, MAX_BODY_DEPTH
from smt.lib.fields import MAX_YEAR, MIN_YEAR
from usage.models import Meter, Premise
from usage.services import ror
from usage.tdsp import files, messages

TITLE = "Smart Meter Texas portal: TDSP API"
PREFIX = "/tdsp-api/v1"
KEY = "tdspKey"  # the security scheme: `Authorization: Token <key>`

DESCRIPTION = f"""\
How a TDSP tells the portal what happened on its meters (API-3): REP of Record transactions,
meter exchanges, premise and meter corrections, On Demand Read results, HAN statuses, and
usage files.

Each TDSP holds one key (`manage.py create_tdsp_credential CODE`, shown once) and sends it
as `Authorization: Token <key>`; a missing or unknown key is a **401**, checked before the
body is read. Every message carries a `message_id` (1 to {messages.MESSAGE_ID_LENGTH}
letters, digits, `.`, `_` and `-`, starting with a letter or digit), one id space for
messages and usage files: a message id seen before is acknowledged with its first answer
(`"status": "duplicate"`) and changes nothing.

A message body is a JSON object of at most {MAX_BODY_BYTES:,} bytes, nested at most
{MAX_BODY_DEPTH} levels deep, with no NUL character or unpaired surrogate in any string. An
error is JSON: `code`, `message` and, when one input is at fault, the `field` (API-4): a
field not in its format is a **400** naming it, and the whole message is refused, nothing
stored; an ESIID or request id that is not the TDSP's is a **404**. A message that is well
formed but cannot be applied (a switch to the REP already of record, a read no longer
pending) is recorded and answered 200 with `"result": "refused"` and the reason. Dates are
`YYYY-MM-DD` and times ISO 8601 with their UTC offset, in the years {MIN_YEAR} to {MAX_YEAR}.
Any method an operation does not list is a **405**. The TDSP API has no rate limits of its
own: each TDSP is one known caller.
"""

ERROR = {
    "type": "object",
    "description": "An error (API-4).",
    "properties": {
        "code": {"type": "string", "minLength": 1},
        "message": {"type": "string", "minLength": 1},
        "field": {"type": "string", "description": "The input at fault."},
    },
    "required": ["code", "message"],
    "additionalProperties": False,
}
DATE_SUFFIX = f" (YYYY-MM-DD, {MIN_YEAR} to {MAX_YEAR})"
DECIMAL_TEXT = {"type": "string", "pattern": r"^[+-]?([0-9]{1,18}(\.[0-9]{0,18})?|\.[0-9]{1,18})$"}


def _esiid() -> Schema:
    return text(messages.ESIID_LENGTH, description="An ESIID the TDSP serves.")


def _message_id() -> Schema:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": messages.MESSAGE_ID_LENGTH,
        "pattern": whole(messages.MESSAGE_ID_PATTERN),
        "description": f"The message's own id: {messages.MESSAGE_ID_SHOWN}.",
        "example": "OC-20260315-001",
    }


def _date(description: str) -> Schema:
    return iso_date(description + DATE_SUFFIX)


def _meter_number() -> Schema:
    return {
        "type": "string",
        "maxLength": messages.METER_NUMBER_LENGTH,
        "pattern": whole(messages.METER_NUMBER_PATTERN),
        "description": f"The meter's number: {messages.METER_NUMBER_SHOWN}.",
        "example": "113000111",
    }


def _duns() -> Schema:
    return {
        "type": "string",
        "pattern": r"^([0-9]{9}|[0-9]{13})$",
        "description": "The REP's DUNS number: 9 or 13 digits (MTR-2).",
        "example": "123456789",
    }


def _kwh(description: str) -> Schema:
    """A register read or usage: kept to the watt-hour, it must stay below KWH_BELOW."""
    below = messages.KWH_BELOW - Decimal("0.0005")  # rounds up to KWH_BELOW
    return {
        "description": f"{description}: kWh, at least 0 and below {below:,}, a JSON number or "
        f"its digits as text; kept to the watt-hour (3 decimals), so below "
        f"{messages.KWH_BELOW:,} once rounded.",
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": float(below), "exclusiveMaximum": True},
            DECIMAL_TEXT,
        ],
    }


def _request_id(description: str) -> Schema:
    return text(messages.REQUEST_ID_LENGTH, description=description)


def _reason(max_length: int) -> Schema:
    return {
        "type": "string",
        "maxLength": max_length,
        "pattern": NO_CONTROL_CHARACTERS,
        "description": "Why, in the TDSP's words.",
    }


# --- the fields a premise_update or meter_update may change (MTR-1) ----------------------------


def _change(field: models.Field) -> Schema:
    """One updatable field's value, as `usage.services.ror._clean_change` checks it."""
    name = field.name
    nullable = bool(field.null)
    schema: Schema
    if isinstance(field, models.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, models.DateField):
        schema = iso_date(f"A date{DATE_SUFFIX}")
        nullable = nullable or field.blank
    elif isinstance(field, models.DecimalField):
        low, below = ror.DECIMAL_RANGES[name]
        schema = {
            "type": "number",
            "minimum": float(low),
            "maximum": float(below),
            "exclusiveMaximum": True,
            "description": f"At most {field.decimal_places} decimals; digits as text too.",
        }
    elif isinstance(field, models.IntegerField):
        least, most = ror.NUMBER_RANGES[name]
        schema = {
            "type": "integer",
            "minimum": least,
            "maximum": most,
            "description": "Digits as text too.",
        }
    else:
        assert field.max_length is not None  # the updatable text fields are CharFields
        schema = {"type": "string", "maxLength": field.max_length}
        if field.blank:
            nullable = True  # blank or null clears it
        else:
            schema["minLength"] = 1
        if field.choices:
            values = [str(value) for value, _label in field.flatchoices]
            schema["enum"] = values + [""] if field.blank else values
        elif name in ror.TEXT_FORMATS:
            pattern, shown = ror.TEXT_FORMATS[name]
            optional = "?" if field.blank else ""
            schema["pattern"] = f"^(?:{pattern.pattern}){optional}$"
            schema["description"] = shown[0].upper() + shown[1:] + "."
        else:
            schema["pattern"] = NO_CONTROL_CHARACTERS
        if name == "time_zone":
            schema["description"] = "An IANA time zone, as America/Chicago."
            schema["example"] = "America/Chicago"
    if nullable:
        schema["nullable"] = True
        if "enum" in schema:
            schema["enum"].append(None)
    return schema


def _changes(model: type[models.Model], names: list[str]) -> Schema:
    properties = {}
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        properties[name] = _change(field)
    return {
        "type": "object",
        "description": "The fields to change and their new values; any other field is a 400. "
        "A field that may be empty is cleared by a blank or null value.",
        "properties": properties,
        "minProperties": 1,
        "additionalProperties": False,
    }


# --- message types -----------------------------------------------------------------------------


def _message(kind: str, description: str, required: list[str], **fields: Schema) -> Schema:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "message_id": _message_id(),
            "type": {"type": "string", "enum": [kind]},
            **fields,
        },
        "required": ["message_id", "type", *required],
    }


def _message_types() -> dict[str, Schema]:
    """Every type `usage.tdsp.messages.tdsp_message_apply` takes, by its name."""
    han_statuses = {"type": "string", "enum": list(TDSP_STATUSES)}
    han_message_statuses = {"type": "string", "enum": list(TDSP_MESSAGE_STATUSES)}
    return {
        "switch": _message(
            "switch",
            "MTR-2: another REP becomes REP of Record at the premise.",
            ["esiid", "duns", "effective_date"],
            esiid=_esiid(),
            duns=_duns(),
            effective_date=_date("The first day of the new REP"),
        ),
        "move_in": _message(
            "move_in",
            "MTR-2: a customer moves in with a REP.",
            ["esiid", "duns", "effective_date"],
            esiid=_esiid(),
            duns=_duns(),
            effective_date=_date("The move-in day"),
        ),
        "move_out": _message(
            "move_out",
            "MTR-2: the customer moves out; agreements and HAN messaging on the meter end.",
            ["esiid", "effective_date"],
            esiid=_esiid(),
            effective_date=_date("The move-out day"),
        ),
        "meter_exchange": _message(
            "meter_exchange",
            "MTR-3: a new meter at the premise; access and history continue.",
            ["esiid", "meter_number", "exchange_date"],
            esiid=_esiid(),
            meter_number=_meter_number(),
            exchange_date=_date("The exchange day"),
            is_smart={
                "type": "boolean",
                "default": True,
                "description": "false for a conventional meter: it ends data availability.",
            },
        ),
        "premise_update": _message(
            "premise_update",
            "MTR-1: corrections to the premise's fields.",
            ["esiid", "changes"],
            esiid=_esiid(),
            changes=_changes(Premise, ror.PREMISE_UPDATABLE),
        ),
        "meter_update": _message(
            "meter_update",
            "MTR-1: corrections to the fields of the meter in service.",
            ["esiid", "meter_number", "changes"],
            esiid=_esiid(),
            meter_number=_meter_number(),
            changes=_changes(Meter, ror.METER_UPDATABLE),
        ),
        messages.ODR_RESULT: _message(
            messages.ODR_RESULT,
            "USG-11: the answer to an On Demand Read the portal asked for. COMPLETED needs "
            "`register_read` and `read_at`; FAILED may say why (`reason`).",
            ["request_id", "status"],
            request_id=_request_id("The request id the portal sent with the read."),
            status={
                "type": "string",
                "enum": list(messages.ODR_STATUSES),
                "description": "Upper or lower case.",
            },
            register_read=_kwh("The meter's register read"),
            read_at={
                "type": "string",
                "format": "date-time",
                "maxLength": 40,
                "description": "When the meter was read: ISO 8601 with its UTC offset.",
            },
            usage_kwh=_kwh("The usage since the last read"),
            reason=_reason(messages.REASON_LENGTH),
        ),
        HAN_STATUS: _message(
            HAN_STATUS,
            "HAN-7: a status of a HAN device provision or removal the portal sent.",
            ["request_id", "status"],
            request_id=_request_id("The request id the portal sent with the HAN request."),
            status={**han_statuses, "description": "Upper or lower case."},
            reason=_reason(HAN_REASON_LENGTH),
        ),
        HAN_MESSAGE_STATUS: _message(
            HAN_MESSAGE_STATUS,
            "HAN-9: delivered, confirmed or failed, for a HAN device message the portal sent.",
            ["request_id", "status"],
            request_id=_request_id("The request id the portal sent with the HAN message."),
            status={**han_message_statuses, "description": "Upper or lower case."},
            reason=_reason(HAN_REASON_LENGTH),
        ),
    }


def _schema_name(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_")) + "Message"


# --- answers -----------------------------------------------------------------------------------

RESULTS = ["accepted", "refused", "ignored", files.PROCESSING, "loaded", "failed"]
OUTCOME_FIELDS: dict[str, Schema] = {
    "result": {
        "type": "string",
        "enum": RESULTS,
        "description": "A message: accepted, refused (`reason` says why) or ignored (a "
        "status that would move a request backwards, `note`). A usage file: processing, "
        "loaded, refused or failed.",
    },
    "reason": {"type": "string"},
    "note": {"type": "string"},
    "esiid": {"type": "string"},
    "ror_duns": {"type": "string", "nullable": True},
    "meter_number": {"type": "string"},
    "changed": {"type": "array", "items": {"type": "string"}},
    "request_id": {"type": "string"},
    "odr_status": {"type": "string"},
    "han_status": {"type": "string"},
    "message_status": {"type": "string"},
    "kind": {"type": "string", "description": "The usage file's kind, by its header."},
    "rows_read": {"type": "integer"},
    "stored": {"type": "integer"},
    "new_versions": {"type": "integer"},
    "older_versions": {"type": "integer"},
    "unchanged": {"type": "integer"},
    "skipped": {"type": "integer"},
    "line": {"type": "integer", "description": "The line a refused file stopped at."},
    "errors": {
        "type": "array",
        "description": f"The bad rows, at most {files.ERRORS_IN_OUTCOME:,}.",
        "items": {
            "type": "object",
            "properties": {"line": {"type": "integer"}, "message": {"type": "string"}},
            "required": ["line", "message"],
        },
    },
}


def _schemas() -> dict[str, Schema]:
    types = _message_types()
    schemas: dict[str, Schema] = {"Error": ERROR}
    schemas.update({_schema_name(kind): schema for kind, schema in types.items()})
    schemas["Message"] = {
        "description": "One message; `type` says which.",
        "oneOf": [ref(_schema_name(kind)) for kind in types],
        "discriminator": {
            "propertyName": "type",
            "mapping": {kind: ref(_schema_name(kind))["$ref"] for kind in types},
        },
    }
    schemas["MessageAnswer"] = {
        "type": "object",
        "description": "What became of the message (the first answer again for a duplicate).",
        "properties": {
            "message_id": {"type": "string"},
            "status": {"type": "string", "enum": ["processed", "duplicate"]},
            **OUTCOME_FIELDS,
        },
        "required": ["message_id", "status", "result"],
    }
    schemas["UsageFile"] = {
        "type": "object",
        "properties": {
            "message_id": _message_id(),
            "file": {
                "type": "string",
                "format": "binary",
                "description": f"The CSV file (docs/tdsp-files.md), at most "
                f"{files.MAX_UPLOAD_BYTES // 2**20} MB.",
            },
        },
        "required": ["message_id", "file"],
    }
    schemas["UsageFileAnswer"] = {
        "type": "object",
        "description": "What became of the file so far.",
        "properties": {
            "message_id": {"type": "string"},
            "status": {"type": "string", "enum": ["received", "duplicate"]},
            "status_url": {
                "type": "string",
                "description": "Where to ask what became of it (GET).",
            },
            **OUTCOME_FIELDS,
        },
        "required": ["message_id", "status", "status_url", "result"],
    }
    return schemas


def _error(description: str) -> Schema:
    return answer(description, ref("Error"))


UNAUTHORIZED = _error("The key is missing or unknown.")
BAD_BODY = (
    "The body is not a JSON object (or too large, too deep, holds a NUL or an unpaired "
    "surrogate: `field` is `body` or the field holding it), or a field is missing or not in "
    "its format (`field` names it), or the type is unknown."
)


def _paths() -> dict[str, Any]:
    return {
        f"{PREFIX}/messages": {
            "post": {
                "operationId": "messageSend",
                "summary": "Send one message",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("Message")}},
                },
                "responses": {
                    "200": answer("Applied, refused, or a duplicate.", ref("MessageAnswer")),
                    "400": _error(BAD_BODY),
                    "401": UNAUTHORIZED,
                    "404": _error("The ESIID or request id is not the TDSP's (`field` names it)."),
                },
            }
        },
        f"{PREFIX}/usage-files": {
            "post": {
                "operationId": "usageFileUpload",
                "summary": "Upload a usage file (USG-2)",
                "description": "A worker loads it; ask the `status_url` what became of it. "
                "The answer for a message id seen before is that message's, whatever was sent "
                "this time.",
                "requestBody": {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": ref("UsageFile")}},
                },
                "responses": {
                    "200": answer("A duplicate: the first file's outcome.", ref("UsageFileAnswer")),
                    "202": answer("Received; a worker loads it.", ref("UsageFileAnswer")),
                    "400": _error(
                        "Not a readable multipart form (`field`: body), message_id missing or "
                        "not in its format, file missing or too large (`FILE_TOO_LARGE`)."
                    ),
                    "401": UNAUTHORIZED,
                },
            }
        },
        f"{PREFIX}/usage-files/{{message_id}}": {
            "get": {
                "operationId": "usageFileStatus",
                "summary": "What became of an uploaded usage file",
                "parameters": [
                    {
                        "name": "message_id",
                        "in": "path",
                        "required": True,
                        "schema": _message_id(),
                    }
                ],
                "responses": {
                    "200": answer(
                        "Processing, loaded (with its bad rows) or refused.",
                        ref("UsageFileAnswer"),
                    ),
                    "400": _error("The URL holds a NUL character or is not UTF-8."),
                    "401": UNAUTHORIZED,
                    "404": _error("No usage file of the TDSP has this id."),
                },
            }
        },
    }


def message_types() -> list[str]:
    """The message types the document describes."""
    return list(_message_types())


def tdsp_document() -> Document:
    """The document, as /tdsp-api/v1/openapi.json serves it."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": "1", "description": DESCRIPTION},
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                KEY: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <key>`: the TDSP's key (create_tdsp_credential).",
                }
            },
        },
        "security": [{KEY: []}],
    }
