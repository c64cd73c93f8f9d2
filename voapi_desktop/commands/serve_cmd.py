"""`voapi-desktop serve`: the headless gateway; SIGTERM/SIGINT stop it gracefully."""

from __future__ import annotations

import asyncio
import logging
import signal

from ..store.db import close_database
from ..store.runtime import warn_if_default_password
from . import store_for

log = logging.getLogger(__name__)


def register(commands, common) -> None:
    serve = common(commands.add_parser("serve", help="run the gateway without a window"))
    serve.add_argument("--host", help="address to listen on (env HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (env PORT, default 3000)")
    serve.set_defaults(handler=run)


def run(args) -> int:
    from ..gateway.server import GatewayServer, run_loop
    from ..gateway.state import open_state

    runtime = store_for(args, HOST=args.host, PORT=args.port)
    settings = runtime.settings
    try:
        state = open_state(runtime.env, runtime.overrides)
    except BaseException:
        runtime.close()
        raise
    try:
        server = GatewayServer(state, settings, settings["HOST"], settings["PORT"])
    except BaseException:
        state.close()
        runtime.close()
        raise
    log.info("VoAPI Desktop gateway on %s (OpenAI base URL %s/v1), data in %s",
             server.base_url, server.base_url, runtime.data_dir)
    try:
        run_loop(_serve(server))
    finally:
        state.close()
        runtime.close()
    log.info("gateway stopped")
    return 0


async def _serve(server) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"serving on {server.base_url}", flush=True)
    checked = loop.run_in_executor(None, _warn_default_password)  # a bcrypt check: not before serving
    await server.serve_until(stop)
    await checked


def _warn_default_password() -> None:
    try:
        warn_if_default_password()
    finally:
        close_database()  # this executor thread's connection
