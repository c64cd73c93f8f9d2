"""REST API test helpers: a signed-in httpx client per user, cheap bcrypt, a user factory."""

from __future__ import annotations

import bcrypt
import httpx
import pytest

from voapi_desktop.store import users

PASSWORD = "password-123"


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    monkeypatch.setattr(users, "hash_password",
                        lambda password: bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode())


class Api:
    """An httpx client on the gateway; `login` keeps the session cookie and sends New-Api-User."""

    def __init__(self, gateway):
        self.client = httpx.Client(base_url=gateway.url, timeout=10)
        self.user_id: int | None = None

    def login(self, username: str, password: str = PASSWORD) -> dict:
        answer = self.client.post("/api/user/login", json={"username": username, "password": password})
        body = answer.json()
        assert body["success"], body
        self.user_id = body["data"]["id"]
        self.client.headers["New-Api-User"] = str(self.user_id)
        return body["data"]

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.client.request(method, path, **kwargs)

    def ok(self, method: str, path: str, **kwargs):
        """The data of a successful call (HTTP 200, success true)."""
        answer = self.call(method, path, **kwargs)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["success"] is True, body
        return body["data"]

    def refused(self, method: str, path: str, status: int = 200, **kwargs) -> str:
        """The message of a refused call (success false, with `status`)."""
        answer = self.call(method, path, **kwargs)
        assert answer.status_code == status, answer.text
        body = answer.json()
        assert body["success"] is False and body["message"], body
        return body["message"]


@pytest.fixture
def api(gateway):
    client = Api(gateway)
    yield client
    client.client.close()


@pytest.fixture
def new_api(gateway):
    """Make more clients (one per user) that are closed at the end."""
    made = []

    def make() -> Api:
        made.append(Api(gateway))
        return made[-1]
    yield make
    for client in made:
        client.client.close()


def add_user(username: str, role: str = "user", quota: int = 0) -> users.UserInfo:
    return users.create_user(username, PASSWORD, role=users.ROLES[role], quota=quota)


@pytest.fixture
def root_api(api, store):
    users.set_password(users.find_user("root").id, PASSWORD)
    api.login("root")
    return api
