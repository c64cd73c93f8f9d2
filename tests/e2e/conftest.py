"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import bcrypt
import pytest

from tests.conftest import make_token
from tests.e2e import helpers
from voapi_desktop.store import users


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Every e2e test opens a fresh store, which hashes root's password: at bcrypt's default cost
    that is most of a test's time. Passwords are not what these tests are about."""
    monkeypatch.setattr(users, "hash_password",
                        lambda password: bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode())


@pytest.fixture
def key(gateway) -> str:
    """A full key (sk-...) of root's, unlimited."""
    return make_token()


@pytest.fixture
def sdk(gateway):
    """`sdk(key)`: an official openai client for the live gateway, closed after the test."""
    made = []

    def make(key: str, **options):
        client = helpers.sdk(gateway, key, **options)
        made.append(client)
        return client
    yield make
    for client in made:
        client.close()


class BreakerClock:
    """The channel breaker's clock, moved by the test (the gateway reads it on its own thread)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def breaker_clock(gateway) -> BreakerClock:
    """The live gateway's cooldown breaker on a clock the test moves (`breaker_clock.now += 5`)."""
    fake = BreakerClock()
    gateway.state.breaker.clock = fake
    return fake
