"""Rate limits of the APIs (SEC-5, BEY-3): the counting lives in `accounts.ratelimit`; an API
only decides what to answer when a limit is reached: 429 with `Retry-After`, in its own shape.

`ApiLimitMiddleware` puts a whole API behind per-caller limits: every answer under its paths
carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (the IETF httpapi
draft's fields; Reset in seconds) and `RateLimit-Policy`, so no client is blocked silently."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.ratelimit import RateLimit, too_many_message
from smt.api.common.errors import ApiError
from smt.api.common.requests import ErrorFactory


class RateLimited(ApiError):
    """An API's own error (`shaped`) answered with `Retry-After`: the seconds until the
    limit's window ends, also in the body as `retryAfter`."""

    def __init__(self, shaped: ApiError, *, retry_after: int) -> None:
        super().__init__(
            shaped.status,
            shaped.code,
            shaped.message,
            shaped.field,
            {**shaped.extra, "retryAfter": retry_after},
        )
        self.shaped, self.retry_after = shaped, retry_after

    def body(self) -> dict[str, Any]:
        return self.shaped.body()

    def response(self) -> JsonResponse:
        response = super().response()
        response["Retry-After"] = str(self.retry_after)
        return response


def limit_enforce(
    limit: RateLimit,
    key: str,
    *,
    status: int = 429,
    code: str = "RATE_LIMITED",
    error: ErrorFactory = ApiError,
) -> None:
    """Count one attempt for `key`; over the limit, raise the API's answer (`error` gives
    its shape) with the message saying when to try again, and `Retry-After`."""
    retry_after = limit.hit(key)
    if retry_after:
        shaped = error(status, code, too_many_message(retry_after))
        raise RateLimited(shaped, retry_after=retry_after)


@dataclass(frozen=True)
class LimitState:
    """What the `RateLimit-*` headers say after one counted request: the window closest to
    being used up (or, when refused, the one that refuses longest)."""

    limit: int
    remaining: int
    reset: int  # seconds until that window ends
    retry_after: int  # 0 when the request is allowed
    policy: str  # every window, as `RateLimit-Policy`: "600;w=60, 50000;w=86400"


def limits_count(limits: Sequence[RateLimit], key: str) -> LimitState:
    """Count one request for `key` in every window of `limits` (shared cache, so right with
    several workers). Refused when any window is over its limit."""
    counted = [(limit, *limit.count(key)) for limit in limits]
    over = [row for row in counted if row[1] > row[0].limit]
    if over:
        limit, count, left = max(over, key=lambda row: row[2])
        retry_after = max(left for _limit, _count, left in over)
    else:
        limit, count, left = min(counted, key=lambda row: (row[0].limit - row[1], row[2]))
        retry_after = 0
    return LimitState(
        limit=limit.limit,
        remaining=max(0, limit.limit - count),
        reset=left,
        retry_after=retry_after,
        policy=", ".join(f"{limit.limit};w={limit.window_seconds}" for limit in limits),
    )


def limit_headers(response: HttpResponse, state: LimitState) -> HttpResponse:
    response["RateLimit-Limit"] = str(state.limit)
    response["RateLimit-Remaining"] = str(state.remaining)
    response["RateLimit-Reset"] = str(state.reset)
    response["RateLimit-Policy"] = state.policy
    if state.retry_after:
        response["Retry-After"] = str(state.retry_after)
    return response


class ApiLimitMiddleware(ABC):
    """Per-caller limits in front of one API (the paths starting with `prefixes`): count the
    request, refuse it past a limit (the API's `refusal`, 429 + `Retry-After`), and put the
    `RateLimit-*` headers on every answer, errors included. Subclasses say who is calling
    (`bucket`) and how the API answers a refusal."""

    prefixes: tuple[str, ...] = ()

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.prefixes):
            return self.get_response(request)
        key, limits = self.bucket(request)
        state = limits_count(limits, key)
        response = self.refusal(state) if state.retry_after else self.answer(request)
        return limit_headers(response, state)

    @abstractmethod
    def bucket(self, request: HttpRequest) -> tuple[str, Sequence[RateLimit]]:
        """Who is counted (a key) and under which limits."""

    @abstractmethod
    def refusal(self, state: LimitState) -> HttpResponse:
        """The API's own 429 answer, in its error shape."""

    def answer(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


def too_many_requests_message(state: LimitState) -> str:
    """What an API caller past a limit reads: the limit and when to try again."""
    return (
        f"Too many requests: the limit is {state.limit} in its window. "
        f"Try again in {state.retry_after} seconds."
    )
