"""The usage ledger: log rows and settlements written by one writer thread in batches (group commit)."""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Callable

import orjson
import peewee as pw

from ..core import clock
from .changes import publish
from .tables import Log, database
from .transactions import retrying, write_transaction

log = logging.getLogger(__name__)

TOPUP, CONSUME, MANAGE, SYSTEM, ERROR, REFUND = 1, 2, 3, 4, 5, 6
TYPE_NAMES = {TOPUP: "topup", CONSUME: "consume", MANAGE: "manage", SYSTEM: "system", ERROR: "error",
              REFUND: "refund"}


@dataclass
class LogEntry:
    type: int
    user_id: int = 0
    username: str = ""
    token_id: int = 0
    token_name: str = ""
    model_name: str = ""
    channel_id: int = 0
    group: str = ""
    quota: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    use_time: int = 0  # ms
    is_stream: bool = False
    ip: str = ""
    request_id: str = ""
    content: str = ""
    other: dict = field(default_factory=dict)
    created_at: int = 0

    def row(self) -> dict:
        return dict(zip(COLUMNS, self.values()))

    def values(self) -> tuple:
        """The row's values in COLUMNS order."""
        return (self.type, self.user_id, self.username, self.token_id, self.token_name, self.model_name,
                self.channel_id, self.group, self.quota, self.prompt_tokens, self.completion_tokens, self.use_time,
                self.is_stream, self.ip, self.request_id, self.content,
                orjson.dumps(self.other).decode() if self.other else "", self.created_at or clock.now())


COLUMNS = tuple(f.name for f in fields(LogEntry))


def insert_entries(entries: list[LogEntry]) -> None:
    """INSERT the rows with one executemany (peewee's insert_many builds SQL per value: 20x slower)."""
    quote = database.quote
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote[0] + Log._meta.table_name + quote[1], ", ".join(quote[0] + c + quote[1] for c in COLUMNS),
        ", ".join([database.param] * len(COLUMNS)))
    database.cursor().executemany(sql, [entry.values() for entry in entries])


WRITER_CACHE_KB = 2048


class LogWriter:
    """Collects log entries and settlements from any thread and commits them in batches (group commit).

    `write` only appends to a deque (no lock, no wake-up): the writer thread wakes every `interval`
    seconds, or at once for `flush` and `stop`, and commits everything queued, `batch_size` items per
    transaction. Per-request cost stays flat under load (one transaction per interval, not per
    request); a crash loses at most the last interval's items.
    """

    def __init__(self, batch_size: int = 1000, interval: float = 0.2, guard: threading.RLock | None = None):
        self._items: deque = deque()
        self._batch_size = batch_size
        self._interval = interval
        self._wake = threading.Event()
        self._stopping = False
        self._guard = guard or threading.RLock()  # shared with the snapshot reload when holds are in memory
        # called for each settlement after its transaction: (settlement, written); False when it was dropped
        self.on_settled: Callable[[object, bool], None] | None = None
        self._thread = threading.Thread(target=self._run, name="voapi-log-writer", daemon=True)

    def start(self) -> "LogWriter":
        self._thread.start()
        return self

    def write(self, entry) -> None:
        """Queue a LogEntry or a billing Settlement; never blocks."""
        self._items.append(entry)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is committed."""
        done = threading.Event()
        self._items.append(_Marker(done))
        self._wake.set()
        return done.wait(timeout)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._stopping = True
            self._wake.set()
            self._thread.join(timeout=30)

    def _run(self) -> None:
        if isinstance(database.obj, pw.SqliteDatabase):
            # This connection only appends: the right edges of the log table and its indexes stay hot, so a
            # small page cache does (the default 32 MB would fill with every page it ever wrote).
            database.execute_sql(f"PRAGMA cache_size = -{WRITER_CACHE_KB}")
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            stopping = self._stopping
            self._drain()
            if stopping:
                break
        database.close()

    def _drain(self) -> None:
        """Commit everything queued, in batches; release the flush markers met on the way."""
        batch: list = []
        markers: list[_Marker] = []
        while True:
            try:
                item = self._items.popleft()
            except IndexError:
                item = None
            if isinstance(item, _Marker):
                markers.append(item)
            elif item is not None:
                batch.append(item)
            if item is None or len(batch) >= self._batch_size:
                if batch:
                    self._commit(batch)
                    batch = []
                for marker in markers:
                    marker.done.set()
                markers = []
                if item is None:
                    return

    def _commit(self, batch: list) -> None:
        with self._guard:
            try:
                retrying(lambda: self._write(batch))
                self._settled(batch, True)
            except Exception:  # the ledger must survive one bad item: retry one by one
                log.exception("ledger batch failed; writing %d items one by one", len(batch))
                for item in batch:
                    try:
                        retrying(lambda: self._write([item]))
                        self._settled([item], True)
                    except Exception:
                        log.exception("dropped ledger item for request %s", getattr(item, "request_id", "?"))
                        self._settled([item], False)
        publish("log")

    def _settled(self, items: list, written: bool) -> None:
        if self.on_settled is not None:
            for item in items:
                if not isinstance(item, LogEntry):
                    self.on_settled(item, written)

    @classmethod
    def _write(cls, batch: list) -> None:
        """One transaction; run again as a whole when a shared database aborts it for a deadlock."""
        with write_transaction():
            cls._apply(batch)

    @staticmethod
    def _apply(batch: list) -> None:
        from .billing import SharedCounters, apply_charges, apply_settlement, lock_accounts
        rows, charges = [], []
        shared = SharedCounters()
        lock_accounts([item for item in batch if not isinstance(item, LogEntry) and item.held_in_db])
        for item in batch:
            if isinstance(item, LogEntry):
                rows.append(item)
            elif item.held_in_db:  # counters first, then its log row (which carries the charged quota)
                if apply_settlement(item, shared) is not None and item.log is not None:
                    rows.append(item.log)
            else:  # held in memory: a final charge, counted with the batch's others
                charges.append(item)
                if item.log is not None:
                    rows.append(item.log)
        shared.apply()
        if charges:
            apply_charges(charges)
        if rows:
            insert_entries(rows)


@dataclass
class _Marker:
    done: threading.Event


def list_logs(*, type: int | None = None, token_name: str | None = None, username: str | None = None,
              limit: int = 50) -> list[dict]:
    """Newest first, as plain dicts."""
    query = Log.select().order_by(Log.id.desc()).limit(limit)
    if type is not None:
        query = query.where(Log.type == type)
    if token_name:
        query = query.where(Log.token_name == token_name)
    if username:
        query = query.where(Log.username == username)
    rows = []
    for row in query.dicts():
        row["other"] = json.loads(row["other"]) if row["other"] else {}
        rows.append(row)
    return rows
