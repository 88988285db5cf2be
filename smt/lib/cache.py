"""The embedded default's cache: Django's file cache, without its cost on every write.

Django's `FileBasedCache` lists its whole directory on every `set` to decide whether to cull.
With the sessions and the Daily Usage page's day HTML in it (thousands of files), that listing
was most of the time of a page whose day was not cached yet (5–9 ms). Here the count is taken
at most once every CULL_CHECK_SECONDS per cache object (one per thread), so the cache may pass
MAX_ENTRIES by the writes of that interval before it is culled as Django would.
"""

import time

from django.core.cache.backends.filebased import FileBasedCache

CULL_CHECK_SECONDS = 30.0


def _clock() -> float:
    return time.monotonic()


class FileCache(FileBasedCache):
    def __init__(self, dir: str, params: dict) -> None:  # noqa: A002 - Django's signature
        super().__init__(dir, params)
        self._next_cull_check = 0.0

    def _cull(self) -> None:
        now = _clock()
        if now < self._next_cull_check:
            return
        self._next_cull_check = now + CULL_CHECK_SECONDS
        super()._cull()  # type: ignore[misc]  # a private method django-stubs omits
