"""Rate limits of the APIs (SEC-5): the counting lives in `accounts.ratelimit`; an API only
decides what to answer when a limit is reached."""

from accounts.ratelimit import RateLimit
from smt.api.common.errors import ApiError
from smt.api.common.requests import ErrorFactory

TOO_MANY = "Too many attempts. Please try again later."


def limit_enforce(
    limit: RateLimit,
    key: str,
    *,
    status: int = 429,
    code: str = "RATE_LIMITED",
    error: ErrorFactory = ApiError,
) -> None:
    """Count one attempt for `key`; raise the API's answer (`error` gives its shape) when
    it is over the limit."""
    if limit.hit(key):
        raise error(status, code, TOO_MANY)
