"""Scale-out, for real: two `serve` processes on one PostgreSQL or MariaDB database and one Redis,
separate data dirs, the same SQL_DSN, SYNC_FREQUENCY 1 s, one fake upstream.

Money: gpt-4o-mini gets a fixed price per call (PRICE USD = COST quota), so the reservation is the
cost and a key holding 40 * COST pays for exactly 40 answers, however the requests interleave.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_limits import HELLO, Serving, _cli, _env
from voapi_desktop.core import periods
from voapi_desktop.store.logs import CONSUME, SYSTEM
from voapi_desktop.store.quota_clear import JOB
from voapi_desktop.store.runtime import open_store
from voapi_desktop.store.tables import Channel, JobState, Log, Reservation, Token, User

pytestmark = pytest.mark.slow

PRICE = "0.002"  # USD per call
COST = 1000  # quota units per call (500,000 = 1 USD)
FITS = 40
REDIS_DB = 8  # a database of its own in the session's redis-server


class Cluster:
    """Two instances (east, west) sharing one SQL database and one Redis; configured through the CLI."""

    def __init__(self, tmp_path: Path, sql_dsn: str, redis_url: str, upstream) -> None:
        import redis
        shared = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
        with redis.Redis.from_url(shared) as client:
            client.flushdb()
        self.envs = []
        for name in ("east", "west"):
            env = _env(tmp_path / name, shared)
            env.update(SQL_DSN=sql_dsn, SYNC_FREQUENCY="1", NODE_NAME=name)
            Path(env["DATA_DIR"]).mkdir(parents=True)
            self.envs.append(env)
        self.upstream = upstream
        self.servers: list[Serving] = []
        self.urls: list[str] = []

    def cli(self, *args: str, instance: int = 0) -> str:
        return _cli(self.envs[instance], *args)

    def add_channel(self, key: str, priority: int = 0) -> int:
        out = self.cli("channel", "add", "--type", "OpenAI", "--name", key, "--key", key, "--base-url",
                       self.upstream.url, "--models", "gpt-4o-mini", "--priority", str(priority), "--json")
        return json.loads(out)["id"]

    def token(self, name: str, quota: int) -> str:
        return json.loads(self.cli("token", "create", "--name", name, "--quota", str(quota), "--json"))["key"]

    def start(self) -> list[str]:
        self.servers = [Serving(env) for env in self.envs]
        self.urls = [server.wait_ready() for server in self.servers]
        return self.urls

    def stop(self) -> None:
        codes = [server.stop() for server in self.servers]
        logs = [server.log_path.read_text() for server in self.servers]
        assert codes == [0] * len(codes), logs
        for text in logs:
            assert "Traceback" not in text, text

    def chat(self, instance: int, key: str) -> httpx.Response:
        return httpx.post(self.urls[instance] + "/v1/chat/completions",
                          json={"model": "gpt-4o-mini", "messages": HELLO},
                          headers={"Authorization": f"Bearer {key}"}, timeout=60)


@pytest.fixture
def cluster(tmp_path, sql_dsn, redis_url, upstream):
    made = Cluster(tmp_path, sql_dsn, redis_url, upstream)
    # this process reads the shared database directly to check the books (after the CLI migrated it)
    made.cli("price", "set", "gpt-4o-mini", "--price", PRICE)
    runtime = open_store(env={"DATA_DIR": str(tmp_path / "reader"), "SQL_DSN": sql_dsn})
    try:
        yield made
    finally:
        try:
            if made.servers:
                made.stop()
        finally:
            runtime.close()


def wait_until(predicate, timeout: float = 15.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} never came true"
        time.sleep(0.05)


def settled() -> bool:
    return Reservation.select().count() == 0


def test_100_concurrent_requests_on_two_instances_spend_exactly_what_the_key_holds(cluster):
    channel = cluster.add_channel("up-key")
    key = cluster.token("forty", FITS * COST)
    root = User.get(User.username == "root")
    before = root.quota
    assert before >= FITS * COST
    cluster.start()
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda i: cluster.chat(i % 2, key), range(100)))
    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == FITS, [a.text for a in answers if a.status_code != 200][:3]
    for answer in answers:
        if answer.status_code != 200:
            assert answer.status_code in (402, 403, 429), answer.text
            assert "quota" in answer.text.lower(), answer.text
    assert len(cluster.upstream.requests) == FITS
    cluster.stop()  # SIGTERM: each instance flushes its ledger
    cluster.servers = []
    assert settled()
    token = Token.get(Token.key == key.removeprefix("sk-"))
    user = User.get(User.id == root.id)
    logs = list(Log.select().where((Log.type == CONSUME) & (Log.token_id == token.id)))
    assert len(logs) == FITS
    assert token.remain_quota == 0
    assert token.used_quota == FITS * COST == sum(row.quota for row in logs)
    assert user.quota == before - FITS * COST >= 0
    assert user.used_quota == FITS * COST
    assert user.request_count == FITS
    assert Channel.get_by_id(channel).used_quota == FITS * COST


def test_the_global_relay_limit_holds_across_both_instances(cluster):
    cluster.add_channel("up-key")
    key = cluster.token("limited", 1_000_000)
    for name, value in (("GLOBAL_RELAY_RATE_LIMIT_ENABLE", "true"), ("GLOBAL_RELAY_RATE_LIMIT", "6"),
                        ("GLOBAL_RELAY_RATE_LIMIT_DURATION", "60")):
        cluster.cli("option", "set", name, value)
    cluster.start()
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda i: cluster.chat(i % 2, key), range(10)))
    assert sorted(a.status_code for a in answers) == [200] * 6 + [429] * 4, [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 429:
            assert answer.headers["x-ratelimit-limit-requests"] == "6"
    assert cluster.chat(0, key).status_code == 429
    assert cluster.chat(1, key).status_code == 429
    assert len(cluster.upstream.requests) == 6


def test_a_channel_disabled_through_one_instance_is_dropped_by_the_other_within_sync_frequency(cluster):
    first = cluster.add_channel("key-first", priority=10)
    cluster.add_channel("key-second", priority=0)
    key = cluster.token("failover", 1_000_000)
    cluster.start()
    for instance in (0, 1):
        assert cluster.chat(instance, key).status_code == 200
    assert [r.key for r in cluster.upstream.requests] == ["key-first", "key-first"]
    cluster.cli("channel", "disable", str(first), instance=0)  # east's command line, another process
    time.sleep(2.5)  # SYNC_FREQUENCY is 1 s: two rounds and a margin
    del cluster.upstream.requests[:]
    for _ in range(4):
        for instance in (0, 1):
            assert cluster.chat(instance, key).status_code == 200
    assert {r.key for r in cluster.upstream.requests} == {"key-second"}


def test_the_daily_quota_clear_runs_once_for_the_cluster(cluster):
    for name in ("ann", "bob", "cid"):
        cluster.cli("user", "add", "--username", name, "--password", f"{name}-password-1", "--quota", "5000")
    cluster.cli("option", "set", "USER_DAILY_QUOTA_CLEAR", "true")
    # the job last cleared yesterday: the first housekeeping round of whichever instance comes first clears
    now = datetime.now(timezone.utc)
    yesterday = periods.period_start(now, "DAY", periods.zone("")) - timedelta(days=1)
    JobState.delete().where(JobState.name == JOB).execute()
    JobState.create(name=JOB, value=yesterday.isoformat())
    holders = User.select().where(User.quota != 0).count()
    assert holders >= 3
    cluster.start()
    wait_until(lambda: User.select().where(User.quota != 0).count() == 0, what="the clear")
    time.sleep(3)  # the other instance's first round has run too
    cleared = Log.select().where((Log.type == SYSTEM) & Log.content.startswith("balance cleared")).count()
    assert cleared == holders
    import redis
    with redis.Redis.from_url(cluster.envs[0]["REDIS_CONN_STRING"]) as client:  # one instance holds the period
        owner = client.get("voapi:lease:housekeeping")
    assert owner and owner.decode().split("/")[0] in ("east", "west")
