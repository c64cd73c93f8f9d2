"""Risk control as tables: sensitive-word hits (time, user, key, words, excerpt, action) and bans."""

from __future__ import annotations

from ..context import Context
from ..theme import STATUS_COLORS
from .table_model import Column, RowsTableModel


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _action_color(event) -> str:
    return STATUS_COLORS["error" if "banned" in event.actions else "warn" if "refused" in event.actions
                         else "muted"]


class RiskEventTableModel(RowsTableModel):
    def __init__(self, ctx: Context, parent=None):
        tr = ctx.tr
        columns = [
            Column("risk.col.time", lambda e: ctx.time(e.created_at, seconds=True), sort=lambda e: (e.created_at, e.id)),
            Column("risk.col.user", lambda e: e.username or str(e.user_id)),
            Column("risk.col.token", lambda e: e.token_name or (f"#{e.token_id}" if e.token_id else "")),
            Column("risk.col.words", lambda e: ", ".join(e.words), color=lambda e: STATUS_COLORS["error"]),
            Column("risk.col.action", lambda e: ", ".join(tr(f"risk.action.{a}") for a in e.actions)
                   or tr("risk.action.unknown"), color=_action_color),
            Column("risk.col.model", lambda e: e.model),
            Column("risk.col.ip", lambda e: e.ip),
            Column("risk.col.dialect", lambda e: e.dialect),
            Column("risk.col.excerpt", lambda e: _one_line(e.excerpt), tooltip=lambda e: e.excerpt),
        ]
        super().__init__(columns, ctx.i18n, parent)


class BanTableModel(RowsTableModel):
    def __init__(self, ctx: Context, parent=None):
        tr = ctx.tr
        columns = [
            Column("risk.bans.col.user", lambda b: b.username),
            Column("risk.bans.col.display_name", lambda b: b.display_name),
            Column("risk.bans.col.group", lambda b: b.group),
            Column("risk.bans.col.since", lambda b: ctx.time(b.since) or tr("risk.bans.unknown"),
                   sort=lambda b: b.since),
            Column("risk.bans.col.until", lambda b: tr("risk.bans.until_lifted"),
                   color=lambda b: STATUS_COLORS["muted"]),
            Column("risk.bans.col.reason", lambda b: b.reason or tr("risk.bans.no_reason"),
                   tooltip=lambda b: b.reason),
        ]
        super().__init__(columns, ctx.i18n, parent)

