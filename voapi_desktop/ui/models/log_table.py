"""Usage log rows as a table (one page at a time; the page asks the store for the next one)."""

from __future__ import annotations

from ...store.logs import MANAGE, TYPE_NAMES
from ..context import Context
from ...store.log_queries import LogRow
from ..theme import STATUS_COLORS
from .table_model import Column, RowsTableModel

TYPE_COLORS = {"consume": None, "error": "error", "refund": "warn", "topup": "ok"}


def type_text(ctx: Context, log_type: int) -> str:
    return ctx.tr(f"logtype.{TYPE_NAMES.get(log_type, 'unknown')}")


def details(row: LogRow) -> str:
    """The row's content; an admin change (MANAGE) also names the fields it changed."""
    fields = row.other.get("fields") if row.type == MANAGE else None
    return f"{row.content} ({', '.join(map(str, fields))})" if fields else row.content


def _type_color(row: LogRow) -> str | None:
    key = TYPE_COLORS.get(TYPE_NAMES.get(row.type, ""))
    return STATUS_COLORS[key] if key else None


class LogTableModel(RowsTableModel):
    def __init__(self, ctx: Context, parent=None):
        columns = [
            Column("logs.col.time", lambda r: ctx.time(r.created_at, seconds=True), sort=lambda r: r.created_at),
            Column("logs.col.type", lambda r: type_text(ctx, r.type), sort=lambda r: r.type, color=_type_color),
            Column("logs.col.user", lambda r: r.username),
            Column("logs.col.token", lambda r: r.token_name),
            Column("logs.col.model", lambda r: r.model_name),
            Column("logs.col.channel", lambda r: str(r.channel_id) if r.channel_id else "",
                   sort=lambda r: r.channel_id, align_right=True),
            Column("logs.col.prompt", lambda r: str(r.prompt_tokens), sort=lambda r: r.prompt_tokens,
                   align_right=True),
            Column("logs.col.completion", lambda r: str(r.completion_tokens), sort=lambda r: r.completion_tokens,
                   align_right=True),
            Column("logs.col.quota", lambda r: ctx.money(r.quota), sort=lambda r: r.quota, align_right=True),
            Column("logs.col.time_ms", lambda r: f"{r.use_time / 1000:.2f} s", sort=lambda r: r.use_time,
                   align_right=True),
            Column("logs.col.stream", lambda r: "✓" if r.is_stream else "", sort=lambda r: int(r.is_stream)),
            Column("logs.col.request_id", lambda r: r.request_id),
            Column("logs.detail.content", details),
        ]
        super().__init__(columns, ctx.i18n, parent)
