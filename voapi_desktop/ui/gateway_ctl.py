"""Start and stop the gateway (its own thread and loop) from the console, off the GUI thread."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QNetworkInterface

from ..gateway.server import GatewayServer, start_in_thread
from ..store.runtime import StoreRuntime
from .bridge import Bridge
from .ops import Ops

log = logging.getLogger(__name__)

STOPPED, STARTING, RUNNING, STOPPING = "stopped", "starting", "running", "stopping"


class GatewayController(QObject):
    """The gateway of gateway.server.start_in_thread, with `start()` / `stop()` that never block.

    Signals:
        state_changed(str): stopped / starting / running / stopping.
        start_failed(object): the exception (PortInUse, ...) that kept it from starting.
    """

    state_changed = Signal(str)
    start_failed = Signal(object)

    def __init__(self, ops: Ops, bridge: Bridge, runtime: StoreRuntime, parent: QObject | None = None,
                 host: str | None = None, port: int | None = None):
        super().__init__(parent)
        self._ops = ops
        self._bridge = bridge
        self._runtime = runtime
        self.host = host if host is not None else runtime.settings["HOST"]
        self.wanted_port = port if port is not None else runtime.settings["PORT"]
        self._serving: GatewayServer | None = None
        self.state = STOPPED

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def port(self) -> int | None:
        return self._serving.port if self._serving else None

    @property
    def base_url(self) -> str:
        return self._serving.base_url if self._serving else ""

    def base_urls(self) -> list[str]:
        """Where clients reach the gateway: the bound address, or every local IPv4 one on 0.0.0.0."""
        if not self._serving:
            return []
        if self.host not in ("0.0.0.0", "::"):
            return [self.base_url]
        hosts = ["127.0.0.1"] + [a.toString() for a in QNetworkInterface.allAddresses()
                                 if a.protocol() == QAbstractSocket.IPv4Protocol and not a.isLoopback()]
        return [f"http://{host}:{self.port}" for host in hosts]

    def settings(self):
        """The gateway's current settings (runtime options included) while it runs."""
        return self._serving.live_settings() if self._serving else None

    def cooldowns(self) -> dict[int, float]:
        """Channel id -> seconds until a cooling channel may be tried again ({} while stopped)."""
        return self._serving.cooldowns() if self._serving else {}

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    def start(self) -> None:
        if self.state != STOPPED:
            return
        self._set_state(STARTING)
        self._ops.run(self._start_blocking, success=self._started, failure=self._failed)

    def _start_blocking(self) -> GatewayServer:
        return start_in_thread(self._runtime.env, self._runtime.overrides, self.host, self.wanted_port,
                               on_event=self._bridge.on_gateway_event)

    def _started(self, serving: GatewayServer) -> None:
        self._serving = serving
        log.info("gateway serving on %s", serving.base_url)
        self._set_state(RUNNING)

    def _failed(self, exc: BaseException) -> None:
        self._set_state(STOPPED)
        self.start_failed.emit(exc)

    def stop(self) -> None:
        if self.state != RUNNING or self._serving is None:
            return
        serving, self._serving = self._serving, None
        self._set_state(STOPPING)
        self._ops.run(serving.stop, success=lambda _: self._set_state(STOPPED),
                      failure=lambda exc: (self._set_state(STOPPED), self._ops.failed.emit(exc)))

    def toggle(self) -> None:
        self.stop() if self.running else self.start()

    def shutdown(self) -> None:
        """At quit: stop at once, on the calling thread (the window is already gone)."""
        serving, self._serving = self._serving, None
        if serving is not None:
            serving.stop()
        self.state = STOPPED
