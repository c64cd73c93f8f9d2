"""The status bar: gateway state, port, requests per minute."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from .context import Context
from .theme import STATUS_COLORS

DOTS = {"running": "ok", "starting": "warn", "stopping": "warn", "stopped": "error"}


class GatewayStatusBar(QStatusBar):
    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.state = QLabel()
        self.port = QLabel()
        self.rate = QLabel()
        self.addWidget(self.state)
        self.addPermanentWidget(self.port)
        self.addPermanentWidget(self.rate)
        ctx.gateway.state_changed.connect(lambda _: self.refresh())
        ctx.i18n.changed.connect(lambda _: self.refresh())
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        gateway, tr = self.ctx.gateway, self.ctx.tr
        color = STATUS_COLORS[DOTS.get(gateway.state, "muted")]
        text = tr(f"gateway.state.{gateway.state}", url=gateway.base_url)
        self.state.setText(f"<span style='color:{color}'>●</span> {text}")
        self.port.setText(tr("status.port", port=gateway.port) if gateway.port else "")
        self.rate.setText(tr("status.rate", rate=f"{self.ctx.bridge.requests_per_minute():.0f}"))
