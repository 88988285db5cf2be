"""BEY-3, SEC-5: the 3rd-party API's published limits, per token, counted in the shared cache.

Every answer under /tp-api/ carries `RateLimit-Limit`, `RateLimit-Remaining`,
`RateLimit-Reset` (seconds) and `RateLimit-Policy`; past a limit the answer is 429 with
`Retry-After` and the API-4 body `{"code": "RATE_LIMITED", "message", "retryAfter"}`. A call
without a live token (none, unknown, revoked) is counted per client address, more strictly,
so a token-guessing loop is slowed. POSTs with a live token go through `Idempotency-Key`.
"""

import copy
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.ratelimit import RateLimit, client_address
from smt.api.common.limits import ApiLimitMiddleware, LimitState, too_many_requests_message
from smt.api.common.requests import authorization_credential
from smt.lib.sandbox import sandbox_mode

from .auth import SCHEME, personal_token_of
from .errors import error_body
from .idempotency import HEADER, KEEP_SECONDS, REPLAYED_HEADER, idempotent_answer

MINUTE, DAY = 60, 24 * 60 * 60
READS_PER_MINUTE = 600  # BEY-3: GET, HEAD, OPTIONS per token
WRITES_PER_MINUTE = 60  # BEY-3: POST, PUT, PATCH, DELETE per token
CALLS_PER_DAY = 50_000  # BEY-3: every call per token, per UTC day
ANONYMOUS_PER_MINUTE = 30  # SEC-5: calls without a live token, per client address
ANONYMOUS_PER_DAY = 1_000  # SEC-5

TOKEN_READS = RateLimit("tp-api-token-reads", limit=READS_PER_MINUTE, window_seconds=MINUTE)
TOKEN_WRITES = RateLimit("tp-api-token-writes", limit=WRITES_PER_MINUTE, window_seconds=MINUTE)
TOKEN_DAY = RateLimit("tp-api-token-day", limit=CALLS_PER_DAY, window_seconds=DAY)
ANONYMOUS_MINUTE = RateLimit(
    "tp-api-anonymous-minute", limit=ANONYMOUS_PER_MINUTE, window_seconds=MINUTE
)
ANONYMOUS_DAY = RateLimit("tp-api-anonymous-day", limit=ANONYMOUS_PER_DAY, window_seconds=DAY)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ThirdPartyLimitMiddleware(ApiLimitMiddleware):
    """The 3rd-party API's limits and Idempotency-Key (settings.MIDDLEWARE)."""

    prefixes = ("/tp-api/",)

    def _token(self, request: HttpRequest) -> tuple[Any, Any] | None:
        return personal_token_of(request, authorization_credential(request, SCHEME))

    def bucket(self, request: HttpRequest) -> tuple[str, Sequence[RateLimit]]:
        found = self._token(request)
        if found is None:
            return f"address:{client_address(request)}", (ANONYMOUS_MINUTE, ANONYMOUS_DAY)
        minute = TOKEN_READS if request.method in READ_METHODS else TOKEN_WRITES
        return f"token:{found[1].pk}", (minute, TOKEN_DAY)

    def refusal(self, state: LimitState) -> HttpResponse:
        body = error_body(
            "RATE_LIMITED", too_many_requests_message(state), retryAfter=state.retry_after
        )
        return JsonResponse(body, status=429)

    def answer(self, request: HttpRequest) -> HttpResponse:
        found = self._token(request)
        if found is None:
            return self.get_response(request)
        user, token = found
        # BEY-5: a test token works in its company's sandbox, and every answer says which.
        with sandbox_mode(user.company_id if token.sandbox else None):
            if request.method == "POST":
                response = idempotent_answer(
                    request, user_id=user.pk, get_response=self.get_response
                )
            else:
                response = self.get_response(request)
        response[SANDBOX_HEADER] = "true" if token.sandbox else "false"
        return response


LIMITS_DESCRIPTION = f"""

## Limits (BEY-3)

Per token: **{READS_PER_MINUTE} reads** (GET) and **{WRITES_PER_MINUTE} writes** (POST, PUT,
PATCH, DELETE) **a minute**, and **{CALLS_PER_DAY:,} calls a day** (UTC). Calls without a live
token are limited per client address: {ANONYMOUS_PER_MINUTE} a minute, {ANONYMOUS_PER_DAY:,} a
day. Windows are fixed (a minute starts at :00 seconds; a day at 00:00 UTC).

Every answer, errors included, carries `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds until the window ends) for the window closest to its limit, and
`RateLimit-Policy` with every window (`{READS_PER_MINUTE};w={MINUTE}, \
{CALLS_PER_DAY};w={DAY}`). Past a limit the answer is **429** with `Retry-After` (seconds)
and `{{"code": "RATE_LIMITED", "message": …, "retryAfter": seconds}}`.

## Idempotency-Key

Send `Idempotency-Key: <1-255 printable ASCII characters>` (a UUID is a good choice) with a
POST to retry it safely: for {KEEP_SECONDS // 3600} hours a retry with the same key and body
returns the first answer again with `{REPLAYED_HEADER}: true` and creates nothing. The same
key with another body is 422 `IDEMPOTENCY_KEY_REUSED`; a retry while the first request still
runs is 409 `IDEMPOTENCY_KEY_IN_USE`. 401, 403, 404, 409, 429 and 5xx answers are not kept:
a retry runs again.
"""

SANDBOX_HEADER = "SMT-Sandbox"  # BEY-5: "true" on every answer to a test token

_LIMIT_HEADERS = {
    "RateLimit-Limit": "the limit of the window closest to being used up",
    "RateLimit-Remaining": "calls left in that window",
    "RateLimit-Reset": "seconds until that window ends",
    "RateLimit-Policy": "every window: limit;w=seconds",
}


def _error_response(
    description: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An API-4 error answer for the document: code, message, field, and `extra` fields."""
    properties = {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": "string"},
        **(extra or {}),
    }
    schema = {"type": "object", "properties": properties, "required": ["code", "message"]}
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        "headers": dict(headers or {}),
    }


# API-4: the errors any operation may answer, beside those its view documents itself (a view's
# own `extend_schema` responses win). Schemathesis checks every answer against the document.
_FIELD_ERRORS = {"type": "object", "additionalProperties": {"type": "array", "items": {}}}
_COMMON_ERRORS = {
    "401": "No live token: missing, unknown or revoked, or its user may no longer sign in.",
    "403": "The token's user may not do this (its role, its company's functions).",
    "404": "Nothing by this id (or ESIID) that the token's user may see (USG-12).",
}
_INPUT_ERRORS = {
    "400": "An input is not valid: `field` names the first at fault, `errors` (when more than "
    "one) every field's messages, or the body is not JSON (`MALFORMED_JSON`).",
}
_BODY_ERRORS = {"415": "The body is not `application/json`."}


def _document_errors(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    errors = dict(_COMMON_ERRORS)
    if operation.get("parameters") or operation.get("requestBody"):
        errors.update(_INPUT_ERRORS)
    if operation.get("requestBody"):
        errors.update(_BODY_ERRORS)
    for status, description in errors.items():
        extra = {"errors": _FIELD_ERRORS} if status == "400" else None
        responses.setdefault(status, _error_response(description, extra))


def document_limits(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the limits in the description, the headers on
    every answer, a 429 on every operation and Idempotency-Key on every POST; and the API-4
    errors every operation may answer (400, 401, 403, 404, 415)."""
    result.setdefault("info", {})
    result["info"]["description"] = result["info"].get("description", "") + LIMITS_DESCRIPTION
    headers = {
        name: {
            "description": text,
            "schema": {"type": "integer" if name != "RateLimit-Policy" else "string"},
        }
        for name, text in _LIMIT_HEADERS.items()
    }
    headers[SANDBOX_HEADER] = {
        "description": "with a token: `true` for a test token's sandbox answer (BEY-5)",
        "schema": {"type": "string", "enum": ["true", "false"]},
    }
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _document_errors(operation)  # before the Idempotency-Key parameter below
            responses = operation["responses"]
            responses.setdefault(
                "429",
                _error_response(
                    "A limit is used up (BEY-3); retry after `Retry-After` seconds.",
                    {"retryAfter": {"type": "integer"}},
                    {"Retry-After": {"schema": {"type": "integer"}}},
                ),
            )
            if method == "post":
                responses.setdefault(
                    "409", _error_response("This Idempotency-Key's first request still runs.")
                )
                responses.setdefault(
                    "422", _error_response("This Idempotency-Key was used with another body.")
                )
                operation.setdefault("parameters", []).append(
                    {
                        "in": "header",
                        "name": HEADER,
                        "required": False,
                        "description": "Retry this POST safely: the first answer is kept "
                        f"{KEEP_SECONDS // 3600} hours (API-2).",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    }
                )
            for response in responses.values():
                response.setdefault("headers", {}).update(copy.deepcopy(headers))
    return result
