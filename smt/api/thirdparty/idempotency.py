"""API-2: `Idempotency-Key` on every POST of the 3rd-party API, so a client may retry safely.

The first answer to (the token's user, key, method, path) is kept for 24 hours; a retry with
the same key and the same body gets that answer again, with `Idempotent-Replayed: true`, and
creates nothing. The same key with another body is a 422; a retry while the first request
is still running is a 409. The header is optional: without it a POST runs as sent.

Applied by `ThirdPartyLimitMiddleware` to every POST under /tp-api/ with a live token, so a
new endpoint needs nothing to opt in. Records live in the shared cache (Redis in production):
`cache.add` claims a key atomically across workers; a lost or flushed cache loses the replay
protection of the keys it held (docs/decisions.md).
"""

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from smt.lib.sandbox import in_sandbox

from .errors import error_body

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_SECONDS = 24 * 60 * 60  # API-2: a key's first answer is kept 24 hours
# The longest a request may hold its key while running: a worker killed mid-request frees
# its key after this, instead of 24 hours of 409s.
RUNNING_SECONDS = 5 * 60
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")  # 1-255 printable ASCII characters
# Answers that depend on state outside the request (permissions, a concurrent request, a
# limit, an object not there yet) and server errors are not kept: a retry runs again.
NOT_KEPT = frozenset({401, 403, 404, 409, 429})

RUNNING, DONE = "running", "done"


def _slot(*, user_id: int, key: str, method: str, path: str) -> str:
    # BEY-5: a test token's keys never replay a live answer, nor the other way round.
    mode = "sandbox" if in_sandbox() else "live"
    digest = hashlib.sha256(f"{user_id}\n{mode}\n{method}\n{path}\n{key}".encode()).hexdigest()
    return f"idempotency:tp-api:{digest}"


def _fingerprint(request: HttpRequest) -> str | None:
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return hashlib.sha256(request.META.get("QUERY_STRING", "").encode() + b"\n" + body).hexdigest()


def _refusal(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message, HEADER), status=status)


def _replay(record: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(
        record["content"], status=record["status"], content_type=record["content_type"]
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _keeps(response: HttpResponse) -> bool:
    return (
        not response.streaming
        and response.status_code < 500
        and response.status_code not in NOT_KEPT
    )


def idempotent_answer(
    request: HttpRequest, *, user_id: int, get_response: Callable[[HttpRequest], HttpResponse]
) -> HttpResponse:
    """The answer to a POST of user `user_id`: run once per `Idempotency-Key`, replayed after."""
    key = request.headers.get(HEADER)
    if key is None:
        return get_response(request)
    if not KEY_PATTERN.fullmatch(key):
        return _refusal(
            400,
            "INVALID",
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
        )
    fingerprint = _fingerprint(request)
    if fingerprint is None:  # too large: the view refuses it, and nothing is created
        return get_response(request)
    slot = _slot(user_id=user_id, key=key, method=request.method or "", path=request.path)
    record = cache.get(slot)
    if record is None and cache.add(
        slot, {"state": RUNNING, "fingerprint": fingerprint}, timeout=RUNNING_SECONDS
    ):
        return _run(request, slot=slot, fingerprint=fingerprint, get_response=get_response)
    record = record or cache.get(slot) or {"state": RUNNING, "fingerprint": fingerprint}
    if record["fingerprint"] != fingerprint:
        return _refusal(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used with another request body; use a new key.",
        )
    if record["state"] == RUNNING:
        return _refusal(
            409,
            "IDEMPOTENCY_KEY_IN_USE",
            "A request with this Idempotency-Key is still running; retry after it ends.",
        )
    return _replay(record)


def _run(
    request: HttpRequest,
    *,
    slot: str,
    fingerprint: str,
    get_response: Callable[[HttpRequest], HttpResponse],
) -> HttpResponse:
    try:
        response = get_response(request)
    except BaseException:
        cache.delete(slot)
        raise
    if _keeps(response):
        record = {
            "state": DONE,
            "fingerprint": fingerprint,
            "status": response.status_code,
            "content": response.content,
            "content_type": response.get("Content-Type", "application/json"),
        }
        cache.set(slot, record, timeout=KEEP_SECONDS)
    else:
        cache.delete(slot)
    return response
