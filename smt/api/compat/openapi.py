"""The SMT-compatible API's OpenAPI 3 document (API-1, API-4, BEY-3), built from the constants
its views and limits check against (`smt.api.common.openapi`). Served at /api/openapi.json,
/api/openapi.yaml and /api/docs/."""

from typing import Any

from accounts.services import API_TOKEN_IDLE_MINUTES, LOCKOUT_FAILURES
from smt.api.common.openapi import (
    NO_CONTROL_CHARACTERS,
    OPENAPI_VERSION,
    Document,
    Schema,
    answer,
    header,
    json_body,
    ref,
    text,
    us_date,
    with_headers,
)
from smt.api.common.requests import MAX_BODY_BYTES, MAX_BODY_DEPTH
from smt.api.compat import limits, views
from smt.lib.fields import MAX_YEAR, MIN_YEAR
from usage.models import Channel, Premise

TITLE = "Smart Meter Texas portal: SMT-compatible API"
TOKEN = "smtToken"  # the security scheme: the token of /commonapi/user/authenticate
BEARER_ONLY: list[dict[str, list[str]]] = [{TOKEN: []}]

DESCRIPTION = f"""\
The JSON API existing Smart Meter Texas client programs call (API-1), on SMT's own paths and
with SMT's own request and answer shapes, so they run unchanged against the portal.

Sign in with `POST /commonapi/user/authenticate`; send the token it answers as
`Authorization: Bearer <token>` on every other call. A token dies after
{API_TOKEN_IDLE_MINUTES} quiet minutes (each call restarts them); sign in again for a new one.
An expired or unknown token is a **401** `{{"message": "Invalid Token"}}`.

Every operation is a `POST` with a JSON object body (at most {MAX_BODY_BYTES:,} bytes,
nested at most {MAX_BODY_DEPTH} levels deep, no NUL character or unpaired surrogate in any
string); any other method is a **405**. An error is JSON in SMT's shape: `errorCode`,
`errormessage` and, when one input is at fault, the `field` (API-4). Fields a client sends
beyond those listed (SMT's `trans_id`, `requestorID`, `reportFormat`…) are ignored. Dates are
`MM/DD/YYYY`, in the years {MIN_YEAR} to {MAX_YEAR}.

## Limits (BEY-3)

Per token user (a new token does not start a new count): **{limits.CALLS_PER_MINUTE} calls a
minute** and **{limits.CALLS_PER_DAY:,} calls a day** (UTC). Calls without a live token
(sign-in included) are limited per client address: {limits.ANONYMOUS_PER_MINUTE} a minute,
{limits.ANONYMOUS_PER_DAY:,} a day. Windows are fixed (a minute starts at :00 seconds; a day
at 00:00 UTC). Sign-in failures have their own limits (per user ID and per address) and lock
an account after {LOCKOUT_FAILURES} in a row (403).

Every answer, errors included (but a URL holding a NUL or bytes that are not UTF-8, refused
before it is counted), carries `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds until the window ends) for the window closest to its limit, and
`RateLimit-Policy` with every window (`{limits.CALLS_PER_MINUTE};w={limits.MINUTE},
{limits.CALLS_PER_DAY};w={limits.DAY}`). Past a limit the answer is **429** with
`Retry-After` (seconds) and `{{"errorCode": "RATE_LIMITED", "errormessage": …,
"retryAfter": seconds}}`. On Demand Read has a limit per meter as well (USG-11): its 429 is
SMT's `FLR` answer, with `Retry-After` when the next request's time is known.
"""

LIMIT_HEADERS = {
    "RateLimit-Limit": header("The limit of the window closest to being used up."),
    "RateLimit-Remaining": header("Calls left in that window."),
    "RateLimit-Reset": header("Seconds until that window ends."),
    "RateLimit-Policy": header("Every window: `limit;w=seconds`, comma-separated.", "string"),
}
RETRY_AFTER = header("Seconds until the limit's window ends.")


def _esiid() -> Schema:
    return text(views.ESIID_LENGTH, description="An ESIID the caller may see.")


def _date(description: str) -> Schema:
    return us_date(f"{description}, MM/DD/YYYY ({MIN_YEAR} to {MAX_YEAR}).")


def _schemas() -> dict[str, Schema]:
    odr_statuses = sorted(set(views.ODR_STATUSES.values()))
    number = {"type": "string", "description": "A decimal number, or empty when unknown."}
    us_date = {"type": "string", "pattern": "^[0-9]{2}/[0-9]{2}/[0-9]{4}$"}  # API_DATE_FORMAT

    def nullable_us_date(description: str) -> Schema:
        return {**us_date, "nullable": True, "description": description}

    error_fields: dict[str, Schema] = {
        "errorCode": {"type": "string", "minLength": 1},
        "errormessage": {"type": "string", "minLength": 1},
        "field": {"type": "string", "description": "The input at fault."},
    }
    return {
        "Error": {
            "type": "object",
            "description": "An error in SMT's shape (API-4).",
            "properties": error_fields,
            "required": ["errorCode", "errormessage"],
            "additionalProperties": False,
        },
        "RateLimited": {
            "type": "object",
            "description": "A limit is used up (BEY-3, SEC-5).",
            "properties": {
                **error_fields,
                "errorCode": {"type": "string", "enum": ["RATE_LIMITED"]},
                "retryAfter": {"type": "integer", "minimum": 1},
            },
            "required": ["errorCode", "errormessage", "retryAfter"],
            "additionalProperties": False,
        },
        "InvalidToken": {
            "type": "object",
            "properties": {"message": {"type": "string", "enum": ["Invalid Token"]}},
            "required": ["message"],
            "additionalProperties": False,
        },
        "Esiids": {
            "description": f"One ESIID, or a list of 1 to {views.MAX_ESIIDS}.",
            "oneOf": [
                _esiid(),
                {
                    "type": "array",
                    "items": _esiid(),
                    "minItems": 1,
                    "maxItems": views.MAX_ESIIDS,
                },
            ],
        },
        "AuthenticateRequest": {
            "type": "object",
            "properties": {
                "username": {"type": "string", "minLength": 1, "description": "The user ID."},
                "password": {"type": "string"},
                "rememberMe": {"type": "boolean", "description": "Accepted and ignored."},
            },
            "required": ["username", "password"],
        },
        "MeterRequest": {
            "type": "object",
            "properties": {
                "esiid": {
                    "type": "string",
                    "maxLength": views.ESIID_LENGTH,
                    "pattern": NO_CONTROL_CHARACTERS,
                    "description": "`*` (or blank, or left out) for every meter the caller "
                    "may see; else one ESIID.",
                    "example": "*",
                }
            },
        },
        "UsageRequest": {
            "type": "object",
            "description": f"At most {views.MAX_RANGE_DAYS} days, startDate to endDate.",
            "properties": {
                "startDate": _date("The first day"),
                "endDate": _date("The last day"),
                "ESIID": ref("Esiids"),
                "reportFormat": {"type": "string", "description": "Accepted and ignored."},
            },
            "required": ["startDate", "endDate", "ESIID"],
        },
        "MonthlyRequest": {
            "type": "object",
            "description": "The billing periods overlapping startDate to endDate, at most "
            f"{views.MONTHLY_RANGE_DAYS} days apart (24 months).",
            "properties": {
                "startDate": _date("The first day"),
                "endDate": _date("The last day"),
                "ESIID": ref("Esiids"),
                "reportFormat": {"type": "string", "description": "Accepted and ignored."},
            },
            "required": ["startDate", "endDate", "ESIID"],
        },
        "OdrRequest": {
            "type": "object",
            "properties": {
                "ESIID": _esiid(),
                "MeterNumber": text(
                    views.METER_NUMBER_LENGTH, description="The meter in service at the ESIID."
                ),
            },
            "required": ["ESIID", "MeterNumber"],
        },
        "LatestOdrRequest": {
            "type": "object",
            "properties": {"ESIID": _esiid()},
            "required": ["ESIID"],
        },
        "Token": {
            "type": "object",
            "properties": {"token": {"type": "string", "minLength": 1}},
            "required": ["token"],
            "additionalProperties": False,
        },
        "Meters": _data(
            {
                "type": "array",
                "items": _object(
                    esiid={"type": "string"},
                    meterNumber={"type": "string", "description": "Empty when none is in service."},
                    address={"type": "string"},
                    city={"type": "string"},
                    state={"type": "string"},
                    zip={"type": "string"},
                    tdsp={"type": "string"},
                    status={"type": "string", "enum": list(Premise.Status.values)},
                    freshness=_object(
                        lastIntervalDate=nullable_us_date(
                            "BEY-4: the newest day with 15-minute data; null when none."
                        ),
                        lastIntervalReceived={
                            "type": "string",
                            "nullable": True,
                            "pattern": "^[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
                            "description": "When that day's current version arrived "
                            "(America/Chicago).",
                        },
                        lastDailyReadDate=nullable_us_date("The newest day with a daily read."),
                        lastMonthlyEndDate=nullable_us_date("The newest billing period's end."),
                        gapDays={
                            "type": "integer",
                            "minimum": 0,
                            "description": "Days of the last 90 (up to two days ago) without "
                            "15-minute data or with estimated or missing intervals.",
                        },
                        staleDays={
                            "type": "integer",
                            "nullable": True,
                            "minimum": 0,
                            "description": "Days the newest day lags behind the latest "
                            "available day (two days ago); 0 up to date; null without data.",
                        },
                    ),
                ),
            }
        ),
        "IntervalData": _data(
            _object(
                energyData={
                    "type": "array",
                    "items": _object(
                        ESIID={"type": "string"},
                        DT=us_date,
                        RT={"type": "string", "enum": list(Channel.values)},
                        RD={
                            "type": "string",
                            "description": f"{views.SLOTS_PER_DAY} comma-separated slots, "
                            '"kWh-Q" each (Q: A actual, E estimated), in local time; slots '
                            "8-11 hold the repeated 1 AM hour of the fall-back day, blank on "
                            "other days; a missing value is blank.",
                        },
                    ),
                },
                errorMessage={"type": "string"},
            )
        ),
        "DailyData": _data(
            _object(
                dailyData={
                    "type": "array",
                    "items": _object(
                        ESIID={"type": "string"},
                        DT=us_date,
                        startReading=number,
                        endReading=number,
                        reading=number,
                    ),
                },
                errorMessage={"type": "string"},
            )
        ),
        "MonthlyData": _data(
            _object(
                monthlyData={
                    "type": "array",
                    "items": _object(
                        ESIID={"type": "string"},
                        startDate=us_date,
                        endDate=us_date,
                        actualkWh=number,
                        meteredKW=number,
                    ),
                },
                errorMessage={"type": "string"},
            )
        ),
        "OdrRequested": _data(
            _object(
                RequestStatus={"type": "string", "enum": ["SUCCESS"]},
                statusCode={"type": "string", "enum": ["0"]},
                statusReason={"type": "string"},
                odrstatus={"type": "string", "enum": odr_statuses},
            )
        ),
        "OdrRefused": {
            "type": "object",
            "description": "SMT's answer when the meter's On Demand Read limit holds (USG-11).",
            "properties": {
                **error_fields,
                "errorCode": {"type": "string", "enum": [views.ODR_LIMIT_CODE]},
                "retryAfter": {"type": "integer", "minimum": 1},
                "data": _object(
                    RequestStatus={"type": "string", "enum": ["FLR"]},
                    statusCode={"type": "string", "enum": [views.ODR_LIMIT_CODE]},
                    statusReason={"type": "string"},
                    nextRequestAt={
                        "type": "string",
                        "description": "ISO 8601, when the next request is possible; empty "
                        "when unknown.",
                    },
                ),
            },
            "required": ["errorCode", "errormessage", "data"],
            "additionalProperties": False,
        },
        "LatestOdr": _data(
            _object(
                odrstatus={"type": "string", "enum": odr_statuses},
                odrread={"type": "string", "description": "kWh; empty until read."},
                odrusage={"type": "string", "description": "kWh; empty when unknown."},
                odrdate={
                    "type": "string",
                    "description": "MM/DD/YYYY HH:MM:SS, America/Chicago; empty until read.",
                },
                responseMessage={"type": "string"},
            )
        ),
    }


def _object(**properties: Schema) -> Schema:
    """An answer's object: every property always there, nothing else."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _data(schema: Schema) -> Schema:
    return _object(data=schema)


def _error(description: str) -> Schema:
    return answer(description, ref("Error"))


BAD_BODY = (
    "The body is not a JSON object (or too large, too deep, holds a NUL or an unpaired "
    "surrogate: `field` is `body` or the field holding it), or a field is missing or not in "
    "its format (`field` names it)."
)


def _operation(
    operation_id: str,
    summary: str,
    request: str,
    ok: Schema,
    *,
    errors: dict[str, Schema],
    description: str = "",
    signed_in: bool = True,
) -> Schema:
    responses: dict[str, Schema] = {"200": ok, "400": _error(BAD_BODY), **errors}
    if signed_in:
        responses["401"] = answer("The token is missing, unknown or expired.", ref("InvalidToken"))
    responses.setdefault(
        "429",
        answer(
            "A limit is used up (BEY-3); retry after `Retry-After` seconds.",
            ref("RateLimited"),
            **{"Retry-After": RETRY_AFTER},
        ),
    )
    operation: Schema = {
        "summary": summary,
        "operationId": operation_id,
        "requestBody": json_body(ref(request)),
        "responses": dict(sorted(responses.items())),
    }
    if description:
        operation["description"] = description
    operation["security"] = BEARER_ONLY if signed_in else []
    return operation


def _paths() -> dict[str, Any]:
    not_found = _error("An ESIID the caller may not see, or that does not exist (USG-12).")
    usage_errors = {"404": not_found}
    return {
        "/commonapi/user/authenticate": {
            "post": _operation(
                "authenticate",
                "Sign in: a token for the other calls",
                "AuthenticateRequest",
                answer("Signed in.", ref("Token")),
                signed_in=False,
                description="400 `ERR-USR-INVALIDPASSWORDERROR` for a wrong user ID or "
                "password (counted toward the lockout, ACC-11), `ERR-USR-SETUP` while the "
                "account must still finish its first log in on the portal; 403 "
                "`ERR-USR-LOCKED` for a locked account; 429 past a sign-in limit (SEC-5).",
                errors={
                    "403": _error("The account is locked (ACC-11)."),
                    "429": answer(
                        "A limit is used up: the API's, or the sign-in failures' (SEC-5); "
                        "retry after `Retry-After` seconds.",
                        ref("RateLimited"),
                        **{"Retry-After": RETRY_AFTER},
                    ),
                },
            )
        },
        "/api/meter": {
            "post": _operation(
                "meters",
                "The meters the caller may see",
                "MeterRequest",
                answer(
                    "The meters, by ESIID; an ESIID not seen gives an empty list.", ref("Meters")
                ),
                errors={},
            )
        },
        "/api/ondemandread": {
            "post": _operation(
                "onDemandRead",
                "Request an On Demand Read of a meter (USG-11)",
                "OdrRequest",
                answer("Requested; poll /api/usage/latestodrread.", ref("OdrRequested")),
                description="400 `INVALID_METER` when MeterNumber is not the meter in service "
                "at the ESIID; 403 `NOT_ALLOWED` for a meter shared with the caller to see "
                "only (ACC-22); 429 `5031` (SMT's FLR answer) while the meter's limit holds.",
                errors={
                    "403": _error("The meter is shared with the caller to see only (ACC-22)."),
                    "404": not_found,
                    "429": answer(
                        "The API's limit (`RATE_LIMITED`, BEY-3) or the meter's On Demand "
                        f"Read limit (`{views.ODR_LIMIT_CODE}`, USG-11).",
                        {"oneOf": [ref("RateLimited"), ref("OdrRefused")]},
                        **{"Retry-After": header(RETRY_AFTER["description"], required=False)},
                    ),
                },
            )
        },
        "/api/usage/latestodrread": {
            "post": _operation(
                "latestOnDemandRead",
                "The latest On Demand Read of a meter (USG-11)",
                "LatestOdrRequest",
                answer("The latest read: pending, completed or failed.", ref("LatestOdr")),
                errors={
                    "404": _error(
                        "An ESIID the caller may not see, or no On Demand Read requested yet "
                        "(`ODR_NOT_FOUND`)."
                    )
                },
            )
        },
        "/api/adhoc/intervalsynch": {
            "post": _operation(
                "intervalSynch",
                "15-minute usage, day by day",
                "UsageRequest",
                answer(
                    "One row per ESIID, day and channel; days outside the caller's data window "
                    "(a 3rd party's agreement) are left out.",
                    ref("IntervalData"),
                ),
                errors=usage_errors,
            )
        },
        "/api/adhoc/dailysynch": {
            "post": _operation(
                "dailySynch",
                "Daily register reads",
                "UsageRequest",
                answer("One row per ESIID and day.", ref("DailyData")),
                errors=usage_errors,
            )
        },
        "/api/adhoc/monthlysynch": {
            "post": _operation(
                "monthlySynch",
                "Monthly usage by billing period",
                "MonthlyRequest",
                answer("One row per ESIID and billing period.", ref("MonthlyData")),
                errors=usage_errors,
            )
        },
    }


def compat_document() -> Document:
    """The document, as /api/openapi.json serves it."""
    paths = _paths()
    with_headers(paths, LIMIT_HEADERS)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": "1", "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                TOKEN: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token of POST /commonapi/user/authenticate.",
                }
            },
        },
        "security": BEARER_ONLY,
    }
