"""A live feed of requests as the gateway finishes them (newest on top)."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from ..context import Context
from ..theme import STATUS_COLORS

MAX_ITEMS = 200


class RequestFeed(QListWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setMinimumHeight(160)
        self.setAlternatingRowColors(True)
        self._pending: list[dict] = []
        self._timer = QTimer(self, singleShot=True, interval=200)  # batch repaints under load
        self._timer.timeout.connect(self.flush)
        ctx.bridge.request_finished.connect(self.queue_request)

    def queue_request(self, data: dict) -> None:
        self._pending.append(data)
        del self._pending[:-MAX_ITEMS]
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for data in pending:
            self.add_request(data)

    def add_request(self, data: dict) -> None:
        ok = data.get("ok", False)
        tokens = int(data.get("prompt_tokens", 0)) + int(data.get("completion_tokens", 0))
        text = self.ctx.tr("feed.line", time=time.strftime("%H:%M:%S"), model=data.get("model", "?"),
                           user=data.get("user", ""), tokens=tokens,
                           seconds=f"{int(data.get('elapsed_ms', 0)) / 1000:.2f}",
                           outcome=self.ctx.tr("feed.ok" if ok else "feed.failed"))
        item = QListWidgetItem(text)
        if not ok:
            item.setForeground(QColor(STATUS_COLORS["error"]))
        item.setToolTip(str(data.get("request_id", "")))
        self.insertItem(0, item)
        while self.count() > MAX_ITEMS:
            self.takeItem(self.count() - 1)
