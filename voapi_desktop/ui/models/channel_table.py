"""Channels as a table: status (and cooldown), type, models, priority, weight, response time, balance (and when
it was read), used quota, test."""

from __future__ import annotations

import math
import time
from typing import Callable

from ...store.channels import AUTO_DISABLED, ENABLED, ChannelInfo
from ..context import Context
from ..theme import STATUS_COLORS
from .table_model import Column, RowsTableModel

STATUS_KEYS = {ENABLED: "status.enabled", 2: "status.disabled", AUTO_DISABLED: "status.auto_disabled"}


def _status_color(c: ChannelInfo) -> str:
    return STATUS_COLORS["ok" if c.status == ENABLED else "error" if c.status == AUTO_DISABLED else "muted"]


class ChannelTableModel(RowsTableModel):
    """Also shows the latest test result of each channel and the gateway's cooldowns (kept here, not in the
    database)."""

    def __init__(self, ctx: Context, parent=None, clock: Callable[[], float] = time.monotonic):
        super().__init__([], ctx.i18n, parent)
        self.ctx = ctx
        self.clock = clock
        self.results: dict[int, object] = {}  # channel id -> channel_test.TestResult
        self.cooling: dict[int, float] = {}  # channel id -> clock time its cooldown ends (the gateway's breaker)
        self._columns = [
            Column("channels.col.id", lambda c: str(c.id), sort=lambda c: c.id, align_right=True),
            Column("channels.col.name", lambda c: c.name),
            Column("channels.col.status", self._status_text, sort=lambda c: c.status, color=self._status_color,
                   tooltip=self._status_tooltip),
            Column("channels.col.type", lambda c: c.type_name),
            Column("channels.col.models", lambda c: ", ".join(c.models), tooltip=lambda c: "\n".join(c.models)),
            Column("channels.col.groups", lambda c: ", ".join(c.groups)),
            Column("channels.col.tag", lambda c: c.tag),
            Column("channels.col.priority", lambda c: str(c.priority), sort=lambda c: c.priority,
                   align_right=True),
            Column("channels.col.weight", lambda c: str(c.weight), sort=lambda c: c.weight, align_right=True),
            Column("channels.col.response", self._response_text, sort=lambda c: c.response_time,
                   align_right=True, color=self._response_color),
            Column("channels.col.balance", self._balance_text, sort=lambda c: float(c.balance), align_right=True,
                   color=self._balance_color, tooltip=self._balance_tooltip),
            Column("channel_admin.col.balance_time", lambda c: ctx.time(c.balance_updated_time),
                   sort=lambda c: c.balance_updated_time),
            Column("channels.col.used", lambda c: ctx.money(c.used_quota), sort=lambda c: c.used_quota,
                   align_right=True),
            Column("channels.col.test", self._test_text, sort=self._test_sort, color=self._test_color,
                   tooltip=self._test_tooltip),
        ]

    def set_cooldowns(self, seconds_left: dict[int, float]) -> None:
        """The gateway's cooldowns now (channel id -> seconds left): repaint the rows."""
        now = self.clock()
        self.cooling = {channel_id: now + left for channel_id, left in seconds_left.items()}
        self.refresh_rows()

    def cooling_seconds(self, c: ChannelInfo) -> int:
        """Whole seconds (rounded up) until routing tries the channel again; 0 when it is not cooling down."""
        left = self.cooling.get(c.id, 0.0) - self.clock()
        return math.ceil(left) if left > 0 else 0

    def _status_text(self, c: ChannelInfo) -> str:
        status = self.ctx.tr(STATUS_KEYS.get(c.status, "status.disabled"))
        seconds = self.cooling_seconds(c)
        return self.ctx.tr("channel_admin.cooling", status=status, seconds=seconds) if seconds else status

    def _status_color(self, c: ChannelInfo) -> str:
        return STATUS_COLORS["warn"] if c.status == ENABLED and self.cooling_seconds(c) else _status_color(c)

    def _status_tooltip(self, c: ChannelInfo) -> str:
        if not self.cooling_seconds(c):
            return c.status_reason
        return "\n".join(filter(None, (self.ctx.tr("channel_admin.cooling_tooltip"), c.status_reason)))

    def _balance_text(self, c: ChannelInfo) -> str:
        """The upstream account's balance (USD as read) in the display currency; empty until read once."""
        if not c.balance_updated_time:
            return ""
        return self.ctx.money(round(c.balance * self.ctx.settings["QUOTA_PER_UNIT"]))

    def _balance_color(self, c: ChannelInfo) -> str | None:
        return STATUS_COLORS["error"] if c.balance_updated_time and c.balance <= 0 else None

    def _balance_tooltip(self, c: ChannelInfo) -> str:
        if not c.balance_updated_time:
            return ""
        return self.ctx.tr("channel_admin.balance_tooltip", usd=f"{c.balance:,.4f}",
                           time=self.ctx.time(c.balance_updated_time, seconds=True))

    def _response_text(self, c: ChannelInfo) -> str:
        return f"{c.response_time} ms" if c.test_time else ""

    def _response_color(self, c: ChannelInfo) -> str | None:
        if not c.test_time:
            return None
        return STATUS_COLORS["ok" if c.response_time < 3000 else "warn" if c.response_time < 8000 else "error"]

    def _test_text(self, c: ChannelInfo) -> str:
        return self.result_text(self.results.get(c.id))

    def result_text(self, result) -> str:
        if result is None:
            return ""
        if result == "running":
            return self.ctx.tr("channels.test.running")
        return self.ctx.tr("channels.test.ok" if result.ok else "channels.test.failed", ms=result.elapsed_ms)

    def _test_sort(self, c: ChannelInfo) -> int:
        result = self.results.get(c.id)
        return -1 if result is None or result == "running" else (0 if result.ok else 1)

    def _test_color(self, c: ChannelInfo) -> str | None:
        result = self.results.get(c.id)
        if result is None or result == "running":
            return STATUS_COLORS["muted"]
        return STATUS_COLORS["ok" if result.ok else "error"]

    def _test_tooltip(self, c: ChannelInfo) -> str:
        result = self.results.get(c.id)
        if result is None or result == "running":
            return ""
        return f"{result.model}: HTTP {result.status} — {result.message}"

    def set_result(self, channel_id: int, result) -> None:
        """A test started ("running") or finished (a TestResult): repaint that channel's row."""
        self.results[channel_id] = result
        for row, channel in enumerate(self.rows()):
            if channel.id == channel_id:
                last = self.columnCount() - 1
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
