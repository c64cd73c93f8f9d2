"""Clear the local cache (清空本地缓存) in the data dir, conservatively.

What counts as cache: the rate-limit diskcache (``<data dir>/ratelimit``): its
rate-limit windows ("rl:" keys) and every expired entry are deleted, then its
file is compacted. Kept: today's unexpired sensitive-word counters (risk
control, not cache), and everything else in the data dir: the database, its
backups, secrets, language files. Safe while the gateway runs: the cache is
shared through diskcache's own locking, nothing is unlinked under it.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .limiter_disk import DiskLimiter

log = logging.getLogger(__name__)

RATELIMIT_DIR = "ratelimit"  # as in limiter_disk.make_limiter
_WINDOW_PREFIX = "rl:"


@dataclass(frozen=True)
class CacheCleared:
    entries: int  # cache entries deleted
    bytes_freed: int  # how much smaller the cache folder got
    folder: str  # "" when there was no local cache


def clear_local_cache(data_dir: Path) -> CacheCleared:
    """Delete the cache entries that are safe to lose and compact the cache file."""
    folder = Path(data_dir) / RATELIMIT_DIR
    if not (folder / "cache.db").is_file():
        return CacheCleared(0, 0, "")
    before = _size(folder)
    limiter = DiskLimiter(folder, timeout=2.0)
    try:
        cache = limiter.cache
        entries = cache.expire(retry=True)
        for key in list(cache.iterkeys()):
            if isinstance(key, str) and key.startswith(_WINDOW_PREFIX) and cache.delete(key, retry=True):
                entries += 1
    finally:
        limiter.close()
    _compact(folder / "cache.db")
    return CacheCleared(entries, max(0, before - _size(folder)), str(folder))


def _compact(path: Path) -> None:
    """VACUUM gives the freed pages back to the disk; a busy cache just stays its size."""
    try:
        with sqlite3.connect(str(path), timeout=2.0, isolation_level=None) as db:
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    except sqlite3.Error as exc:
        log.info("could not compact the local cache %s: %s", path, exc)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
