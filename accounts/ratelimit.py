"""Fixed-window rate limits kept in the shared cache (SEC-5).

Each limit is counted per key (a user ID, an email address, a client address); the window
is short enough that a person locked out by mistake can try again soon.
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int
    window_seconds: int

    def hit(self, key: str) -> bool:
        """Count one attempt; True when this attempt is over the limit."""
        window = int(time.time() // self.window_seconds)
        digest = hashlib.sha256(key.casefold().encode()).hexdigest()[:32]
        cache_key = f"ratelimit:{self.scope}:{digest}:{window}"
        cache.add(cache_key, 0, timeout=self.window_seconds)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=self.window_seconds)
            count = 1
        return count > self.limit


SIGN_IN_PER_ADDRESS = RateLimit("sign-in-address", limit=30, window_seconds=15 * 60)
FORGOT_PASSWORD_PER_ADDRESS = RateLimit("forgot-password-address", limit=10, window_seconds=3600)
FORGOT_PASSWORD_PER_USER_ID = RateLimit("forgot-password-user", limit=5, window_seconds=3600)
FORGOT_USER_ID_PER_ADDRESS = RateLimit("forgot-user-id-address", limit=10, window_seconds=3600)
FORGOT_USER_ID_PER_EMAIL = RateLimit("forgot-user-id-email", limit=3, window_seconds=3600)


def client_address(request) -> str:
    # REMOTE_ADDR only: a forwarded header can be forged unless a trusted proxy sets it.
    return request.META.get("REMOTE_ADDR", "")
