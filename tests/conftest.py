"""Shared fixtures: a store in a temp dir, the fake upstream, a live gateway on port 0, a redis-server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest

from tests.fakes.mail import SmtpSink
from tests.fakes.upstream import FakeUpstream
from voapi_desktop.gateway.server import GatewayServer
from voapi_desktop.gateway.state import GatewayState, open_state
from voapi_desktop.store import channels, tokens, users
from voapi_desktop.store.options import set_options
from voapi_desktop.store.runtime import StoreRuntime, open_store

NO_REDIS = "redis-server is not installed (scripts/test installs the Debian package when run as root)"


@pytest.fixture
def store(tmp_path) -> StoreRuntime:
    """A fresh SQLite store; the environment is isolated from the machine's."""
    runtime = open_store(env={"DATA_DIR": str(tmp_path / "data")})
    yield runtime
    runtime.close()


@pytest.fixture
def upstream():
    fake = FakeUpstream().start()
    yield fake
    fake.stop()


@pytest.fixture
def smtp(gateway):
    """A local SMTP sink the live gateway mails through (its SMTP settings stored as options)."""
    sink = SmtpSink().start()
    set_options(sink.settings())
    yield sink
    sink.stop()


@dataclass
class Gateway:
    server: GatewayServer
    state: GatewayState
    store: StoreRuntime

    @property
    def base_url(self) -> str:
        return self.server.base_url + "/v1"

    @property
    def url(self) -> str:
        return self.server.base_url

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every request in flight has settled and its ledger rows are committed."""
        deadline = time.monotonic() + timeout
        while self.state.inflight and time.monotonic() < deadline:
            time.sleep(0.01)  # a stream settles just after its last chunk reached the client
        assert self.state.inflight == 0, "a request never settled"
        assert self.state.ledger.flush()


@pytest.fixture
def gateway(store):
    state = open_state(store.env, store.overrides, ledger_interval=0.05)
    server = GatewayServer(state, store.settings, "127.0.0.1", 0)
    server.start()
    yield Gateway(server, state, store)
    server.stop()
    state.close()


def add_channel(upstream: FakeUpstream, name: str = "main", key: str = "upstream-key", *,
                models: str = "gpt-4o-mini,text-embedding-3-small", **fields) -> channels.ChannelInfo:
    """A channel pointing at the fake upstream."""
    fields.setdefault("type", "OpenAI")
    return channels.create_channel(name=name, key=key, base_url=upstream.url, models=models, **fields)


def make_token(name: str = "test", username: str = "root", **fields) -> str:
    """A token's full key (sk-...), owned by `username`; unlimited unless a quota is given."""
    owner = users.find_user(username)
    fields.setdefault("unlimited", "quota" not in fields)
    return "sk-" + tokens.create_token(owner.id, name, **fields).key


# --- a private redis-server: a free loopback port, a temp dir, stopped by its PID ---------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """redis://127.0.0.1:PORT/0 of a redis-server started for this test session (store and e2e tests)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(NO_REDIS)
    workdir = tmp_path_factory.mktemp("redis")
    for _attempt in range(3):  # another program may take the port between probe and bind
        port = free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)],
            cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline and not _answers(port):
            time.sleep(0.05)
        if process.poll() is None and _answers(port):
            break
        process.kill()
        process.wait()
    else:
        pytest.fail("redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process, timeout=10)


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """A server this test run started: SIGTERM, then SIGKILL after `timeout` seconds, by its PID."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
