"""The rate-limit stores (diskcache, Redis, memory) against one rulebook, with a fake clock."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import uuid

import diskcache
import pytest

from tests.store.wallet_helpers import settings
from voapi_desktop.core.ratelimit import MemoryLimiter
from voapi_desktop.store.limiter_disk import DiskLimiter, LocalLimiter, decode_log, encode_log, make_limiter
from voapi_desktop.store.limiter_redis import RedisLimiter

T0 = 1_700_000_000.0


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(params=["disk", "redis", "memory"])
def backend(request, tmp_path):
    """A factory of limiters on one shared store; every limiter it makes is closed afterwards."""
    made = []
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"test-{uuid.uuid4().hex}:"

        def make(clock):
            return RedisLimiter(url, clock=clock, prefix=prefix)
    elif request.param == "disk":
        def make(clock):
            return DiskLimiter(tmp_path / "ratelimit", clock=clock)
    else:
        shared = MemoryLimiter()

        def make(clock):
            shared.clock = clock
            return shared

    def factory(clock=None):
        limiter = make(clock or FakeClock())
        made.append(limiter)
        return limiter
    yield factory
    for limiter in made:
        limiter.close()


def test_n_hits_are_allowed_then_refused_until_the_oldest_leaves_the_window(backend):
    clock = FakeClock()
    limiter = backend(clock)
    for i in range(5):
        d = limiter.hit("ip:1.2.3.4", 5, 60)
        assert d.allowed and d.limit == 5 and d.remaining == 4 - i and d.retry_after == 0
        assert d.reset_after == 60
        clock.advance(1)
    clock.now = T0 + 10
    refused = limiter.hit("ip:1.2.3.4", 5, 60)
    assert not refused.allowed and refused.remaining == 0
    assert refused.retry_after == 50  # the hit at T0 leaves the window at T0 + 60
    assert refused.reset_after == 54  # the last hit (T0 + 4) leaves at T0 + 64
    assert refused.headers()["Retry-After"] == "50"
    assert refused.headers()["x-ratelimit-reset-requests"] == "54s"
    clock.now = T0 + 59.999
    assert not limiter.hit("ip:1.2.3.4", 5, 60).allowed, "refused hits are not counted, and do not extend"
    clock.now = T0 + 60
    slid = limiter.hit("ip:1.2.3.4", 5, 60)
    assert slid.allowed and slid.remaining == 0
    again = limiter.hit("ip:1.2.3.4", 5, 60)
    assert not again.allowed and again.retry_after == 1  # the hit at T0 + 1 is next to leave


def test_the_window_slides_rather_than_resetting_at_fixed_boundaries(backend):
    clock = FakeClock()
    limiter = backend(clock)
    assert all(limiter.hit("k", 4, 10).allowed for _ in range(2))
    clock.advance(6)
    assert all(limiter.hit("k", 4, 10).allowed for _ in range(2))
    assert not limiter.hit("k", 4, 10).allowed
    clock.advance(4)  # T0 + 10: the first two left, the last two are still in
    d = limiter.hit("k", 4, 10)
    assert d.allowed and d.remaining == 1
    clock.advance(100)
    assert limiter.peek("k", 4, 10).remaining == 4


def test_cost_counts_units_for_tokens_per_minute(backend):
    clock = FakeClock()
    limiter = backend(clock)
    first = limiter.hit("tpm", 1000, 60, cost=600)
    assert first.allowed and first.remaining == 400
    clock.advance(10)
    second = limiter.hit("tpm", 1000, 60, cost=300)
    assert second.allowed and second.remaining == 100
    clock.advance(10)
    refused = limiter.hit("tpm", 1000, 60, cost=500)
    assert not refused.allowed and refused.remaining == 100
    assert refused.retry_after == 40  # the 600 leave at T0 + 60, then 500 fit
    assert refused.headers("tokens")["x-ratelimit-remaining-tokens"] == "100"
    fits = limiter.hit("tpm", 1000, 60, cost=100)
    assert fits.allowed and fits.remaining == 0
    needs_two = limiter.hit("tpm", 1000, 60, cost=900)
    assert not needs_two.allowed and needs_two.retry_after == 50  # the 600 and the 300 must leave: T0 + 70
    assert needs_two.reset_after == 60  # the 100 leaves at T0 + 80
    never = limiter.hit("tpm", 1000, 60, cost=1001)
    assert not never.allowed and never.retry_after == 60


def test_peek_counts_nothing_and_keys_are_independent(backend):
    clock = FakeClock()
    limiter = backend(clock)
    assert limiter.peek("a", 2, 60) == (True, 2, 2, 0.0, 0.0)
    limiter.hit("a", 2, 60)
    limiter.hit("a", 2, 60)
    for _ in range(3):
        peeked = limiter.peek("a", 2, 60)
        assert not peeked.allowed and peeked.remaining == 0 and peeked.retry_after == 60
    assert limiter.hit("b", 2, 60).remaining == 1


def test_peek_with_a_cost_says_whether_that_many_units_fit(backend):
    clock = FakeClock()
    limiter = backend(clock)
    limiter.hit("tpm", 10, 60, cost=7)
    clock.advance(20)
    assert limiter.peek("tpm", 10, 60, 3) == (True, 10, 3, 40.0, 0.0)
    refused = limiter.peek("tpm", 10, 60, 4)
    assert not refused.allowed and refused.remaining == 3 and refused.retry_after == 40
    assert limiter.peek("tpm", 10, 60, 11).retry_after == 60  # never fits
    assert limiter.hit("tpm", 10, 60, 3).remaining == 0  # the peeks counted nothing


def test_sub_second_windows_and_fractional_clocks(backend):
    clock = FakeClock(T0 + 0.0005)
    limiter = backend(clock)
    assert limiter.hit("fast", 1, 0.25).allowed
    clock.advance(0.1)
    refused = limiter.hit("fast", 1, 0.25)
    assert not refused.allowed and refused.retry_after == pytest.approx(0.15, abs=0.0011)
    assert refused.headers()["Retry-After"] == "1"
    clock.advance(0.15)
    assert limiter.hit("fast", 1, 0.25).allowed


def test_bad_arguments_are_refused(backend):
    limiter = backend()
    for args in [(0, 60, 1), (5, 0, 1), (5, -1, 1), (5, 60, 0), (5, 60, 1.5), (True, 60, 1)]:
        with pytest.raises(ValueError):
            limiter.hit("k", *args)


def test_daily_counters_count_per_key_and_day(backend):
    limiter = backend()
    assert [limiter.incr_daily("user:7", "2025-03-01") for _ in range(3)] == [1, 2, 3]
    assert limiter.incr_daily("user:7", "2025-03-02") == 1
    assert limiter.incr_daily("user:8", "2025-03-01") == 1


def test_eight_threads_hammering_one_limit_get_exactly_the_limit(backend):
    limiter = backend(FakeClock())
    allowed = []
    start = threading.Barrier(8)

    def worker():
        start.wait()
        allowed.append(sum(limiter.hit("shared", 100, 60).allowed for _ in range(50)))
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 100
    assert limiter.peek("shared", 100, 60).remaining == 0


@pytest.mark.parametrize("backend", ["disk", "redis"], indirect=True)  # memory is one process's own
def test_two_limiters_on_one_store_share_the_limit(backend):
    clock = FakeClock()
    first, second = backend(clock), backend(clock)
    assert [first.hit("k", 3, 60).allowed, second.hit("k", 3, 60).allowed, first.hit("k", 3, 60).allowed] == [True] * 3
    assert not second.hit("k", 3, 60).allowed
    assert second.incr_daily("u", "d") == 1 and first.incr_daily("u", "d") == 2


def test_two_redis_limiters_share_a_limit_under_concurrency(redis_url):
    prefix = f"test-{uuid.uuid4().hex}:"
    limiters = [RedisLimiter(redis_url, clock=FakeClock(), prefix=prefix) for _ in range(2)]
    allowed = []

    def worker(limiter):
        allowed.append(sum(limiter.hit("shared", 100, 60).allowed for _ in range(50)))
    threads = [threading.Thread(target=worker, args=(limiters[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 100
    ttl = limiters[0].client.pttl(f"{prefix}rl:shared")
    assert 0 < ttl <= 120_000, "keys expire after two windows"
    for limiter in limiters:
        limiter.close()


def _hammer_from_another_process(directory, now, barrier, results):
    limiter = DiskLimiter(directory, clock=lambda: now)
    counts = []

    def worker():
        counts.append(sum(limiter.hit("shared", 100, 60).allowed for _ in range(50)))
    threads = [threading.Thread(target=worker) for _ in range(4)]
    barrier.wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    limiter.close()
    results.put(sum(counts))


@pytest.mark.slow
def test_two_processes_hammering_one_disk_limit_get_exactly_the_limit(tmp_path):
    ctx = multiprocessing.get_context("spawn")  # no fork of a threaded pytest
    barrier, results = ctx.Barrier(2), ctx.Queue()
    processes = [ctx.Process(target=_hammer_from_another_process, args=(str(tmp_path / "rl"), T0, barrier, results))
                 for _ in range(2)]
    for p in processes:
        p.start()
    counts = [results.get(timeout=60) for _ in processes]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    results.close()
    results.join_thread()
    assert sum(counts) == 100


def test_disk_values_are_plain_text_and_pickles_are_never_loaded(tmp_path):
    limiter = DiskLimiter(tmp_path / "rl", clock=FakeClock())
    limiter.hit("k", 10, 60, cost=2)
    limiter.hit("k", 10, 60)
    limiter.incr_daily("u", "2025-03-01")
    with sqlite3.connect(tmp_path / "rl" / "cache.db") as db:
        rows = db.execute("SELECT key, mode, value FROM Cache ORDER BY key").fetchall()
        policy = db.execute("SELECT value FROM Settings WHERE key = 'eviction_policy'").fetchone()[0]
    assert rows == [("day:u:2025-03-01", 1, 1), ("rl:k", 1, "1700000000000*3")]
    assert policy == "none"
    with pytest.raises(TypeError):
        limiter.cache.set("evil", {"a": 1})
    planted = diskcache.Cache(str(tmp_path / "rl"))  # a default Disk pickles
    planted.set("rl:k", ["not", "text"])
    planted.close()
    assert limiter.hit("k", 10, 60).remaining == 9, "a planted pickle reads as an empty log"
    limiter.close()


def test_the_log_encoding_round_trips_and_tolerates_garbage():
    entries = [(1_700_000_000_000, 1), (1_700_000_000_250, 3), (1_700_000_000_250, 1), (1_700_000_060_000, 12)]
    text = encode_log(entries)
    assert text == "1700000000000,250*3,0,59750*12"
    assert decode_log(text) == entries
    assert decode_log("") == decode_log(None) == decode_log("12,x*2") == decode_log(42) == []


def test_make_limiter_uses_redis_only_when_configured(tmp_path, redis_url):
    local = make_limiter(settings(), tmp_path)
    assert isinstance(local, LocalLimiter) and not local.blocking, "windows in memory, called on the loop"
    assert (tmp_path / "ratelimit" / "cache.db").exists(), "daily counters on disk"
    local.incr_daily("sensitive:1", "2026-01-01")
    local.close()
    again = make_limiter(settings(), tmp_path)
    assert again.incr_daily("sensitive:1", "2026-01-01") == 2, "a restart keeps the day's count"
    again.close()
    shared = make_limiter(settings(REDIS_CONN_STRING=redis_url), tmp_path)
    assert isinstance(shared, RedisLimiter) and shared.blocking and shared.client.ping()
    shared.close()
