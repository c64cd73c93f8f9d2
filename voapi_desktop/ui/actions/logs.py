"""Log actions: load a filtered page, export a time range to CSV, set how long logs are kept."""

from __future__ import annotations

from typing import Callable

from ...store import channels, options
from ...store.log_archive import export_logs_csv
from ..context import Context
from ...store.log_queries import LogFilter, LogRow, query_logs


def load_logs(f: LogFilter, page: int, page_size: int) -> tuple[list[LogRow], int]:
    return query_logs(f, page, page_size)


def load_channel_names() -> dict[int, str]:
    return {c.id: c.name for c in channels.list_channels()}


def export_csv(ctx: Context, path: str, f: LogFilter, *, success: Callable[[int], None] | None = None,
               failure: Callable[[BaseException], None] | None = None) -> None:
    """Every row of the filter's time range (the store's export covers the time range only)."""
    tz = ctx.tz()
    ctx.ops.run(lambda: export_logs_csv(path, f.since or 0, f.until, tz=tz), success=success, failure=failure)


def save_retention(ctx: Context, days: str, *, success: Callable[[int], None] | None = None,
                   failure: Callable[[BaseException], None] | None = None) -> None:
    """LOG_RETENTION_DAYS as typed (validated by the settings table); success gets the stored number."""
    ctx.ops.run(lambda: options.set_option("LOG_RETENTION_DAYS", days)[1], writes=("option",), success=success,
                failure=failure, audit="set option LOG_RETENTION_DAYS", audit_fields=["LOG_RETENTION_DAYS"])
