"""BEY-3, SEC-5: the SMT-compatible API's limits, per token user, counted in the shared cache.

Every answer on its paths carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
and `RateLimit-Policy`; past a limit it is 429 with `Retry-After` in SMT's own error shape
(`errorCode`, `errormessage`, `retryAfter`). Successful bodies are SMT's, untouched. Tokens
live 15 quiet minutes and clients sign in again often, so calls count per token's *user*
(a new token does not start a new count); calls without a live token (sign-in included),
per client address.
"""

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse

from accounts.models import User
from accounts.ratelimit import RateLimit, client_address
from accounts.services import api_token_user
from smt.api.common.limits import (
    ApiLimitMiddleware,
    LimitState,
    RateLimited,
    too_many_requests_message,
)
from smt.api.common.requests import authorization_credential

MINUTE, DAY = 60, 24 * 60 * 60
CALLS_PER_MINUTE = 120  # BEY-3: per token user; SMT clients sync a few times a day
CALLS_PER_DAY = 20_000  # BEY-3: per token user, per UTC day
ANONYMOUS_PER_MINUTE = 30  # SEC-5: per client address (sign-in has its own limits too)
ANONYMOUS_PER_DAY = 1_000  # SEC-5

USER_MINUTE = RateLimit("compat-api-user-minute", limit=CALLS_PER_MINUTE, window_seconds=MINUTE)
USER_DAY = RateLimit("compat-api-user-day", limit=CALLS_PER_DAY, window_seconds=DAY)
ANONYMOUS_MINUTE = RateLimit(
    "compat-api-anonymous-minute", limit=ANONYMOUS_PER_MINUTE, window_seconds=MINUTE
)
ANONYMOUS_DAY = RateLimit("compat-api-anonymous-day", limit=ANONYMOUS_PER_DAY, window_seconds=DAY)


def token_user_of(request: HttpRequest, raw: str) -> User | None:
    """`api_token_user`, looked up once a request: the limits middleware asks first and
    `bearer_required` reuses the answer (the lookup also restarts the token's quiet time)."""
    remembered = getattr(request, "_compat_token_user", None)
    if remembered is not None and remembered[0] == raw:
        return remembered[1]
    user = api_token_user(raw) if raw else None
    request._compat_token_user = (raw, user)  # type: ignore[attr-defined]
    return user


class CompatLimitMiddleware(ApiLimitMiddleware):
    """The SMT-compatible API's limits (settings.MIDDLEWARE)."""

    prefixes = ("/commonapi/", "/api/")

    def bucket(self, request: HttpRequest) -> tuple[str, Sequence[RateLimit]]:
        user = token_user_of(request, authorization_credential(request, "Bearer"))
        if user is None:
            return f"address:{client_address(request)}", (ANONYMOUS_MINUTE, ANONYMOUS_DAY)
        return f"user:{user.pk}", (USER_MINUTE, USER_DAY)

    def refusal(self, state: LimitState) -> HttpResponse:
        from smt.api.compat.views import SmtApiError  # the views import this module's helper

        shaped = SmtApiError(429, "RATE_LIMITED", too_many_requests_message(state))
        return RateLimited(shaped, retry_after=state.retry_after).response()
