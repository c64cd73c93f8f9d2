"""What the gateway keeps while it runs: snapshot, ledger, upstream client, listeners."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from typing import Callable

import aiohttp

from ..core.ratelimit import RateLimiter
from ..store.logs import LogWriter
from ..store.snapshot import SnapshotHolder

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
    listeners: list[Callable[[GatewayEvent], None]] = field(default_factory=list)
    background: set[asyncio.Task] = field(default_factory=set)
    inflight: int = 0  # requests holding a reservation that is not settled yet
    limiter: RateLimiter | None = None  # set by GatewayServer when the caller did not give one

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
