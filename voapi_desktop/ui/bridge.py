"""Gateway events (raised in the gateway's thread) as Qt signals queued to the GUI thread."""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QObject, Signal

from ..gateway.server import GatewayEvent


class Bridge(QObject):
    """Re-emits `GatewayState.listeners` callbacks as signals; counts the request rate.

    Signals:
        request_finished(dict): request_id, model, channel_id, user, prompt_tokens,
            completion_tokens, elapsed_ms, ok.
        channel_disabled(dict): channel_id, name, reason.
    """

    request_finished = Signal(dict)
    channel_disabled = Signal(dict)
    _event = Signal(object)

    def __init__(self, parent: QObject | None = None, window_seconds: float = 60.0):
        super().__init__(parent)
        self._window = window_seconds
        self._finished: deque[float] = deque()
        self._event.connect(self._dispatch)

    def on_gateway_event(self, event: GatewayEvent) -> None:
        """The gateway listener: never blocks, only queues a signal."""
        self._event.emit(event)

    def _dispatch(self, event: GatewayEvent) -> None:
        if event.kind == "request":
            self._finished.append(time.monotonic())
            self.request_finished.emit(dict(event.data))
        elif event.kind == "channel_disabled":
            self.channel_disabled.emit(dict(event.data))

    def requests_per_minute(self) -> float:
        """Requests finished in the last window, scaled to a minute."""
        cutoff = time.monotonic() - self._window
        while self._finished and self._finished[0] < cutoff:
            self._finished.popleft()
        return len(self._finished) * 60.0 / self._window
