"""Log retention (batched deletes) and CSV export."""

from __future__ import annotations

import csv
import tracemalloc
from datetime import timezone
from zoneinfo import ZoneInfo

import pytest

from voapi_desktop.store.errors import InvalidInput
from voapi_desktop.store.log_archive import CSV_COLUMNS, delete_logs_before, export_logs_csv
from voapi_desktop.store.logs import CONSUME, TOPUP, LogEntry
from voapi_desktop.store.tables import Log

T0 = 1_740_000_000  # 2025-02-19T21:20:00Z


def add_log(created_at: int, **fields) -> None:
    Log.insert(LogEntry(fields.pop("type", CONSUME), created_at=created_at, **fields).row()).execute()


@pytest.fixture(autouse=True)
def _store(store):
    return store


def test_delete_logs_before_removes_only_older_rows_in_batches():
    for i in range(25):
        add_log(T0 + i, content=f"row {i}")
    assert delete_logs_before(T0 + 20, batch=7) == 20
    assert [row.content for row in Log.select().order_by(Log.id)] == [f"row {i}" for i in range(20, 25)]
    assert delete_logs_before(T0 + 20) == 0


def test_delete_logs_before_refuses_a_batch_below_one():
    with pytest.raises(InvalidInput):
        delete_logs_before(T0, batch=0)


def test_export_writes_a_header_and_the_rows_in_range(tmp_path):
    add_log(T0 - 1, content="too early")
    add_log(T0, username="alice", token_name="laptop", model_name="gpt-4o-mini", quota=1234, prompt_tokens=10,
            completion_tokens=20, use_time=850, is_stream=True, channel_id=3, group="vip", request_id="req-1",
            content='model ratio 1, "quoted", comma, and\nnewline')
    add_log(T0 + 10, type=TOPUP, username="bob", quota=500, content="admin top-up")
    add_log(T0 + 20, content="too late")
    out = tmp_path / "logs.csv"
    assert export_logs_csv(out, T0, T0 + 20, tz=timezone.utc) == 2
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    first = dict(zip(CSV_COLUMNS, rows[1]))
    assert first == {"id": "2", "created_at": "2025-02-19T21:20:00+00:00", "type": "consume", "username": "alice",
                     "token_name": "laptop", "model_name": "gpt-4o-mini", "quota": "1234", "prompt_tokens": "10",
                     "completion_tokens": "20", "use_time": "850", "is_stream": "true", "channel_id": "3",
                     "group": "vip", "request_id": "req-1",
                     "content": 'model ratio 1, "quoted", comma, and\nnewline'}
    assert dict(zip(CSV_COLUMNS, rows[2]))["type"] == "topup"
    assert len(rows) == 3


def test_export_without_an_end_takes_everything_since_and_shows_times_in_tz(tmp_path):
    add_log(T0)
    add_log(T0 + 86_400 * 400)
    out = tmp_path / "logs.csv"
    assert export_logs_csv(out, T0, tz=ZoneInfo("Asia/Shanghai")) == 2
    assert "2025-02-20T05:20:00+08:00" in out.read_text()


def test_export_of_an_empty_range_writes_just_the_header(tmp_path):
    out = tmp_path / "logs.csv"
    assert export_logs_csv(out, T0) == 0
    assert out.read_text().splitlines() == [",".join(CSV_COLUMNS)]


def test_export_refuses_a_reversed_range_and_an_unwritable_path(tmp_path):
    with pytest.raises(InvalidInput, match="after its start"):
        export_logs_csv(tmp_path / "x.csv", T0, T0)
    with pytest.raises(InvalidInput, match="cannot write"):
        export_logs_csv(tmp_path / "missing-dir" / "x.csv", T0)


def test_export_streams_rows_instead_of_loading_them_all(tmp_path):
    for _ in range(20):
        Log.insert_many([LogEntry(CONSUME, created_at=T0, content="x" * 1000).row() for _ in range(500)]).execute()
    tracemalloc.start()
    try:
        count = export_logs_csv(tmp_path / "big.csv", T0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 10_000
    assert peak < 3_000_000  # the rows hold 10 MB of text; one chunk at a time stays far below
