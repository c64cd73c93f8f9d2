"""`voapi-desktop --selftest`: the program checks itself, end to end, without Qt or the network.

In a temporary data dir it starts the built-in fake upstream (selftest_upstream), configures a channel,
a price and a key through the service functions, starts the gateway on 127.0.0.1 port 0, relays one
chat request without and one with streaming, reads /api/status and checks that the ledger billed both.
One line per check; exit code 0 when all pass, 1 otherwise. The frozen executable runs it in CI.
"""

from __future__ import annotations

import http.client
import json
import logging
import secrets
import sys
import tempfile
import time
from typing import Callable

from . import selftest_upstream as fake

PRICE_RATIO, COMPLETION_RATIO = 1, 2
# ratio 1 is $2 per 1M tokens, i.e. 1 quota unit per token (500,000 units = 1 USD); group ratio 1
EXPECTED_COST = (fake.PROMPT_TOKENS + fake.COMPLETION_TOKENS * COMPLETION_RATIO) * PRICE_RATIO
TOKEN_QUOTA = 1_000_000
MESSAGES = [{"role": "user", "content": "self-test"}]


class CheckFailed(Exception):
    """A check's outcome was not the expected one; the message says what was seen."""


class Run:
    """Prints one line per check and remembers whether any failed."""

    def __init__(self, out: Callable[[str], None]):
        self.out = out
        self.failed = False

    def check(self, name: str, step: Callable[[], str]) -> bool:
        started = time.perf_counter()
        try:
            detail = step()
        except Exception as exc:  # noqa: BLE001 - every failure is reported as a line, never a traceback
            self.failed = True
            self.out(f"FAIL {name}: {exc if isinstance(exc, CheckFailed) else repr(exc)}")
            return False
        self.out(f"ok   {name} ({detail}, {(time.perf_counter() - started) * 1000:.0f} ms)")
        return True


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _request(port: int, method: str, path: str, body: dict | None = None, key: str = "") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class SelfTest:
    """The steps, in order; each returns a short detail for its line or raises CheckFailed."""

    def __init__(self, data_dir: str):
        self.data_dir = data_dir
        self.upstream: fake.SelfTestUpstream | None = None
        self.runtime = self.state = self.server = None
        self.key = ""

    def start_upstream(self) -> str:
        self.upstream = fake.SelfTestUpstream().start()
        return self.upstream.url

    def open_store(self) -> str:
        from .store.runtime import open_store
        # only the data dir: no setting (SQL_DSN, REDIS_CONN_STRING, PORT, ...) comes from the machine
        self.runtime = open_store(env={"DATA_DIR": self.data_dir,
                                       "INITIAL_ROOT_PASSWORD": secrets.token_urlsafe(16)})
        return "SQLite in a temporary data dir"

    def configure(self) -> str:
        from .store import channels, prices, tokens, users
        channel = channels.create_channel(type="OpenAI", name="selftest", key="sk-selftest-upstream",
                                          base_url=self.upstream.url, models=fake.MODEL)
        prices.set_price(fake.MODEL, ratio=str(PRICE_RATIO), completion_ratio=str(COMPLETION_RATIO))
        owner = users.find_user("root")
        self.key = "sk-" + tokens.create_token(owner.id, "selftest", quota=TOKEN_QUOTA).key
        return f"channel {channel.id}, price of {fake.MODEL}, a key with {TOKEN_QUOTA} quota"

    def start_gateway(self) -> str:
        from .gateway.server import GatewayServer
        from .gateway.state import open_state
        self.state = open_state(self.runtime.env, self.runtime.overrides, ledger_interval=0.05)
        self.server = GatewayServer(self.state, self.runtime.settings, "127.0.0.1", 0)
        self.server.start()
        return self.server.base_url

    def status(self) -> str:
        status, body = _request(self.server.port, "GET", "/api/status")
        _expect(status == 200, f"/api/status answered HTTP {status}: {body[:200]!r}")
        _expect(json.loads(body).get("success") is True, f"/api/status did not report success: {body[:200]!r}")
        return "HTTP 200, success"

    def chat(self) -> str:
        status, body = _request(self.server.port, "POST", "/v1/chat/completions",
                                {"model": fake.MODEL, "messages": MESSAGES}, self.key)
        _expect(status == 200, f"HTTP {status}: {body[:300]!r}")
        answer = json.loads(body)
        text = answer["choices"][0]["message"]["content"]
        _expect(text == fake.REPLY, f"the answer was {text!r}, expected {fake.REPLY!r}")
        _expect(answer.get("usage", {}).get("total_tokens") == fake.USAGE["total_tokens"],
                f"usage was {answer.get('usage')!r}")
        return f"{len(text)} characters, {answer['usage']['total_tokens']} tokens"

    def chat_stream(self) -> str:
        status, body = _request(self.server.port, "POST", "/v1/chat/completions",
                                {"model": fake.MODEL, "messages": MESSAGES, "stream": True,
                                 "stream_options": {"include_usage": True}}, self.key)
        _expect(status == 200, f"HTTP {status}: {body[:300]!r}")
        events = [line[5:].strip() for line in body.split(b"\n") if line.startswith(b"data:")]
        _expect(bool(events) and events[-1] == b"[DONE]", f"the stream did not end with [DONE]: {events[-2:]!r}")
        chunks = [json.loads(event) for event in events[:-1]]
        text = "".join(choice.get("delta", {}).get("content") or ""
                       for chunk in chunks for choice in chunk.get("choices", []))
        _expect(text == fake.REPLY, f"the streamed text was {text!r}, expected {fake.REPLY!r}")
        usage = [chunk["usage"] for chunk in chunks if chunk.get("usage")]
        _expect(bool(usage) and usage[-1].get("total_tokens") == fake.USAGE["total_tokens"],
                f"the stream's usage was {usage!r}")
        return f"{len(events)} events, [DONE], usage {usage[-1]['total_tokens']} tokens"

    def ledger(self) -> str:
        from .store import tokens
        from .store.logs import CONSUME, list_logs
        deadline = time.monotonic() + 10
        while self.state.inflight and time.monotonic() < deadline:
            time.sleep(0.01)  # a stream settles just after its last chunk
        _expect(self.state.inflight == 0 and self.state.ledger.flush(), "the requests were never settled")
        rows = list_logs(type=CONSUME)
        _expect(len(rows) == 2, f"{len(rows)} consume rows in the ledger, expected 2")
        _expect(sorted(bool(row["is_stream"]) for row in rows) == [False, True], "expected one stream, one not")
        quotas = [row["quota"] for row in rows]
        _expect(quotas == [EXPECTED_COST, EXPECTED_COST], f"billed {quotas}, expected {EXPECTED_COST} each")
        token = next(t for t in tokens.list_tokens() if t.name == "selftest")
        _expect(token.used_quota == 2 * EXPECTED_COST, f"the key's used quota is {token.used_quota}")
        _expect(token.remain_quota == TOKEN_QUOTA - 2 * EXPECTED_COST, f"the key has {token.remain_quota} left")
        return f"2 requests billed {EXPECTED_COST} quota each"

    def close(self) -> None:
        for stop in (self.server and self.server.stop, self.state and self.state.close,
                     self.runtime and self.runtime.close, self.upstream and self.upstream.stop):
            if stop:
                try:
                    stop()
                except Exception as exc:  # noqa: BLE001 - shutting down: report, keep closing the rest
                    print(f"warning: while stopping: {exc!r}", file=sys.stderr)


def run(out: Callable[[str], None] = print) -> int:
    """Run every check; 0 when all passed, 1 otherwise."""
    logging.getLogger("voapi_desktop").setLevel(logging.WARNING)
    run = Run(lambda line: out(f"selftest: {line}"))
    with tempfile.TemporaryDirectory(prefix="voapi-selftest-", ignore_cleanup_errors=True) as data_dir:
        test = SelfTest(data_dir)
        try:
            for name, step, essential in [
                    ("fake upstream listening", test.start_upstream, True), ("store opened", test.open_store, True),
                    ("channel, price and key configured", test.configure, True),
                    ("gateway serving on port 0", test.start_gateway, True),
                    ("GET /api/status", test.status, False), ("chat completion, non-stream", test.chat, False),
                    ("chat completion, stream", test.chat_stream, False), ("ledger billed both", test.ledger, False)]:
                if not run.check(name, step) and essential:
                    break  # the later checks need this one
        finally:
            test.close()
    out(f"selftest: {'FAILED' if run.failed else 'passed'}")
    return 1 if run.failed else 0
