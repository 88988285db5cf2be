"""Fixed-window rate limits kept in the shared cache (SEC-5).

Each limit is counted per key (a user ID, an email address, a client address); the window
is short enough that a person locked out by mistake can try again soon. Every refusal says
how long to wait: the seconds left in the window, sent as `Retry-After`.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext


@dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int
    window_seconds: int

    def _cache_key(self, key: str, now: float) -> str:
        window = int(now // self.window_seconds)
        digest = hashlib.sha256(key.casefold().encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}:{window}"

    def _seconds_left(self, now: float) -> int:
        """Until the current window ends: what `Retry-After` says (at least 1)."""
        return max(1, math.ceil(self.window_seconds - now % self.window_seconds))

    def hit(self, key: str) -> int:
        """Count one attempt. 0 while within the limit; over it, the seconds until the
        window ends (so `if limit.hit(key):` reads "if this attempt is over the limit")."""
        count, seconds_left = self.count(key)
        return seconds_left if count > self.limit else 0

    def count(self, key: str) -> tuple[int, int]:
        """Count one attempt: this window's count with it, and the seconds until the window
        ends (for the `RateLimit-*` headers of the APIs, BEY-3)."""
        now = time.time()
        cache_key = self._cache_key(key, now)
        cache.add(cache_key, 0, timeout=self.window_seconds)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=self.window_seconds)
            count = 1
        return count, self._seconds_left(now)

    def reached(self, key: str) -> int:
        """Whether the limit is used up, without counting: 0 when another attempt is
        allowed, else the seconds until the window ends."""
        now = time.time()
        count = cache.get(self._cache_key(key, now), 0)
        return self._seconds_left(now) if count >= self.limit else 0

    def clear(self, key: str) -> None:
        """Forget this window's count for `key` (e.g. after the account was unlocked)."""
        cache.delete(self._cache_key(key, time.time()))


# SEC-5: sign-in counts failures only, so people signing in correctly never use a limit up.
# Per user ID, 10 failures a quarter hour on top of the ACC-11 lockout (5 in a row): it also
# covers unknown user IDs and locked accounts, which the lockout does not. Per client
# address, 100 failures a quarter hour: an office behind one address mistyping 100 passwords
# in 15 minutes is not people, and a correct password still signs in even then.
SIGN_IN_FAILURES_PER_USER_ID = RateLimit("sign-in-failures-user", limit=10, window_seconds=15 * 60)
SIGN_IN_FAILURES_PER_ADDRESS = RateLimit(
    "sign-in-failures-address", limit=100, window_seconds=15 * 60
)
FORGOT_PASSWORD_PER_ADDRESS = RateLimit("forgot-password-address", limit=10, window_seconds=3600)
FORGOT_PASSWORD_PER_USER_ID = RateLimit("forgot-password-user", limit=5, window_seconds=3600)
FORGOT_USER_ID_PER_ADDRESS = RateLimit("forgot-user-id-address", limit=10, window_seconds=3600)
FORGOT_USER_ID_PER_EMAIL = RateLimit("forgot-user-id-email", limit=3, window_seconds=3600)


def too_many_message(retry_after: int) -> str:
    """What a person refused by a limit reads: when to try again (SEC-5)."""
    minutes = max(1, math.ceil(retry_after / 60))
    return ngettext(
        "Too many attempts. Please try again in %(minutes)d minute.",
        "Too many attempts. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def too_many_response(response: HttpResponse, retry_after: int) -> HttpResponse:
    """Make `response` the answer to a refused attempt: 429 with `Retry-After` (SEC-5)."""
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response


def client_address(request: HttpRequest) -> str:
    """The address a request came from. Behind our TLS proxy (`BEHIND_TLS_PROXY`) that is the
    right-most `X-Forwarded-For` entry, the one the proxy added; entries left of it come
    from the client and can say anything. Otherwise the header is ignored."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "")
        hop = forwarded.rpartition(",")[2].strip()
        if hop:
            return hop
    return request.META.get("REMOTE_ADDR", "")
