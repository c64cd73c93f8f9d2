"""Cluster leases: a periodic job runs on one instance per period, however many share the database.

`claim(name, seconds)` is True for exactly one claimant until the lease expires; the winner does not
release it, so the others skip the job for the rest of the period, and the next period goes to
whoever asks first. Where the lease lives:

- Redis (`REDIS_CONN_STRING`): `SET key owner NX PX ms`, atomic on the server;
- else a shared PostgreSQL/MySQL database: a `job_state` row `lease:<name>` whose value is
  "<expiry ms, zero-padded> <owner>", taken over by a conditional UPDATE once it has expired;
- else (SQLite: one gateway per database) every claim succeeds.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from typing import Callable, Protocol

import peewee as pw

from ..core.settings import Settings
from .tables import JobState, database

PREFIX = "voapi:lease:"
_WIDTH = 15  # digits of the expiry (ms): string order is time order


class Leases(Protocol):
    def claim(self, name: str, seconds: float) -> bool: ...


def new_owner(node_name: str = "") -> str:
    return f"{node_name or socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"


class LocalLeases:
    """The only gateway of its database: every job is its own."""

    def claim(self, name: str, seconds: float) -> bool:
        return True


class RedisLeases:
    def __init__(self, url: str, owner: str) -> None:
        import redis  # only when configured
        self._client = redis.Redis.from_url(url)
        self.owner = owner

    def claim(self, name: str, seconds: float) -> bool:
        return bool(self._client.set(PREFIX + name, self.owner, nx=True, px=max(int(seconds * 1000), 1)))

    def close(self) -> None:
        self._client.close()


class DatabaseLeases:
    def __init__(self, owner: str, clock: Callable[[], float] = time.time) -> None:
        self.owner = owner
        self._clock = clock

    def claim(self, name: str, seconds: float) -> bool:
        now = int(self._clock() * 1000)
        value = f"{now + max(int(seconds * 1000), 1):0{_WIDTH}d} {self.owner}"[:255]
        key = "lease:" + name
        with database.atomic():
            if JobState.update(value=value).where(
                    (JobState.name == key) & (JobState.value < f"{now:0{_WIDTH}d}")).execute():
                return True
        try:
            with database.atomic():
                JobState.create(name=key, value=value)
            return True
        except pw.IntegrityError:  # held (or just taken) by another instance
            return False


def make_leases(settings: Settings) -> Leases:
    url = str(settings["REDIS_CONN_STRING"] or "").strip()
    owner = new_owner(str(settings["NODE_NAME"] or ""))
    if url:
        return RedisLeases(url, owner)
    if database.obj is not None and not isinstance(database.obj, pw.SqliteDatabase):
        return DatabaseLeases(owner)
    return LocalLeases()
