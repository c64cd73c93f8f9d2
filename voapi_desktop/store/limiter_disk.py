"""The default rate-limit store: a diskcache `Cache` in the data dir, shared by threads and processes.

Each hit is one `transact(retry=True)` (SQLite BEGIN IMMEDIATE), so the
read-decide-write step is exact across threads and processes. Values are
strings and integers only, kept as native SQLite values: the cache's Disk
refuses to pickle or unpickle anything (a pickle planted in the cache file
must not run code).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import diskcache
from diskcache.core import MODE_PICKLE

from ..core.ratelimit import (DAY_TTL, Clock, Decision, Entry, MemoryLimiter, RateLimiter, check_args, evaluate,
                              to_ms, window_ms)
from ..core.settings import Settings

log = logging.getLogger(__name__)


class _PlainDisk(diskcache.Disk):
    """diskcache's Disk without pickle: str/bytes/int/float keys and values only."""

    def put(self, key):
        if type(key) not in (str, bytes, int, float):
            raise TypeError(f"limiter keys are strings, not {type(key).__name__}")
        return super().put(key)

    def get(self, key, raw):
        if not raw:
            raise ValueError("refusing to unpickle a key in the rate-limit cache")
        return super().get(key, raw)

    def store(self, value, read, key=diskcache.core.UNKNOWN):
        if read or type(value) not in (str, bytes, int, float):
            raise TypeError(f"limiter values are strings or numbers, not {type(value).__name__}")
        if type(value) is int and not -2**63 <= value < 2**63:
            raise TypeError("limiter integers fit in 64 bits")
        return super().store(value, read, key=key)

    def fetch(self, mode, filename, value, read):
        if mode == MODE_PICKLE:
            log.warning("ignoring a pickled value in the rate-limit cache (not written by this program)")
            return None
        return super().fetch(mode, filename, value, read)


def encode_log(entries: list[Entry]) -> str:
    """A sorted log as text: the first time in ms, then deltas; "*cost" when the cost is not 1.

    [(1700000000000, 1), (1700000000250, 3)] -> "1700000000000,250*3"
    """
    parts, previous = [], 0
    for t, cost in entries:
        part = str(t - previous)
        parts.append(part if cost == 1 else f"{part}*{cost}")
        previous = t
    return ",".join(parts)


def decode_log(text: object) -> list[Entry]:
    """The inverse of encode_log; anything unreadable is an empty log."""
    if not isinstance(text, str) or not text:
        return []
    entries, t = [], 0
    try:
        for part in text.split(","):
            delta, _, cost = part.partition("*")
            t += int(delta)
            entries.append((t, int(cost) if cost else 1))
    except ValueError:
        log.warning("ignoring an unreadable rate-limit log entry")
        return []
    return entries


class DiskLimiter:
    """A `RateLimiter` on a plain diskcache Cache (not FanoutCache: its shards drop writes on timeout)."""

    blocking = True

    def __init__(self, directory: str | os.PathLike, clock: Clock = time.time, timeout: float = 0.25) -> None:
        path = Path(directory)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.clock = clock
        # eviction_policy none: a limit must never be forgotten to make room.
        # disk_min_file_size: long logs stay in SQLite rather than in side files.
        self.cache = diskcache.Cache(str(path), timeout=timeout, disk=_PlainDisk, eviction_policy="none",
                                     disk_min_file_size=2**22)

    def hit(self, key: str, limit: int, window: float, cost: int = 1) -> Decision:
        check_args(limit, window, cost)
        k, win = f"rl:{key}", window_ms(window)
        with self.cache.transact(retry=True):
            now = to_ms(self.clock())  # read under the lock: logs are written in clock order
            decision, kept = evaluate(decode_log(self.cache.get(k)), now, win, limit, cost)
            if decision.allowed:
                self.cache.set(k, encode_log(kept), expire=2 * window)
        return decision

    def peek(self, key: str, limit: int, window: float, cost: int = 1) -> Decision:
        check_args(limit, window, cost)
        entries = decode_log(self.cache.get(f"rl:{key}", retry=True))
        return evaluate(entries, to_ms(self.clock()), window_ms(window), limit, cost, record=False)[0]

    def incr_daily(self, key: str, day: str) -> int:
        k = f"day:{key}:{day}"
        with self.cache.transact(retry=True):
            self.cache.add(k, 0, expire=DAY_TTL)  # only when missing: incr takes no expiry
            return self.cache.incr(k)

    def close(self) -> None:
        self.cache.close()


class LocalLimiter(MemoryLimiter):
    """A single instance's limiter: windows in memory (no I/O on the relay's path; one gateway serves
    a database at a time, see store/gateway_lock.py), daily counters in the data dir's diskcache, so a
    restart does not reset a day's sensitive-word count."""

    def __init__(self, directory: str | os.PathLike, clock: Clock = time.time) -> None:
        super().__init__(clock)
        self._disk = DiskLimiter(directory, clock=clock)

    def incr_daily(self, key: str, day: str) -> int:
        return self._disk.incr_daily(key, day)

    def close(self) -> None:
        self._disk.close()


def make_limiter(settings: Settings, data_dir: str | os.PathLike, clock: Clock = time.time) -> RateLimiter:
    """Redis when REDIS_CONN_STRING is set (limits shared by every instance), else this process's memory
    (with daily counters in the data dir)."""
    url = str(settings["REDIS_CONN_STRING"] or "").strip()
    if url:
        from .limiter_redis import RedisLimiter  # only when configured
        return RedisLimiter(url, clock=clock)
    return LocalLimiter(Path(data_dir) / "ratelimit", clock=clock)
