"""Log retention and export: delete old rows in batches, write a time range to CSV.

Both walk the table by id in chunks, so neither holds the whole log in memory
nor keeps a write lock for long (the ledger writer keeps committing between chunks).
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from ..core import periods
from .changes import publish
from .errors import InvalidInput
from .logs import TYPE_NAMES
from .tables import Log
from .transactions import write_transaction

CSV_COLUMNS = ("id", "created_at", "type", "username", "token_name", "model_name", "quota", "prompt_tokens",
               "completion_tokens", "use_time", "is_stream", "channel_id", "group", "request_id", "content")
_CHUNK = 500
_FIELDS = (Log.id, Log.created_at, Log.type, Log.username, Log.token_name, Log.model_name, Log.quota,
           Log.prompt_tokens, Log.completion_tokens, Log.use_time, Log.is_stream, Log.channel_id, Log.group,
           Log.request_id, Log.content)


def delete_logs_before(timestamp: int, batch: int = 1000) -> int:
    """Delete log rows created before `timestamp` (unix seconds), `batch` rows per transaction."""
    if batch < 1:
        raise InvalidInput("batch must be at least 1")
    deleted = 0
    while True:
        with write_transaction():
            ids = [row.id for row in Log.select(Log.id).where(Log.created_at < timestamp).order_by(Log.id)
                   .limit(batch)]
            if ids:
                Log.delete().where(Log.id.in_(ids)).execute()
        deleted += len(ids)
        if len(ids) < batch:
            break
    if deleted:
        publish("log")
    return deleted


def _rows(since_ts: int, until_ts: int | None):
    """Matching rows in id order, fetched a chunk at a time."""
    condition = Log.created_at >= since_ts
    if until_ts is not None:
        condition &= Log.created_at < until_ts
    last_id = 0
    while True:
        query = Log.select(*_FIELDS).where(condition & (Log.id > last_id)).order_by(Log.id).limit(_CHUNK)
        chunk = list(query.namedtuples().iterator())
        yield from chunk
        if len(chunk) < _CHUNK:
            return
        last_id = chunk[-1].id


def _csv_row(row, tz: tzinfo | None) -> list:
    created = periods.local(datetime.fromtimestamp(row.created_at, timezone.utc), tz)
    return [row.id, created.isoformat(), TYPE_NAMES.get(row.type, "unknown"),
            row.username, row.token_name, row.model_name, row.quota, row.prompt_tokens, row.completion_tokens,
            row.use_time, "true" if row.is_stream else "false", row.channel_id, row.group, row.request_id,
            row.content]


def export_logs_csv(path: str | Path, since_ts: int, until_ts: int | None = None,
                    tz: tzinfo | None = None) -> int:
    """Write logs with since_ts <= created_at < until_ts to a CSV file (with a header); returns the row count.

    created_at is ISO 8601 in `tz` (None: the system's local zone, like an empty TZ setting).
    """
    if until_ts is not None and until_ts <= since_ts:
        raise InvalidInput("the end of the range must be after its start")
    count = 0
    try:
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for row in _rows(since_ts, until_ts):
                writer.writerow(_csv_row(row, tz))
                count += 1
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    return count
