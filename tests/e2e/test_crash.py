"""Crash safety of the headless gateway: SIGKILL and SIGTERM under load, then the books.

`voapi-desktop serve` and `bench/fake_upstream.py` run as subprocesses on a temp DATA_DIR (SQLite), and
again on a fresh PostgreSQL database (tests/scale's private server; skipped when it is not installed);
32 client tasks (half streaming, half not) send requests until the gateway goes away. The invariants
checked (docs/reliability.md, "Crash safety and concurrency"):

- always, even after SIGKILL: for every key and user, used_quota == sum of its consume rows and
  remaining + used (+ the holds a killed gateway left in a shared database) == initial; a consume row
  per request id at most; SQLite holds nothing in the database;
- SIGKILL: a response the client got whole is missing from the ledger only if it completed less than
  LOST_WINDOW before the kill (the writer's 200 ms group commit); a request cut by the kill is not
  charged unless it had settled (at most one per client in flight); the restart migrates nothing and is
  not stopped by the stale lock file;
- SIGTERM: the process exits 0 within STOP_BOUND, and the consume rows are exactly the responses the
  clients got whole.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import aiohttp
import pytest

from tests.e2e.test_limits import SETTING_ENV_VARS
from tests.scale.conftest import postgres_server  # noqa: F401 - a fixture, for the PostgreSQL variant
from voapi_desktop.core import clock
from voapi_desktop.store import migrations, prices, tokens, users
from voapi_desktop.store.billing import release_stale_reservations
from voapi_desktop.store.logs import CONSUME
from voapi_desktop.store.runtime import StoreRuntime, open_store
from voapi_desktop.store.tables import Channel, Log, QuotaData, Reservation, SchemaVersion, Token, User, database

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 32
LOAD_SECONDS = 1.5
# s: a response completed earlier than this before a SIGKILL is always in the ledger. SQLite: the writer's
# 200 ms interval plus one commit. PostgreSQL: the batch also waits for the row locks of reservations.
LOST_WINDOW = {"sqlite": 0.5, "postgres": 2.0}
STOP_BOUND = 10.0  # s: SIGTERM to exit 0 (the in-flight requests get serve's 10 s grace; they need far less)
COST = 20  # quota per answer: 10 prompt + 5 completion tokens at ratio 1, completion ratio 2
MESSAGES = [{"role": "user", "content": "hi"}]


def _wait_line(lines: queue.Queue, pattern: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        match = re.fullmatch(pattern, line.strip())
        if match:
            return match.group(1)
    process.kill()
    process.wait()
    pytest.fail(f"no {pattern!r} from PID {process.pid} within {timeout} s:\n{log.read_text(errors='replace')}")


class Child:
    """A subprocess whose first matching stdout line is awaited; stopped by its PID only."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(argv, env=env, cwd=env["DATA_DIR"], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=stderr, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        return _wait_line(self.lines, pattern, self.process, self.log, timeout)

    def signal(self, signum: int) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signum)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.process.stdout.close()


@dataclass
class Outcome:
    request_id: str
    status: int
    complete: bool  # the whole answer arrived (JSON parsed, or the stream ended with [DONE] and its last chunk)
    done_at: float  # time.monotonic() when the answer ended (or failed)
    started_at: float


@dataclass
class Load:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # connection-level failures, after the signal
    signalled_at: float = 0.0

    def completed(self) -> dict[str, Outcome]:
        return {o.request_id: o for o in self.outcomes if o.status == 200 and o.complete}


async def _one(session: aiohttp.ClientSession, url: str, key: str, stream: bool, load: Load) -> Outcome:
    body = {"model": "bench-model", "messages": MESSAGES, "max_tokens": 16, "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    started = time.monotonic()
    request_id, status, complete = "", 0, False
    try:
        async with session.post(url, json=body, headers={"Authorization": f"Bearer {key}"}) as answer:
            request_id, status = answer.headers.get("x-request-id", ""), answer.status
            raw = await answer.read()
            if status == 200:
                complete = raw.rstrip().endswith(b"data: [DONE]") if stream else "usage" in json.loads(raw)
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError) as exc:
        if not load.signalled_at:
            raise
        load.errors.append(type(exc).__name__)
    outcome = Outcome(request_id, status, complete, time.monotonic(), started)
    load.outcomes.append(outcome)
    return outcome


async def _drive(url: str, keys: list[str], seconds: float, signal_gateway, load: Load) -> None:
    """CLIENTS tasks send requests back to back; after `seconds` the gateway is signalled, and each task
    goes on until a request fails (refused or cut). A key that runs dry (429) is swapped for the first."""
    async def client(number: int) -> None:
        stream, key = number % 2 == 1, keys[number % len(keys)]
        while True:
            outcome = await _one(session, url, key, stream, load)
            if outcome.status == 429:
                key = keys[0]
            if load.signalled_at and outcome.status == 0:
                return

    timeout = aiohttp.ClientTimeout(total=20)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=CLIENTS)) as session:
        tasks = [asyncio.create_task(client(n)) for n in range(CLIENTS)]
        await asyncio.sleep(seconds)
        load.signalled_at = time.monotonic()
        signal_gateway()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)


def run_load(url: str, keys: list[str], signal_gateway, seconds: float = LOAD_SECONDS) -> Load:
    load = Load()
    asyncio.run(_drive(url + "/v1/chat/completions", keys, seconds, signal_gateway, load))
    return load


# --- the data dir, the processes, the books ---------------------------------------------------

@dataclass
class Books:
    """Initial balances, as configured before the gateway started."""
    users: dict[int, int]  # user id -> initial quota
    tokens: dict[int, int]  # limited token id -> initial remaining quota
    keys: list[str]


def _configure(upstream_url: str) -> Books:
    """Through the store functions the console uses: a channel on the fake upstream, a price, two users
    with limited and unlimited keys (one key that runs dry during the load)."""
    from voapi_desktop.store import channels
    channels.create_channel(type="OpenAI", name="fake", key="sk-fake-upstream", base_url=upstream_url,
                            models="bench-model")
    prices.set_price("bench-model", ratio="1", completion_ratio="2")
    alice = users.create_user("alice", "alice-password", quota=50_000_000)
    bob = users.create_user("bob", "bob-password-1", quota=30 * COST)
    plenty = tokens.create_token(alice.id, "plenty", quota=10_000_000)
    small = tokens.create_token(alice.id, "small", quota=10 * COST)
    unlimited = tokens.create_token(bob.id, "unlimited", unlimited=True)
    return Books({alice.id: alice.quota, bob.id: bob.quota}, {plenty.id: 10_000_000, small.id: 10 * COST},
                 ["sk-" + t.key for t in (plenty, small, unlimited)])


def _consume_rows() -> list[Log]:
    return list(Log.select().where(Log.type == CONSUME))


def assert_books_reconcile(books: Books, holds: bool = False) -> list[Log]:
    """Every balance agrees with the consume rows (and, with `holds`, the reservation rows a killed
    gateway left on a shared database); returns the consume rows."""
    rows = _consume_rows()
    ids = [r.request_id for r in rows]
    assert len(ids) == len(set(ids)), "a request was charged twice"
    held = list(Reservation.select())
    assert holds or not held, f"{len(held)} reservations left"

    def spent(column, value) -> tuple[int, int]:
        mine = [r for r in rows if getattr(r, column) == value]
        return sum(r.quota for r in mine), len(mine)

    def holding(column, value) -> int:
        return sum(r.amount for r in held if getattr(r, column) == value)
    for user_id, initial in books.users.items():
        user = User.get_by_id(user_id)
        total, count = spent("user_id", user_id)
        assert (user.used_quota, user.request_count) == (total, count), user.username
        assert user.quota + user.used_quota + holding("user_id", user_id) == initial, user.username
        hourly = QuotaData.select().where(QuotaData.user_id == user_id)
        assert sum(h.quota for h in hourly) == total and sum(h.count for h in hourly) == count
    for token in Token.select():
        total, _ = spent("token_id", token.id)
        assert token.used_quota == total, token.name
        if token.id in books.tokens:
            assert token.remain_quota + token.used_quota + holding("token_id", token.id) == books.tokens[token.id]
            assert token.remain_quota >= 0
    for channel in Channel.select():
        assert channel.used_quota == spent("channel_id", channel.id)[0]
    return rows


@dataclass
class Site:
    books: Books
    store: StoreRuntime
    serve: Callable[[str], tuple[Child, str]]  # name -> (the process, its base URL)
    backend: str  # sqlite | postgres

    @property
    def sqlite(self) -> bool:
        return self.backend == "sqlite"


@pytest.fixture(params=["sqlite", "postgres"])
def site(request, tmp_path):
    """The fake upstream in its own process, the data dir (and database) configured, and a way to start
    `serve` on it. PostgreSQL: a fresh database on tests/scale's private server (skipped when absent)."""
    env = {k: v for k, v in os.environ.items() if k not in SETTING_ENV_VARS}
    env.update(DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    if request.param == "postgres":
        env["SQL_DSN"] = request.getfixturevalue("postgres_server").create_database()
    Path(env["DATA_DIR"]).mkdir(exist_ok=True)  # the processes' working directory, also with SQL_DSN
    runtime = open_store(env={k: env[k] for k in ("DATA_DIR", "SQL_DSN") if k in env})
    children: list[Child] = []

    def spawn(argv: list[str], name: str) -> Child:
        child = Child(argv, env, tmp_path / f"{name}.log")
        children.append(child)
        return child

    def serve(name: str) -> tuple[Child, str]:
        child = spawn([sys.executable, "-m", "voapi_desktop", "serve", "--port", "0"], name)
        return child, child.wait_for(r"serving on (http://127\.0\.0\.1:\d+)", 30)
    try:
        upstream = spawn([sys.executable, str(ROOT / "bench" / "fake_upstream.py"), "--port", "0", "--chunks",
                          "10", "--delay-ms", "10"], "upstream")
        port = upstream.wait_for(r"listening on (\d+)", 15)
        yield Site(_configure(f"http://127.0.0.1:{port}"), runtime, serve, request.param)
    finally:
        for child in reversed(children):
            child.close()
        runtime.close()


def _in_flight_at(load: Load, moment: float) -> int:
    return sum(1 for o in load.outcomes if o.started_at < moment < o.done_at)


def test_sigkill_under_load_loses_at_most_the_last_ledger_window_and_restarts_clean(site):
    gateway, url = site.serve("serve-1")
    load = run_load(url, site.books.keys, lambda: gateway.signal(signal.SIGKILL))
    assert gateway.wait(10) == -signal.SIGKILL
    before_kill = [o for o in load.outcomes if o.done_at < load.signalled_at]
    assert all(o.status in (200, 429) and (o.status != 200 or o.complete) for o in before_kill), \
        {(o.status, o.complete) for o in before_kill}
    assert any(o.status == 429 for o in load.outcomes), "the small key should have run dry"

    backups = set(site.store.data_dir.glob("*.bak"))
    assert migrations.migrate() == migrations.LATEST  # nothing pending: no step, no backup
    assert SchemaVersion.select().count() == 1 and set(site.store.data_dir.glob("*.bak")) == backups
    if site.sqlite:
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The lock file outlives the process; its lock does not (flock goes with the process).
        lock = Path(str(database.obj.database) + ".gateway-lock")
        assert lock.read_text() == str(gateway.process.pid)

    in_flight = _in_flight_at(load, load.signalled_at)
    rows = assert_books_reconcile(site.books, holds=not site.sqlite)
    completed = load.completed()
    charged = {r.request_id for r in rows}
    lost = {rid: o for rid, o in completed.items() if rid not in charged}
    unseen = charged - set(completed)  # settled, but the client never got the whole answer
    late = max((load.signalled_at - o.done_at for o in lost.values()), default=0.0)
    # A shared database keeps the holds of the requests cut by the kill and of the settlements lost with it
    held = {r.request_id for r in Reservation.select()}
    assert len(held - set(lost)) <= in_flight
    assert release_stale_reservations(clock.now() + 1) == len(held)  # the 24 h sweep, run now
    assert_books_reconcile(site.books)
    print(f"\nSIGKILL ({site.backend}): {len(completed)} answers complete, {len(rows)} "
          f"consume rows, {len(lost)} complete answers not in the ledger (completed at most {late * 1000:.0f} ms "
          f"before the kill), {len(unseen)} rows for answers cut by the kill, {in_flight} requests in flight, "
          f"{len(held)} holds left in the database")
    assert len(completed) > 50, "the load was too light to mean anything"
    assert late < LOST_WINDOW[site.backend]
    assert len(unseen) <= in_flight <= CLIENTS

    # Restart on the same data dir: the stale lock file does not block it; it serves and bills.
    again, url = site.serve("serve-2")
    assert "migrated" not in again.log.read_text()
    after = run_load(url, site.books.keys, lambda: again.signal(signal.SIGTERM), seconds=0.5)
    assert again.wait(STOP_BOUND) == 0
    if site.sqlite:
        assert lock.read_text() == str(again.process.pid)
    rows = assert_books_reconcile(site.books)
    assert set(after.completed()) <= {r.request_id for r in rows}
    assert len(after.completed()) > 20


def test_sigterm_under_load_exits_zero_and_loses_nothing(site):
    gateway, url = site.serve("serve")
    load = run_load(url, site.books.keys, lambda: gateway.signal(signal.SIGTERM))
    gateway.wait(STOP_BOUND)
    stopped_in = time.monotonic() - load.signalled_at
    assert gateway.process.returncode == 0, gateway.log.read_text()
    assert "Traceback" not in gateway.log.read_text()
    rows = assert_books_reconcile(site.books)
    completed = load.completed()
    print(f"\nSIGTERM ({site.backend}): exit 0 after {stopped_in * 1000:.0f} ms, "
          f"{len(completed)} answers complete, {len(rows)} consume rows, {len(load.errors)} requests refused or "
          f"cut after the signal")
    assert len(completed) > 50
    assert {r.request_id for r in rows} == set(completed)
    assert not [o for o in load.outcomes if o.status == 200 and not o.complete], "an answer was cut"
