"""What the gateway keeps while it runs: snapshot, ledger, upstream client, listeners."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from dataclasses import dataclass, field
from typing import Callable, Mapping

import aiohttp
import peewee as pw

from ..core.cooldown import Breaker
from ..core.ratelimit import RateLimiter
from ..store.gateway_lock import GatewayLock
from ..store.logs import LogWriter
from ..store.quota_book import QuotaBook
from ..store.snapshot import Snapshot, SnapshotHolder
from ..store.tables import database

log = logging.getLogger(__name__)


@dataclass
class GatewayEvent:
    kind: str  # "request" (finished), "channel_disabled", "error"
    data: dict


@dataclass
class GatewayState:
    snapshots: SnapshotHolder
    ledger: LogWriter
    http: aiohttp.ClientSession | None = None
    rng: random.Random = field(default_factory=random.Random)
    round_robin: dict[int, int] = field(default_factory=dict)
    breaker: Breaker = field(default_factory=Breaker)  # channel cooldowns; touched on the gateway's loop only
    listeners: list[Callable[[GatewayEvent], None]] = field(default_factory=list)
    background: set[asyncio.Task] = field(default_factory=set)
    inflight: int = 0  # requests holding a reservation that is not settled yet
    limiter: RateLimiter | None = None  # set by GatewayServer when the caller did not give one
    quota_book: QuotaBook | None = None  # quota holds in memory (one gateway on SQLite); None: in the database
    lock: GatewayLock | None = None

    def close(self) -> None:
        """Write what is queued, then let go of the database (call once the server has stopped)."""
        self.ledger.stop()
        self.snapshots.close()
        if self.lock is not None:
            self.lock.release()

    def cooldowns(self) -> dict[int, float]:
        """Channel id -> seconds until a cooling channel may be tried again (call on the gateway's loop)."""
        if not self.breaker:
            return {}
        channels = self.snapshots.current.channels

        def keys(channel_id: int) -> int:  # a multi-key channel cools only when all its usable keys are held
            channel = channels.get(channel_id)
            return len(channel.usable_key_indexes) if channel else 1
        return self.breaker.view(keys)

    def emit(self, kind: str, **data) -> None:
        """Report an event to listeners (the GUI bridge); they must not block."""
        event = GatewayEvent(kind, data)
        for listener in self.listeners:
            try:
                listener(event)
            except Exception:
                log.exception("gateway listener failed")

    def spawn(self, coro, name: str) -> asyncio.Task:
        """Start a named background task and keep a reference until it ends."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self.background.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self.background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())


def open_state(env: Mapping[str, str], overrides: Mapping[str, object] | None = None, *,
               ledger_interval: float = 0.2) -> GatewayState:
    """The state of a gateway on the open store: its snapshot, its ledger writer, and where it holds quota.

    On SQLite the gateway is the database's only relay (GatewayLock; GatewayBusy otherwise) and holds
    quota in memory; on a shared PostgreSQL/MySQL database it reserves in the database, so several
    gateways can share it.
    """
    guard = threading.RLock()
    lock, book = None, None
    if isinstance(database.obj, pw.SqliteDatabase):
        lock = GatewayLock(database.obj.database).acquire()
        book = QuotaBook()
    try:
        snapshots = SnapshotHolder(env, overrides, guard=guard)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    ledger = LogWriter(interval=ledger_interval, guard=guard)
    if book is not None:
        _keep_book(book, snapshots, ledger)
    return GatewayState(snapshots, ledger.start(), quota_book=book, lock=lock)


def _keep_book(book: QuotaBook, snapshots: SnapshotHolder, ledger: LogWriter) -> None:
    def rebase(snapshot: Snapshot) -> None:
        book.rebase({u.id: u.quota for u in snapshot.users.values()},
                    {t.id: t.remain_quota for t in snapshot.tokens.values()})

    def settled(settlement, written: bool) -> None:
        if not settlement.held_in_db:
            book.committed(settlement.user_id, settlement.token_id, settlement.token_limited, settlement.cost,
                           written)
    rebase(snapshots.current)
    snapshots.reloaded.append(rebase)
    ledger.on_settled = settled
