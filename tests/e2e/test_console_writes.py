"""Console writes while the gateway relays: no `database is locked`, no lost update, books that reconcile.

The console (ui/ops.py) runs store functions on a worker thread of its own, which has its own SQLite
connection (peewee's are per thread), while the gateway's ledger writer commits a batch every
interval and its snapshot reloads after every write. Here a console thread does the same writes in a
loop (channels, keys, users, top-ups, redemption codes, settings, prices, log retention, audit rows),
several of them on the very key, user and channel the load is charged to, while client threads relay
plain and streamed requests through the live gateway.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import peewee as pw
import pytest

from tests.conftest import add_channel
from voapi_desktop.core import clock
from voapi_desktop.store import audit, channels, log_archive, options, prices, redemptions, tokens, users, wallet
from voapi_desktop.store.logs import CONSUME
from voapi_desktop.store.tables import Channel, Log, Token, User, database

pytestmark = pytest.mark.e2e

SECONDS = 3.0
CLIENTS = 6
HELLO = [{"role": "user", "content": "say hello"}]


class Console(threading.Thread):
    """Console-style writes in a loop on a thread (and so a connection) of its own; keeps what it credited
    and every exception."""

    def __init__(self, stop: threading.Event, user_id: int, token_id: int, channel_id: int) -> None:
        super().__init__(name="console-writes", daemon=True)
        self.stop, self.user_id, self.token_id, self.channel_id = stop, user_id, token_id, channel_id
        self.credited = 0
        self.rounds = 0
        self.failures: list[BaseException] = []

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.one_round(self.rounds)
                self.rounds += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.failures.append(exc)
        finally:
            database.close()

    def one_round(self, n: int) -> None:
        side = channels.create_channel(type="OpenAI", name=f"side-{n}", key="k", base_url="http://127.0.0.1:9",
                                       models="side-model", status=2)
        channels.update_channel(side.id, weight=n % 5)
        channels.update_channel(self.channel_id, remark=f"edited {n}")  # the channel the load is charged to
        channels.delete_channel(side.id)
        tokens.update_token(self.token_id, name=f"load-{n % 3}")  # the key the load is charged to
        extra = tokens.create_token(self.user_id, f"extra-{n}", quota=1000)
        tokens.update_token(extra.id, quota=2000)
        tokens.delete_token(extra.id)
        users.create_user(f"u{n}", "a-password-1", quota=10)
        users.update_user(self.user_id, display_name=f"Loaded {n}", email="", role=users.ROLE_USER,
                          group="default")
        wallet.top_up(self.user_id, 1000, "console top-up")
        code = redemptions.create_codes(f"batch-{n}", 500, 1)[0]
        redemptions.redeem(code, self.user_id)
        self.credited += 1500
        options.set_options({"QUOTA_REMIND_THRESHOLD": str(1000 + n)})
        prices.set_price("side-model", ratio=str(1 + n % 3))
        log_archive.delete_logs_before(clock.now() - 86_400)
        audit.record(audit.CONSOLE, f"round {n}")


def _relay(url: str, key: str, stop: threading.Event, number: int) -> list[tuple[int, str]]:
    """Requests back to back until `stop`; (status, body of a failure) of each."""
    answers = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=20) as client:
        while not stop.is_set():
            body = {"model": "gpt-4o-mini", "messages": HELLO, "stream": number % 2 == 1}
            with client.stream("POST", "/v1/chat/completions", json=body) as answer:
                raw = answer.read()
            ok = answer.status_code == 200 and (b"[DONE]" in raw or b'"usage"' in raw)
            answers.append((answer.status_code, "" if ok else raw.decode(errors="replace")))
    return answers


def test_console_writes_during_relay_load_never_lock_and_books_reconcile(gateway, upstream):
    channel = add_channel(upstream)
    user = users.create_user("loaded", "a-password-1", quota=50_000_000)
    token = tokens.create_token(user.id, "load", quota=20_000_000)
    old = Log.create(type=CONSUME, created_at=clock.now() - 10 * 86_400, quota=0)  # for the retention delete
    stop = threading.Event()
    console = Console(stop, user.id, token.id, channel.id)
    with ThreadPoolExecutor(CLIENTS) as pool:
        loads = [pool.submit(_relay, gateway.url, "sk-" + token.key, stop, n) for n in range(CLIENTS)]
        console.start()
        time.sleep(SECONDS)
        stop.set()
        console.join(30)
        answers = [a for load in loads for a in load.result(timeout=30)]
    gateway.flush()

    assert console.failures == []
    assert console.rounds >= 3, "the console thread hardly wrote"
    failed = [a for a in answers if a[0] != 200 or a[1]]
    assert failed == [] and len(answers) > 50, failed[:3]
    assert not Log.select().where(Log.id == old.id).exists()
    rows = list(Log.select().where((Log.type == CONSUME) & (Log.user_id == user.id)))
    assert len(rows) == len(answers) and len({r.request_id for r in rows}) == len(rows)
    spent = sum(r.quota for r in rows)
    token_row, user_row = Token.get_by_id(token.id), User.get_by_id(user.id)
    assert token_row.used_quota == spent and token_row.remain_quota + spent == 20_000_000
    assert user_row.used_quota == spent and user_row.quota + spent == 50_000_000 + console.credited
    assert Channel.get_by_id(channel.id).used_quota == spent
    print(f"\n{len(answers)} relayed, {console.rounds} console rounds")


def test_a_write_waits_for_the_lock_instead_of_failing(gateway):
    """A write transaction held open by another connection (the ledger writer's batch) delays a console
    write by up to SQLITE_BUSY_TIMEOUT; it does not fail with `database is locked`."""
    holder_ready, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with database.obj.atomic("IMMEDIATE"):
            holder_ready.set()
            release.wait(5)
        database.close()
    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    assert holder_ready.wait(5)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    try:
        users.create_user("patient", "a-password-1")
    except pw.OperationalError as exc:  # pragma: no cover - the failure this test is about
        pytest.fail(f"the write failed instead of waiting: {exc}")
    finally:
        release.set()
        holder.join(5)
    assert time.monotonic() - started >= 0.4
