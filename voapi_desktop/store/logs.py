"""The usage ledger: log rows and settlements written by one writer thread in batches (group commit)."""

from __future__ import annotations

import json
import logging
import queue
import threading
from dataclasses import asdict, dataclass, field

from ..core import clock
from .changes import publish
from .tables import Log, database
from .transactions import write_transaction

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
        values = asdict(self)
        values["other"] = json.dumps(self.other, ensure_ascii=False) if self.other else ""
        values["created_at"] = self.created_at or clock.now()
        return values


class LogWriter:
    """Collects log entries from any thread and commits them in batches."""

    def __init__(self, batch_size: int = 200, interval: float = 0.2):
        self._queue: queue.Queue[LogEntry | None] = queue.Queue()
        self._batch_size = batch_size
        self._interval = interval
        self._thread = threading.Thread(target=self._run, name="voapi-log-writer", daemon=True)

    def start(self) -> "LogWriter":
        self._thread.start()
        return self

    def write(self, entry) -> None:
        """Queue a LogEntry or a billing Settlement; never blocks."""
        self._queue.put(entry)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is committed."""
        done = threading.Event()
        self._queue.put(_Marker(done))  # type: ignore[arg-type]
        return done.wait(timeout)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, markers, stopping = self._collect()
            if batch:
                self._commit(batch)
            for marker in markers:
                marker.done.set()
        database.close()

    def _collect(self) -> tuple[list[LogEntry], list["_Marker"], bool]:
        batch: list[LogEntry] = []
        markers: list[_Marker] = []
        try:
            item = self._queue.get(timeout=self._interval)
        except queue.Empty:
            return batch, markers, False
        while True:
            if item is None:
                return batch, markers, True
            if isinstance(item, _Marker):
                markers.append(item)
            else:
                batch.append(item)
            if len(batch) >= self._batch_size:
                return batch, markers, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, markers, False

    def _commit(self, batch: list) -> None:
        try:
            with write_transaction():
                self._apply(batch)
        except Exception:  # the ledger must survive one bad item: retry one by one
            log.exception("ledger batch failed; writing %d items one by one", len(batch))
            for item in batch:
                try:
                    with write_transaction():
                        self._apply([item])
                except Exception:
                    log.exception("dropped ledger item for request %s", getattr(item, "request_id", "?"))
        publish("log")

    @staticmethod
    def _apply(batch: list) -> None:
        rows = []
        for item in batch:
            if isinstance(item, LogEntry):
                rows.append(item.row())
            else:  # a Settlement: counters first, then its log row (which carries the charged quota)
                from .billing import apply_settlement
                if apply_settlement(item) is not None and item.log is not None:
                    rows.append(item.log.row())
        if rows:
            Log.insert_many(rows).execute()


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
