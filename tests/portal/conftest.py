"""Portal test helpers: cheap bcrypt, users, and an httpx client signed in through the REST API."""

from __future__ import annotations

import bcrypt
import httpx
import pytest

from voapi_desktop.store import users
from voapi_desktop.store.changes import publish
from voapi_desktop.store.tables import Option

PASSWORD = "password-123"


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    monkeypatch.setattr(users, "hash_password",
                        lambda password: bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode())


def store_raw_option(key: str, value: str) -> None:
    """Write an option past its check, as a row stored before the check existed (or by hand) would be."""
    Option.delete().where(Option.key == key).execute()
    Option.create(key=key, value=value)
    publish("option")


def add_user(username: str, quota: int = 0) -> users.UserInfo:
    return users.create_user(username, PASSWORD, quota=quota)


@pytest.fixture
def browser_client(gateway):
    """An httpx client that behaves like a browser: keeps cookies, does not follow redirects."""
    with httpx.Client(base_url=gateway.url, timeout=10) as client:
        yield client


def sign_in(client: httpx.Client, username: str) -> int:
    answer = client.post("/api/user/login", json={"username": username, "password": PASSWORD}).json()
    assert answer["success"], answer
    return answer["data"]["id"]
