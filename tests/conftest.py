"""Shared fixtures: a store in a temp dir, the fake upstream, a live gateway on port 0."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from tests.fakes.upstream import FakeUpstream
from voapi_desktop.gateway.server import GatewayServer
from voapi_desktop.gateway.state import GatewayState
from voapi_desktop.store import channels, tokens, users
from voapi_desktop.store.logs import LogWriter
from voapi_desktop.store.runtime import StoreRuntime, open_store
from voapi_desktop.store.snapshot import SnapshotHolder


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
    snapshots = SnapshotHolder(store.env, store.overrides)
    ledger = LogWriter(interval=0.05).start()
    state = GatewayState(snapshots, ledger)
    server = GatewayServer(state, store.settings, "127.0.0.1", 0)
    server.start()
    yield Gateway(server, state, store)
    server.stop()
    ledger.stop()
    snapshots.close()


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
