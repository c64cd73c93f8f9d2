"""Redemption codes as a table: name, state, quota, code (masked unless revealed), created, expiry, redeemer."""

from __future__ import annotations

from dataclasses import dataclass

from ...core import clock
from ...core.keys import mask_key
from ...store.redemptions import CodeInfo
from ..context import Context
from ..theme import STATUS_COLORS
from .table_model import Column, RowsTableModel

STATE_COLORS = {"enabled": "ok", "used": "muted", "disabled": "warn", "expired": "error"}


@dataclass(frozen=True)
class CodeRow:
    """A code and the name of the user who redeemed it ("" while unused)."""
    code: CodeInfo
    redeemed_by: str = ""

    def state(self) -> str:
        return self.code.state(clock.now())


class RedemptionTableModel(RowsTableModel):
    """Codes are masked unless revealed (ids in `revealed`)."""

    def __init__(self, ctx: Context, parent=None):
        super().__init__([], ctx.i18n, parent)
        self.revealed: set[int] = set()
        tr = ctx.tr
        self._columns = [
            Column("redemptions.col.id", lambda r: str(r.code.id), sort=lambda r: r.code.id, align_right=True),
            Column("redemptions.col.name", lambda r: r.code.name),
            Column("redemptions.col.status", lambda r: tr(f"redemptions.state.{r.state()}"),
                   color=lambda r: STATUS_COLORS[STATE_COLORS.get(r.state(), "muted")]),
            Column("redemptions.col.quota", lambda r: ctx.money(r.code.quota), sort=lambda r: r.code.quota,
                   align_right=True),
            Column("redemptions.col.code", self.code_text),
            Column("redemptions.col.created", lambda r: ctx.time(r.code.created_time),
                   sort=lambda r: r.code.created_time),
            Column("redemptions.col.expires", lambda r: ctx.time(r.code.expired_time) if r.code.expired_time
                   else tr("redemptions.never"), sort=lambda r: r.code.expired_time or 2**62),
            Column("redemptions.col.redeemed_by", lambda r: r.redeemed_by),
            Column("redemptions.col.redeemed_at", lambda r: ctx.time(r.code.redeemed_time),
                   sort=lambda r: r.code.redeemed_time),
        ]

    def code_text(self, row: CodeRow) -> str:
        return row.code.key if row.code.id in self.revealed else mask_key(row.code.key)

    def toggle_revealed(self, code_ids: list[int]) -> None:
        for code_id in code_ids:
            self.revealed ^= {code_id}
        self.refresh_rows()
