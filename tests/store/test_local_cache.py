"""Clearing the local cache: rate-limit windows and expired entries go, live counters and the database stay."""

from __future__ import annotations

from voapi_desktop.store import users
from voapi_desktop.store.limiter_disk import DiskLimiter
from voapi_desktop.store.local_cache import clear_local_cache


def test_clearing_keeps_live_daily_counters_and_the_database_and_works_while_the_cache_is_open(store):
    limiter = DiskLimiter(store.data_dir / "ratelimit")
    for i in range(500):
        limiter.hit(f"user:{i}", 5, 60)
    limiter.incr_daily("sensitive:9", "2030-01-01")
    cleared = clear_local_cache(store.data_dir)
    assert cleared.entries == 500 and cleared.bytes_freed > 0 and cleared.folder.endswith("ratelimit")
    assert list(limiter.cache.iterkeys()) == ["day:sensitive:9:2030-01-01"]
    assert limiter.hit("user:1", 5, 60).remaining == 4  # the open limiter keeps working, counting afresh
    limiter.close()
    assert users.find_user("root") is not None and (store.data_dir / "voapi.db").stat().st_size > 0


def test_no_cache_folder_means_nothing_to_clear_and_nothing_is_created(store):
    assert clear_local_cache(store.data_dir).folder == ""
    assert not (store.data_dir / "ratelimit").exists()
