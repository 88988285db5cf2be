"""The embedded default's file cache (smt.lib.cache): it counts its entries at most once per
CULL_CHECK_SECONDS instead of listing its directory on every write, and still culls as
Django's file cache does once it is over MAX_ENTRIES."""

import pytest

from smt.lib import cache as file_cache


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(file_cache, "_clock", lambda: now[0])
    return now


def a_cache(tmp_path, max_entries=4):
    # CULL_FREQUENCY 2: a cull removes half of the entries, as Django documents.
    options = {"MAX_ENTRIES": max_entries, "CULL_FREQUENCY": 2}
    return file_cache.FileCache(str(tmp_path), {"OPTIONS": options})


def stored(cache, count):
    return sum(cache.get(f"key-{n}") is not None for n in range(count))


def test_writes_between_two_checks_do_not_list_the_directory(tmp_path, clock, monkeypatch):
    cache = a_cache(tmp_path)
    listings = []
    original = cache._list_cache_files
    monkeypatch.setattr(cache, "_list_cache_files", lambda: listings.append(1) or original())
    for n in range(10):
        cache.set(f"key-{n}", n)
    assert len(listings) == 1  # the first write only
    assert stored(cache, 10) == 10  # over MAX_ENTRIES until the next check
    clock[0] += file_cache.CULL_CHECK_SECONDS - 0.001
    cache.set("key-10", 10)
    assert len(listings) == 1


def test_the_first_write_after_the_interval_culls_as_django_does(tmp_path, clock):
    cache = a_cache(tmp_path)
    for n in range(10):
        cache.set(f"key-{n}", n)
    clock[0] += file_cache.CULL_CHECK_SECONDS
    cache.set("key-10", 10)
    # 10 entries ≥ 4: half of them (5) removed at random before the new one is written.
    assert stored(cache, 11) == 6
    assert cache.get("key-10") == 10


def test_under_max_entries_nothing_is_culled(tmp_path, clock):
    cache = a_cache(tmp_path, max_entries=100)
    for step in range(3):
        for n in range(10):
            cache.set(f"key-{step * 10 + n}", n)
        clock[0] += file_cache.CULL_CHECK_SECONDS
    assert stored(cache, 30) == 30
