"""End to end: relay rate limits as clients see them (429, Retry-After, x-ratelimit-*), the client
address behind trusted proxies, and one limit shared by two gateway processes through Redis.

Numbers used below: HELLO ("say hello", one message) is 9 prompt tokens by the gateway's own count
for gpt-4o-mini (counted up front against a TPM limit); the fake upstream reports 4 completion
tokens (counted after the answer).
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from tests.conftest import add_channel, make_token
from tests.e2e.dialects import anthropic_client
from tests.e2e.helpers import consume_logs, token_id
from voapi_desktop.core.settings import SETTINGS
from voapi_desktop.store import tokens, users
from voapi_desktop.store.logs import list_logs
from voapi_desktop.store.options import set_option
from voapi_desktop.store.tables import Reservation

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]
HELLO_PROMPT = 9  # the gateway's count of HELLO for gpt-4o-mini
HELLO_COMPLETION = 4  # the fake upstream's completion tokens
MODELS = "gpt-4o-mini,gpt-4o"


@dataclass
class Account:
    user_id: int
    username: str
    key: str
    token_id: int


def open_account(name: str, group: str = "default") -> Account:
    user = users.create_user(name, f"{name}-password", quota=10_000_000, group=group)
    key = make_token(f"{name}-key", username=name, quota=1_000_000)
    return Account(user.id, name, key, token_id(key))


def another_key(account: Account, name: str) -> Account:
    key = make_token(name, username=account.username, quota=1_000_000)
    return Account(account.user_id, account.username, key, token_id(key))


def books(account: Account) -> tuple:
    """Everything a refused request must leave alone: balances, counts, reservations."""
    user = users.get_user(account.user_id)
    [token] = [t for t in tokens.list_tokens(account.user_id) if t.id == account.token_id]
    return (user.quota, user.used_quota, user.request_count, token.remain_quota, token.used_quota,
            Reservation.select().count())


@pytest.fixture
def channel(gateway, upstream):
    return add_channel(upstream, key="up-key", models=MODELS, group="default,vip")


@pytest.fixture
def alice(channel) -> Account:
    return open_account("alice")


@pytest.fixture
def bob(channel) -> Account:
    return open_account("bob")


def chat(client, model: str = "gpt-4o-mini"):
    return client.chat.completions.create(model=model, messages=HELLO)


def refused(client, model: str = "gpt-4o-mini") -> openai.RateLimitError:
    with pytest.raises(openai.RateLimitError) as caught:
        chat(client, model)
    assert caught.value.status_code == 429
    assert caught.value.code == "rate_limit_exceeded"
    return caught.value


def assert_refused_for_free(gateway, upstream, account: Account, client, model: str = "gpt-4o-mini",
                            unit: str = "requests") -> openai.RateLimitError:
    """A 429 that held and spent nothing, wrote no ledger row and never reached the upstream."""
    gateway.flush()
    before, calls, rows = books(account), len(upstream.requests), len(list_logs(limit=1000))
    error = refused(client, model)
    gateway.flush()
    assert books(account) == before
    assert before[-1] == 0  # no reservation rows
    assert len(upstream.requests) == calls
    assert len(list_logs(limit=1000)) == rows
    headers = error.response.headers
    assert 1 <= int(headers["retry-after"]) <= 60
    assert headers[f"x-ratelimit-remaining-{unit}"].isdigit()
    assert headers[f"x-ratelimit-limit-{unit}"].isdigit()
    return error


def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


# --- the global per-IP relay limit -------------------------------------------------------------


def global_limit(limit: int, seconds: int) -> None:
    set_option("GLOBAL_RELAY_RATE_LIMIT_ENABLE", "true")
    set_option("GLOBAL_RELAY_RATE_LIMIT", str(limit))
    set_option("GLOBAL_RELAY_RATE_LIMIT_DURATION", str(seconds))


def test_the_global_relay_limit_refuses_with_retry_after_and_the_sdk_retry_succeeds(gateway, upstream, alice,
                                                                                      sdk):
    client = sdk(alice.key)
    chat(client)  # warm up (the first request loads the tokenizer) before the 2 s window starts
    global_limit(3, 2)
    for _ in range(3):
        assert chat(client).choices[0].message.content
    error = assert_refused_for_free(gateway, upstream, alice, client)
    headers = error.response.headers
    assert 1 <= int(headers["retry-after"]) <= 2
    assert headers["x-ratelimit-limit-requests"] == "3"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    reset = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", headers["x-ratelimit-reset-requests"])
    assert reset, headers["x-ratelimit-reset-requests"]
    assert 0 < float(reset.group(1)) / (1000 if reset.group(2) == "ms" else 1) <= 2
    assert "127.0.0.1" in error.message

    # The SDK's own retry honours Retry-After and gets through once the window has moved on.
    statuses = []
    recorder = httpx.Client(event_hooks={"response": [lambda response: statuses.append(response.status_code)]})
    patient = sdk(alice.key, max_retries=2, http_client=recorder)
    started = time.monotonic()
    assert chat(patient).choices[0].message.content
    elapsed = time.monotonic() - started
    recorder.close()
    assert statuses == [429, 200]
    assert 0.5 < elapsed < 5
    assert len(upstream.requests) == 5


def test_the_anthropic_dialect_gets_the_429_in_its_own_envelope(gateway, upstream, alice):
    global_limit(1, 30)
    client = anthropic_client(gateway, alice.key)
    try:
        reply = client.messages.create(model="gpt-4o-mini", max_tokens=64, messages=HELLO)
        assert reply.content[0].text
        with pytest.raises(anthropic.RateLimitError) as caught:
            client.messages.create(model="gpt-4o-mini", max_tokens=64, messages=HELLO)
    finally:
        client.close()
    error = caught.value
    assert error.status_code == 429
    body = error.response.json()
    assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error"
    assert "rate limit" in body["error"]["message"]
    headers = error.response.headers
    assert 1 <= int(headers["retry-after"]) <= 30
    assert headers["x-ratelimit-limit-requests"] == "1"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"].endswith("s")
    assert len(upstream.requests) == 1


def test_the_anthropic_models_list_gets_the_429_in_anthropic_s_envelope_too(gateway, upstream, alice):
    global_limit(1, 30)
    client = anthropic_client(gateway, alice.key)
    try:
        assert sorted(m.id for m in client.models.list()) == sorted(MODELS.split(","))
        with pytest.raises(anthropic.RateLimitError) as caught:
            client.models.list()
    finally:
        client.close()
    assert caught.value.response.json()["error"]["type"] == "rate_limit_error"
    assert caught.value.response.headers["x-ratelimit-limit-requests"] == "1"


def test_the_gemini_dialect_gets_the_429_as_resource_exhausted(gateway, upstream, alice):
    global_limit(1, 30)
    url = f"{gateway.url}/v1beta/models/gpt-4o-mini:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "say hello"}]}]}
    answers = [httpx.post(url, json=body, headers={"x-goog-api-key": alice.key}, timeout=20) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429]
    error = answers[1].json()["error"]
    assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert 1 <= int(answers[1].headers["retry-after"]) <= 30
    assert answers[1].headers["x-ratelimit-remaining-requests"] == "0"


# --- per user, per key, per group, per model ---------------------------------------------------


def test_user_rpm_counts_every_key_of_the_user(gateway, upstream, alice, bob, sdk):
    set_option("USER_RPM", "2")
    second = another_key(alice, "alice-second")
    chat(sdk(alice.key))
    chat(sdk(second.key))
    error = assert_refused_for_free(gateway, upstream, alice, sdk(alice.key))
    assert "user alice" in error.message
    assert error.response.headers["x-ratelimit-limit-requests"] == "2"
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert_refused_for_free(gateway, upstream, second, sdk(second.key))
    for _ in range(2):  # bob has his own minute
        chat(sdk(bob.key))
    assert len(consume_logs(gateway)) == 4


def test_token_rpm_limits_each_key_on_its_own(gateway, upstream, alice, sdk):
    set_option("TOKEN_RPM", "2")
    second = another_key(alice, "alice-second")
    client = sdk(alice.key)
    chat(client)
    chat(client)
    error = assert_refused_for_free(gateway, upstream, alice, client)
    assert "API key alice-key" in error.message
    chat(sdk(second.key))
    chat(sdk(second.key))
    assert_refused_for_free(gateway, upstream, second, sdk(second.key))
    assert len(consume_logs(gateway)) == 4


def test_a_group_override_replaces_the_limit_for_that_group_only(gateway, upstream, channel, sdk):
    set_option("USER_RPM", "1")
    set_option("GROUP_RATE_LIMITS", json.dumps({"vip": {"USER_RPM": 3}}))
    vip, plain = open_account("vera", group="vip"), open_account("paul")
    for _ in range(3):
        chat(sdk(vip.key))
    error = assert_refused_for_free(gateway, upstream, vip, sdk(vip.key))
    assert error.response.headers["x-ratelimit-limit-requests"] == "3"
    chat(sdk(plain.key))
    error = assert_refused_for_free(gateway, upstream, plain, sdk(plain.key))
    assert error.response.headers["x-ratelimit-limit-requests"] == "1"


def test_the_per_model_limit_counts_each_model_of_each_user(gateway, upstream, alice, bob, sdk):
    set_option("MODEL_REQUEST_RATE_LIMIT_ENABLED", "true")
    set_option("MODEL_RATE_LIMITS", json.dumps({"gpt-4o-mini": 2}))
    client = sdk(alice.key)
    chat(client)
    chat(client)
    error = assert_refused_for_free(gateway, upstream, alice, client)
    assert "model gpt-4o-mini" in error.message
    assert error.response.headers["x-ratelimit-limit-requests"] == "2"
    for _ in range(3):  # no count for gpt-4o (MODEL_REQUEST_RATE_LIMIT_COUNT is 0), and bob has his own
        chat(client, "gpt-4o")
    chat(sdk(bob.key))
    chat(sdk(bob.key))
    assert_refused_for_free(gateway, upstream, bob, sdk(bob.key))
    assert len(consume_logs(gateway)) == 7


def test_the_per_model_limit_is_off_unless_enabled(gateway, upstream, alice, sdk):
    set_option("MODEL_RATE_LIMITS", json.dumps({"gpt-4o-mini": 1}))
    client = sdk(alice.key)
    for _ in range(3):
        chat(client)
    assert len(upstream.requests) == 3


def test_user_tpm_counts_the_prompt_up_front_and_the_completion_after(gateway, upstream, alice, bob, sdk):
    limit = 2 * HELLO_PROMPT + 2  # the first request's 9 + 4 leave 7: too few for the next prompt of 9
    set_option("USER_TPM", str(limit))
    limiter = gateway.state.limiter
    used = lambda: limit - limiter.peek(f"user-tpm:{alice.user_id}", limit, 60).remaining  # noqa: E731
    chat(sdk(alice.key))
    wait_until(lambda: used() == HELLO_PROMPT + HELLO_COMPLETION)
    error = assert_refused_for_free(gateway, upstream, alice, sdk(alice.key), unit="tokens")
    assert "user alice" in error.message
    headers = error.response.headers
    assert headers["x-ratelimit-limit-tokens"] == str(limit)
    assert headers["x-ratelimit-remaining-tokens"] == str(limit - HELLO_PROMPT - HELLO_COMPLETION)
    assert 50 <= int(headers["retry-after"]) <= 60
    assert used() == HELLO_PROMPT + HELLO_COMPLETION  # the refused prompt was not counted
    chat(sdk(bob.key))  # bob has his own minute


def test_token_tpm_refuses_a_prompt_larger_than_the_whole_minute(gateway, upstream, alice, sdk):
    set_option("TOKEN_TPM", str(HELLO_PROMPT - 1))
    error = assert_refused_for_free(gateway, upstream, alice, sdk(alice.key), unit="tokens")
    assert "API key alice-key" in error.message
    assert error.response.headers["retry-after"] == "60"
    assert error.response.headers["x-ratelimit-remaining-tokens"] == str(HELLO_PROMPT - 1)
    set_option("TOKEN_TPM", str(HELLO_PROMPT))  # the refused prompt used nothing: now it just fits
    chat(sdk(alice.key))
    assert_refused_for_free(gateway, upstream, alice, sdk(alice.key), unit="tokens")


def test_a_request_refused_by_one_limit_is_not_counted_by_the_others(gateway, upstream, alice, sdk):
    set_option("USER_RPM", "3")
    set_option("TOKEN_RPM", "1")
    second = another_key(alice, "alice-second")
    chat(sdk(alice.key))
    for _ in range(3):  # refused by the key's limit: they must not use up the user's minute
        assert_refused_for_free(gateway, upstream, alice, sdk(alice.key))
    chat(sdk(second.key))
    third = another_key(alice, "alice-third")
    chat(sdk(third.key))
    error = assert_refused_for_free(gateway, upstream, alice, sdk(another_key(alice, "alice-fourth").key))
    assert "user alice" in error.message


# --- the client address ----------------------------------------------------------------------


def forwarded(client_ip: str) -> dict:
    return {"X-Forwarded-For": client_ip}


def test_x_forwarded_for_is_ignored_without_trusted_proxies(gateway, upstream, alice, sdk):
    global_limit(1, 30)
    chat(sdk(alice.key, default_headers=forwarded("203.0.113.7")))
    error = refused(sdk(alice.key, default_headers=forwarded("203.0.113.8")))  # same peer, same limit
    assert "127.0.0.1" in error.message
    [row] = consume_logs(gateway)
    assert row["ip"] == "127.0.0.1"


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(gateway, upstream, channel, sdk):
    set_option("TRUSTED_PROXIES", "127.0.0.1")
    global_limit(1, 30)
    user = users.create_user("carol", "carol-password", quota=10_000_000)
    key = make_token("office", username=user.username, quota=1_000_000, allow_ips="203.0.113.0/24")
    office = sdk(key, default_headers=forwarded("203.0.113.7"))
    home = sdk(key, default_headers=forwarded("198.51.100.9"))
    # the allow-list of the key sees the forwarded address
    with pytest.raises(openai.PermissionDeniedError) as caught:
        chat(home)
    assert caught.value.code == "ip_not_allowed" and "198.51.100.9" in caught.value.message
    with pytest.raises(openai.PermissionDeniedError):
        chat(sdk(key))  # no header: the proxy itself (127.0.0.1) is not in the allow-list
    chat(office)
    # the per-IP limit counts the forwarded address: 203.0.113.7 has used its one, 203.0.113.8 has not
    error = refused(office)
    assert "203.0.113.7" in error.message
    chat(sdk(key, default_headers=forwarded("203.0.113.8")))
    # a chain: the client is the rightmost address that is not a trusted proxy
    chat(sdk(key, default_headers=forwarded("10.9.9.9, 203.0.113.9, 127.0.0.1")))
    rows = consume_logs(gateway)
    assert [r["ip"] for r in rows] == ["203.0.113.9", "203.0.113.8", "203.0.113.7"]
    assert len(upstream.requests) == 3


def test_log_client_ip_off_leaves_the_address_out_of_the_log(gateway, upstream, alice, sdk):
    set_option("LOG_CLIENT_IP", "false")
    chat(sdk(alice.key))
    [row] = consume_logs(gateway)
    assert row["ip"] == ""


# --- two gateway processes, one limit in Redis ------------------------------------------------

SETTING_ENV_VARS = {s.env for s in SETTINGS} | {"DATA_DIR", "SQL_DSN"}


def _env(data_dir: Path, redis: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_ENV_VARS}
    env.update(DATA_DIR=str(data_dir), REDIS_CONN_STRING=redis, PYTHONUNBUFFERED="1")
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "voapi_desktop", *args, "--data-dir", env["DATA_DIR"]],
                          env=env, cwd=env["DATA_DIR"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _configure(env: dict[str, str], upstream_url: str) -> str:
    """One instance's data dir, set up through the command line; returns its API key."""
    Path(env["DATA_DIR"]).mkdir(parents=True)
    for name, value in (("GLOBAL_RELAY_RATE_LIMIT_ENABLE", "true"), ("GLOBAL_RELAY_RATE_LIMIT", "4"),
                        ("GLOBAL_RELAY_RATE_LIMIT_DURATION", "30")):
        _cli(env, "option", "set", name, value)
    _cli(env, "channel", "add", "--type", "OpenAI", "--name", "fake", "--key", "up-key", "--base-url",
         upstream_url, "--models", "gpt-4o-mini")
    return json.loads(_cli(env, "token", "create", "--name", "shared-limit", "--json"))["key"]


class Serving:
    """`voapi-desktop serve --port 0` in a subprocess; its base URL once it says it is serving."""

    def __init__(self, env: dict[str, str]) -> None:
        self.log_path = Path(env["DATA_DIR"]) / "serve.log"
        with self.log_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "voapi_desktop", "serve", "--port", "0", "--data-dir", env["DATA_DIR"]],
                env=env, cwd=env["DATA_DIR"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()
        self.url = ""

    def wait_ready(self, timeout: float = 30) -> str:
        try:
            first = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"serve printed nothing in {timeout} s; stderr:\n{self.log_path.read_text()}")
        match = re.fullmatch(r"serving on (http://127\.0\.0\.1:\d+)\n", first)
        assert match, first
        self.url = match.group(1)
        return self.url

    def stop(self) -> int:
        """SIGTERM by PID; killed if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9
        finally:
            self.process.stdout.close()


@pytest.mark.slow
def test_two_gateway_processes_sharing_redis_enforce_one_global_limit(tmp_path, upstream, redis_url):
    import redis

    shared = redis_url.rsplit("/", 1)[0] + "/7"  # a database of its own in the session's redis-server
    with redis.Redis.from_url(shared) as client:
        client.flushdb()
    envs = [_env(tmp_path / name, shared) for name in ("east", "west")]
    with ThreadPoolExecutor(2) as pool:
        keys = list(pool.map(lambda env: _configure(env, upstream.url), envs))
    assert keys[0] != keys[1]
    servers = [Serving(env) for env in envs]
    try:
        urls = [server.wait_ready() for server in servers]

        def call(target: tuple[str, str]) -> httpx.Response:
            url, key = target
            return httpx.post(url + "/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO},
                              headers={"Authorization": f"Bearer {key}"}, timeout=20)

        targets = [(urls[i % 2], keys[i % 2]) for i in range(6)]
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(call, targets))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] * 4 + [429] * 2, [a.text for a in answers]
        for answer in answers:
            if answer.status_code == 429:
                assert answer.json()["error"]["code"] == "rate_limit_exceeded"
                assert 1 <= int(answer.headers["retry-after"]) <= 30
                assert answer.headers["x-ratelimit-limit-requests"] == "4"
                assert answer.headers["x-ratelimit-remaining-requests"] == "0"
        assert len(upstream.requests) == 4
        # the next one, whichever instance it reaches, is refused too
        assert call((urls[0], keys[0])).status_code == 429
        assert call((urls[1], keys[1])).status_code == 429
    finally:
        codes = [server.stop() for server in servers]
    assert codes == [0, 0], [server.log_path.read_text() for server in servers]
    for server in servers:
        assert "Traceback" not in server.log_path.read_text()


def test_the_rest_api_has_its_own_per_ip_limit(gateway):
    """GLOBAL_API_RATE_LIMIT guards /api and /dashboard apart from the relay."""
    set_option("GLOBAL_API_RATE_LIMIT", "2")
    set_option("GLOBAL_API_RATE_LIMIT_DURATION", "60")
    answers = [httpx.get(gateway.url + "/api/status", timeout=10) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
