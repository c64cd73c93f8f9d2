"""API keys as a table: name, owner, state, masked key, quota left and used, expiry, limits."""

from __future__ import annotations

from ...core import clock
from ...core.keys import mask_key
from ...store.tokens import TokenInfo
from ..context import Context
from ..theme import STATUS_COLORS
from .table_model import Column, RowsTableModel

STATE_COLORS = {"enabled": "ok", "disabled": "muted", "expired": "warn", "exhausted": "error"}


class TokenTableModel(RowsTableModel):
    """Keys are masked unless revealed (ids in `revealed`)."""

    def __init__(self, ctx: Context, parent=None):
        super().__init__([], ctx.i18n, parent)
        self.ctx = ctx
        self.revealed: set[int] = set()
        tr = ctx.tr
        self._columns = [
            Column("tokens.col.id", lambda t: str(t.id), sort=lambda t: t.id, align_right=True),
            Column("tokens.col.name", lambda t: t.name),
            Column("tokens.col.user", lambda t: t.username),
            Column("tokens.col.status", lambda t: tr(f"status.{t.state(clock.now())}"),
                   color=lambda t: STATUS_COLORS[STATE_COLORS.get(t.state(clock.now()), "muted")]),
            Column("tokens.col.key", self.key_text),
            Column("tokens.col.remain", lambda t: tr("tokens.unlimited") if t.unlimited_quota
                   else ctx.money(t.remain_quota),
                   sort=lambda t: 2**62 if t.unlimited_quota else t.remain_quota, align_right=True),
            Column("tokens.col.used", lambda t: ctx.money(t.used_quota), sort=lambda t: t.used_quota,
                   align_right=True),
            Column("tokens.col.expires", lambda t: tr("tokens.never") if t.expired_time == -1
                   else ctx.time(t.expired_time), sort=lambda t: t.expired_time if t.expired_time != -1 else 2**62),
            Column("tokens.col.models", lambda t: ", ".join(sorted(t.model_limits)) or tr("tokens.all_models")),
            Column("tokens.col.ips", lambda t: t.allow_ips.replace("\n", ", ") or tr("tokens.any_ip")),
            Column("tokens.col.group", lambda t: t.group or tr("tokens.owner_group")),
            Column("tokens.col.created", lambda t: ctx.time(t.created_time), sort=lambda t: t.created_time),
        ]

    def key_text(self, t: TokenInfo) -> str:
        return "sk-" + t.key if t.id in self.revealed else mask_key("sk-" + t.key)

    def toggle_revealed(self, token_ids: list[int]) -> None:
        for token_id in token_ids:
            self.revealed ^= {token_id}
        self.refresh_rows()
