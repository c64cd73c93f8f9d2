"""Helpers shared by the wallet tests: cheap users and settings with chosen values."""

from __future__ import annotations

import bcrypt

from voapi_desktop.core.settings import Settings
from voapi_desktop.store import users
from voapi_desktop.store.logs import list_logs


def cheap_hashes(monkeypatch) -> None:
    """bcrypt at cost 4: passwords are not what these tests are about."""
    monkeypatch.setattr(users, "hash_password",
                        lambda password: bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode())


def settings(**values) -> Settings:
    return Settings.load(env={}, overrides=values)


def new_user(name: str, quota: int = 0) -> users.UserInfo:
    return users.create_user(name, "password-123", quota=quota)


def balance(user_id: int) -> int:
    return users.get_user(user_id).quota


def logs_of(username: str) -> list[dict]:
    return list_logs(username=username, limit=1000)
