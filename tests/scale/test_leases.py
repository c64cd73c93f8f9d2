"""Cluster leases (store/leases.py): one claimant per period, in Redis or in the shared database."""

from __future__ import annotations

import pytest

from voapi_desktop.store.leases import PREFIX, DatabaseLeases, RedisLeases
from voapi_desktop.store.runtime import open_store


def test_a_redis_lease_goes_to_one_instance_per_period(redis_url):
    import redis
    url = redis_url.rsplit("/", 1)[0] + "/9"
    with redis.Redis.from_url(url) as client:
        client.flushdb()
        east, west = RedisLeases(url, "east"), RedisLeases(url, "west")
        try:
            assert east.claim("housekeeping", 0.3)
            assert not west.claim("housekeeping", 0.3)
            assert not east.claim("housekeeping", 0.3)  # the winner too waits for the next period
            assert west.claim("channel-tests", 0.3)  # leases are per job
            assert client.get(PREFIX + "housekeeping") == b"east"
            client.pexpire(PREFIX + "housekeeping", 1)  # the period ends
            import time
            time.sleep(0.05)
            assert west.claim("housekeeping", 0.3)
        finally:
            east.close()
            west.close()


@pytest.mark.slow
def test_a_database_lease_goes_to_one_instance_per_period(tmp_path, sql_dsn):
    runtime = open_store(env={"DATA_DIR": str(tmp_path), "SQL_DSN": sql_dsn})
    try:
        now = [1_000_000.0]
        east, west = DatabaseLeases("east", lambda: now[0]), DatabaseLeases("west", lambda: now[0])
        assert east.claim("housekeeping", 60)
        assert not west.claim("housekeeping", 60)
        assert not east.claim("housekeeping", 60)
        assert west.claim("channel-tests", 60)
        now[0] += 59
        assert not west.claim("housekeeping", 60)
        now[0] += 2
        assert west.claim("housekeeping", 60)
        assert not east.claim("housekeeping", 60)
    finally:
        runtime.close()
