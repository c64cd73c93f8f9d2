"""USER_DAILY_QUOTA_CLEAR: balances go to zero at each period boundary in TZ, once per boundary."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.store.wallet_helpers import balance, cheap_hashes, logs_of, new_user, settings
from voapi_desktop.store.logs import SYSTEM
from voapi_desktop.store.quota_clear import JOB, run_quota_clear
from voapi_desktop.store.tables import JobState, Log, User
from voapi_desktop.store.wallet import top_up

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def clearing(unit: str):
    return settings(USER_DAILY_QUOTA_CLEAR=True, USER_DAILY_QUOTA_CLEAR_UNIT=unit, TZ="Asia/Shanghai")


@pytest.fixture(autouse=True)
def _cheap(monkeypatch, store):
    cheap_hashes(monkeypatch)
    User.update(quota=0).execute()  # root starts with a balance; these tests watch their own users


def test_the_first_run_only_records_the_period():
    alice = new_user("alice", quota=500)
    assert run_quota_clear(clearing("DAY"), at(2025, 3, 5, 10, 0)) is None
    assert balance(alice.id) == 500
    assert JobState.get(JobState.name == JOB).value == "2025-03-05T00:00:00+08:00"


def test_daily_clear_runs_at_midnight_in_tz_and_logs_what_it_removed():
    alice, bob, carol = new_user("alice", quota=500), new_user("bob", quota=7), new_user("carol")
    run_quota_clear(clearing("DAY"), at(2025, 3, 5, 10, 0))
    assert run_quota_clear(clearing("DAY"), at(2025, 3, 5, 23, 59, 59)) is None  # not before the boundary
    assert balance(alice.id) == 500
    assert run_quota_clear(clearing("DAY"), at(2025, 3, 6, 0, 0, 1)) == 2
    assert (balance(alice.id), balance(bob.id), balance(carol.id)) == (0, 0, 0)
    [row] = logs_of("alice")
    assert (row["type"], row["quota"], row["content"]) == (SYSTEM, 500, "balance cleared (DAY)")
    assert logs_of("carol") == []  # nothing to clear, nothing logged
    assert run_quota_clear(clearing("DAY"), at(2025, 3, 6, 12, 0)) is None  # once per day


def test_weekly_clear_runs_on_monday():
    alice = new_user("alice", quota=500)
    run_quota_clear(clearing("WEEK"), at(2025, 3, 5, 10, 0))  # a Wednesday
    assert run_quota_clear(clearing("WEEK"), at(2025, 3, 9, 23, 59)) is None  # Sunday night
    assert balance(alice.id) == 500
    assert run_quota_clear(clearing("WEEK"), at(2025, 3, 10, 0, 0)) == 1  # Monday
    assert balance(alice.id) == 0
    assert logs_of("alice")[0]["content"] == "balance cleared (WEEK)"


def test_monthly_clear_runs_on_the_first():
    alice = new_user("alice", quota=500)
    run_quota_clear(clearing("MONTH"), at(2025, 2, 10, 10, 0))
    assert run_quota_clear(clearing("MONTH"), at(2025, 2, 28, 23, 59)) is None
    assert run_quota_clear(clearing("MONTH"), at(2025, 3, 1, 0, 0)) == 1
    assert balance(alice.id) == 0


def test_after_a_gap_of_several_periods_it_clears_once():
    alice = new_user("alice", quota=500)
    run_quota_clear(clearing("DAY"), at(2025, 3, 1, 10, 0))
    assert run_quota_clear(clearing("DAY"), at(2025, 3, 9, 8, 0)) == 1  # eight midnights missed
    top_up(alice.id, 40)
    assert run_quota_clear(clearing("DAY"), at(2025, 3, 9, 9, 0)) is None
    assert balance(alice.id) == 40
    assert [row["content"] for row in logs_of("alice")].count("balance cleared (DAY)") == 1


def test_the_boundary_is_midnight_in_tz_not_in_utc():
    alice = new_user("alice", quota=500)
    utc = ZoneInfo("UTC")
    run_quota_clear(clearing("DAY"), datetime(2025, 3, 5, 10, 0, tzinfo=utc))  # 18:00 in Shanghai
    assert run_quota_clear(clearing("DAY"), datetime(2025, 3, 5, 15, 59, tzinfo=utc)) is None
    assert run_quota_clear(clearing("DAY"), datetime(2025, 3, 5, 16, 0, tzinfo=utc)) == 1  # 00:00 in Shanghai


def test_turned_off_it_does_nothing_and_turning_it_on_starts_afresh():
    alice = new_user("alice", quota=500)
    run_quota_clear(clearing("DAY"), at(2025, 3, 1, 10, 0))
    off = settings(USER_DAILY_QUOTA_CLEAR=False, TZ="Asia/Shanghai")
    assert run_quota_clear(off, at(2025, 3, 2, 10, 0)) is None
    assert run_quota_clear(clearing("DAY"), at(2025, 3, 3, 10, 0)) is None  # first run again: record only
    assert balance(alice.id) == 500


def test_many_users_are_cleared_in_batches():
    for n in range(1203):
        User.insert(username=f"u{n}", password="x", quota=n + 1).execute()
    run_quota_clear(clearing("DAY"), at(2025, 3, 1, 10, 0))
    assert run_quota_clear(clearing("DAY"), at(2025, 3, 2, 0, 0)) == 1203
    assert User.select().where(User.quota != 0).count() == 0
    assert Log.select().where(Log.type == SYSTEM).count() == 1203


def test_after_a_clear_the_next_boundary_is_a_day_later():
    new_user("alice", quota=500)
    start = at(2025, 3, 1, 10, 0)
    run_quota_clear(clearing("DAY"), start)
    results = [run_quota_clear(clearing("DAY"), start + timedelta(hours=h)) for h in range(1, 49)]
    assert [i for i, r in enumerate(results) if r is not None] == [13, 37]  # 00:00 on 2 and 3 March
