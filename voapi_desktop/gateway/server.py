"""GatewayServer: serve the app with uvicorn (httptools, uvloop), in the calling loop or a background thread.

This module is all of the gateway the console (ui/) uses: start_in_thread, GatewayServer, GatewayEvent, PortInUse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from pathlib import Path
from typing import Callable, Mapping

import uvicorn

from ..core.settings import Settings
from ..store.limiter_disk import make_limiter
from ..store.runtime import default_data_dir
from .app import create_app
from .background import run_periodic_jobs
from .fastpath import FastPath
from .listen import PortInUse, bind_socket  # noqa: F401 - PortInUse re-exported
from .state import GatewayEvent, GatewayState, open_state  # noqa: F401 - GatewayEvent re-exported

log = logging.getLogger(__name__)


def run_loop(main) -> None:
    """Run `main()` to completion on a new event loop: uvloop's when it is installed (about a fifth less
    CPU per relayed request, BENCHMARKS.md), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        factory = None
    else:
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn's server without its signal handling: whoever embeds it says when to stop (serve's own
    SIGTERM handler, the console's stop button)."""

    def __init__(self, config: uvicorn.Config, on_started) -> None:
        super().__init__(config)
        self._on_started = on_started

    @contextlib.contextmanager
    def capture_signals(self):
        yield

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_started()


async def _stop_when_set(server: uvicorn.Server, stop: asyncio.Event) -> None:
    await stop.wait()
    server.should_exit = True


class GatewayServer:
    """`start()`/`stop()` in a thread (GUI), or `await serve_until(event)` in the main loop (headless)."""

    def __init__(self, state: GatewayState, settings: Settings, host: str, port: int, *, owns_state: bool = False):
        self.state = state
        self.owns_state = owns_state  # stop() closes the state too
        self.settings = settings
        if state.limiter is None:
            data_dir = Path(settings["DATA_DIR"]) if settings["DATA_DIR"] else default_data_dir()
            state.limiter = make_limiter(settings, data_dir)
        self.app = create_app(state, settings)
        self._sock = bind_socket(host, port)
        self.host = host
        self.port = self._sock.getsockname()[1]
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def live_settings(self) -> Settings:
        """The settings now: the environment's with the runtime options stored since the start."""
        return self.state.snapshots.current.settings

    def cooldowns(self, timeout: float = 2.0) -> dict[int, float]:
        """Channel id -> seconds until a cooling channel may be tried again; {} when not serving.

        Safe from any thread: the breaker is touched on the gateway's loop only, so it is read there.
        TimeoutError when the loop does not get to it within `timeout` seconds.
        """
        loop = self._loop
        if loop is None or loop.is_closed() or not self.running:
            return {}
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:  # no loop runs in this thread: the usual case
            on_loop = False
        if on_loop:
            return self.state.cooldowns()
        async def read() -> dict[int, float]:
            return self.state.cooldowns()
        reading = read()
        try:
            answer = asyncio.run_coroutine_threadsafe(reading, loop)
        except RuntimeError:  # closed meanwhile: stopped
            reading.close()
            return {}
        return answer.result(timeout)

    @property
    def running(self) -> bool:
        return self._ready.is_set() and (self._thread is None or self._thread.is_alive())

    async def serve_until(self, stop: asyncio.Event, grace: float = 10.0) -> None:
        """Serve on the running loop until `stop` is set; in-flight requests get `grace` seconds."""
        self._loop = asyncio.get_running_loop()
        self._stop = stop
        front = FastPath(self.app, self.state, self.app.config["MAX_CONTENT_LENGTH"])
        server = _EmbeddedServer(uvicorn.Config(
            front, http="httptools", ws="websockets-sansio", lifespan="on", log_config=None, access_log=False,
            proxy_headers=False,  # the client address is ours to decide (TRUSTED_PROXIES)
            server_header=False, timeout_keep_alive=75, timeout_graceful_shutdown=int(grace) or 1),
            on_started=self._ready.set)
        jobs = self.state.spawn(run_periodic_jobs(self.state), "periodic-jobs")
        stopper = self.state.spawn(_stop_when_set(server, stop), "stop-watch")
        try:
            await server.serve(sockets=[self._sock])  # uvicorn closes the listening socket at shutdown
        finally:
            jobs.cancel()
            stopper.cancel()
            self._ready.clear()

    def start(self, timeout: float = 10.0) -> None:
        """Serve in a background thread with its own loop; returns once it accepts connections."""
        self._thread = threading.Thread(target=self._run_thread, name="voapi-gateway", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if not self._thread.is_alive():
                raise RuntimeError(f"the gateway stopped while starting: {self._failure!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start in time")

    def _run_thread(self) -> None:
        async def main() -> None:
            await self.serve_until(asyncio.Event())
        try:
            run_loop(main())
        except BaseException as exc:  # noqa: BLE001 - reported by start(), or logged when already serving
            self._failure = exc
            log.error("the gateway stopped: %r", exc)

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the server to finish and wait for its thread (then close the state, if it owns it)."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
        if self.owns_state:
            self.state.close()


def start_in_thread(env: Mapping[str, str], overrides: Mapping[str, object] | None, host: str, port: int,
                    on_event: Callable[[GatewayEvent], None] | None = None) -> GatewayServer:
    """The console's gateway: its state opened on the open store (events to `on_event`), served in a
    background thread; returns once it accepts connections. Its stop() closes the state too."""
    state = open_state(env, overrides)
    try:
        if on_event is not None:
            state.listeners.append(on_event)
        server = GatewayServer(state, state.snapshots.current.settings, host, port, owns_state=True)
        server.start()
    except BaseException:
        state.close()
        raise
    return server
