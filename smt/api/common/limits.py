"""Rate limits of the APIs (SEC-5): the counting lives in `accounts.ratelimit`; an API only
decides what to answer when a limit is reached: 429 with `Retry-After`, in its own shape."""

from typing import Any

from django.http import JsonResponse

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
