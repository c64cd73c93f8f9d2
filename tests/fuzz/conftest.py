"""Fixtures of the fuzz tests: cheap password hashes, a paying account on channels of every dialect, its books."""

from __future__ import annotations

from dataclasses import dataclass

import bcrypt
import httpx
import pytest
from hypothesis import HealthCheck, settings
from peewee import fn

from tests.conftest import Gateway, add_channel, make_token
from tests.fuzz.strategies import SENSITIVE
from voapi_desktop.store import channels, prices, users
from voapi_desktop.store.logs import CONSUME
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import Log, Token, User

QUOTA = 10**12  # far more than any fuzzed request can cost, so no refusal is for lack of money
TRACEBACK_MARKS = ("Traceback (most recent call last)", 'File "', "RecursionError", "site-packages")


def fuzz_settings(examples: int) -> settings:
    """Reproducible and bounded: fixed examples (derandomize), no .hypothesis dir, no deadline (a live server's
    latency varies on a shared machine); a gateway fixture shared by the examples is the point, not a mistake."""
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True, print_blob=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """A fresh store hashes root's password: at bcrypt's default cost that is most of a fixture's time."""
    monkeypatch.setattr(users, "hash_password",
                        lambda password: bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode())


def assert_no_traceback(text: str) -> None:
    for mark in TRACEBACK_MARKS:
        assert mark not in text, text[:2000]


@dataclass(frozen=True)
class Books:
    """What one account's money looks like: balances, what was used, the consume rows."""
    user_quota: int
    user_used: int
    token_remain: int
    token_used: int
    consume_rows: int
    consume_sum: int

    def spent_since(self, before: "Books") -> int:
        """What the account paid since `before`; every book must agree on it (and the consume rows add up)."""
        spent = before.user_quota - self.user_quota
        assert (self.user_used - before.user_used, before.token_remain - self.token_remain,
                self.token_used - before.token_used, self.consume_sum - before.consume_sum) == (spent,) * 4, \
            (before, self)
        assert self.consume_rows - before.consume_rows in (0, 1), (before, self)
        assert spent >= 0
        return spent


@dataclass
class Account:
    gateway: Gateway
    key: str
    user_id: int
    token_id: int
    client: httpx.Client

    def books(self) -> Books:
        self.gateway.flush()
        user = User.get_by_id(self.user_id)
        token = Token.get_by_id(self.token_id)
        rows, total = (Log.select(fn.COUNT(Log.id), fn.COALESCE(fn.SUM(Log.quota), 0))
                       .where(Log.type == CONSUME, Log.user_id == self.user_id).scalar(as_tuple=True))
        return Books(user.quota, user.used_quota, token.remain_quota, token.used_quota, rows, total)


@pytest.fixture
def account(gateway, upstream):
    """A user and key with a large finite quota, and channels of all three dialects on the fake upstream:
    OpenAI (chat, completions, embeddings, moderations, images, speech, rerank, responses), Anthropic
    (claude-sonnet-4-5), Gemini (gemini-2.5-flash, text-embedding-004), so requests are both passed through
    and translated. Rate limits are off (thousands of requests from one address); one sensitive word is on."""
    add_channel(upstream, models="gpt-4o-mini,text-embedding-3-small,omni-moderation-latest,dall-e-3,tts-1,"
                                 "rerank-1")
    channels.create_channel(type="Anthropic", name="claude", key="anthropic-key", base_url=upstream.url,
                            models="claude-sonnet-4-5")
    channels.create_channel(type="Gemini", name="gemini", key="gemini-key", base_url=upstream.url,
                            models="gemini-2.5-flash,text-embedding-004")
    for model in ("gpt-4o-mini", "text-embedding-3-small", "omni-moderation-latest", "rerank-1",
                  "claude-sonnet-4-5", "gemini-2.5-flash", "text-embedding-004"):
        prices.set_price(model, ratio="1", completion_ratio="2")
    for model in ("dall-e-3", "tts-1"):
        prices.set_price(model, price="0.01")
    for name in ("GLOBAL_API_RATE_LIMIT_ENABLE", "GLOBAL_RELAY_RATE_LIMIT_ENABLE", "CRITICAL_RATE_LIMIT_ENABLE"):
        set_option(name, "false")
    set_option("SENSITIVE_WORDS", SENSITIVE)
    user = users.create_user("fuzzer", "fuzzer-password", quota=QUOTA)
    key = make_token("fuzz-key", username="fuzzer", quota=QUOTA)
    token = Token.get(Token.key == key.removeprefix("sk-"))
    with httpx.Client(base_url=gateway.url, timeout=30) as client:
        yield Account(gateway, key, user.id, token.id, client)
