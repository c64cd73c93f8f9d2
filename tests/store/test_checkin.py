"""Daily check-in: once per calendar day in TZ, a random reward within the configured range."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from tests.store.wallet_helpers import balance, cheap_hashes, logs_of, new_user, settings
from voapi_desktop.store import checkin, users
from voapi_desktop.store.errors import InvalidInput
from voapi_desktop.store.logs import TOPUP
from voapi_desktop.store.tables import User

ON = settings(CHECKIN_ENABLED=True, CHECKIN_MIN_QUOTA=1000, CHECKIN_MAX_QUOTA=2000, TZ="Asia/Shanghai")
# 15:30 UTC on 1 March is 23:30 in Shanghai; 16:30 UTC is already 2 March there.
LATE_EVENING = datetime(2025, 3, 1, 15, 30, tzinfo=timezone.utc)
AFTER_MIDNIGHT = datetime(2025, 3, 1, 16, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _cheap(monkeypatch, store):
    cheap_hashes(monkeypatch)


def test_check_in_credits_a_reward_in_range_with_a_topup_log_row():
    alice = new_user("alice", quota=5)
    reward = checkin.check_in(alice.id, ON, now=LATE_EVENING, rng=random.Random(1))
    assert 1000 <= reward <= 2000
    assert balance(alice.id) == 5 + reward
    [row] = logs_of("alice")
    assert (row["type"], row["quota"], row["content"]) == (TOPUP, reward, "daily check-in")
    assert checkin.history(alice.id)[0].checkin_date == "2025-03-01"


def test_a_second_check_in_the_same_day_is_refused_and_the_next_day_allowed():
    alice = new_user("alice")
    first = checkin.check_in(alice.id, ON, now=LATE_EVENING)
    with pytest.raises(InvalidInput, match=r"already checked in today \(2025-03-01\)"):
        checkin.check_in(alice.id, ON, now=LATE_EVENING.replace(minute=59))
    assert balance(alice.id) == first
    second = checkin.check_in(alice.id, ON, now=AFTER_MIDNIGHT)  # a new day in Shanghai
    assert balance(alice.id) == first + second
    assert [c.checkin_date for c in checkin.history(alice.id)] == ["2025-03-02", "2025-03-01"]


def test_the_day_follows_the_tz_setting():
    alice = new_user("alice")
    utc = settings(CHECKIN_ENABLED=True, TZ="UTC")
    checkin.check_in(alice.id, utc, now=LATE_EVENING)
    with pytest.raises(InvalidInput, match="already checked in"):
        checkin.check_in(alice.id, utc, now=AFTER_MIDNIGHT)  # still 1 March in UTC


def test_reward_is_uniform_over_the_whole_range():
    alice = new_user("alice")
    narrow = settings(CHECKIN_ENABLED=True, CHECKIN_MIN_QUOTA=7, CHECKIN_MAX_QUOTA=7, TZ="UTC")
    assert checkin.check_in(alice.id, narrow, now=LATE_EVENING) == 7
    rng = random.Random(3)
    seen = {checkin._reward(settings(CHECKIN_MIN_QUOTA=1, CHECKIN_MAX_QUOTA=3), rng) for _ in range(200)}
    assert seen == {1, 2, 3}


@pytest.mark.parametrize("values, message", [
    ({"CHECKIN_ENABLED": False}, "turned off"),
    ({"CHECKIN_ENABLED": True, "CHECKIN_MIN_QUOTA": 10, "CHECKIN_MAX_QUOTA": 5}, "CHECKIN_MIN_QUOTA .* above"),
    ({"CHECKIN_ENABLED": True, "TZ": "Mars/Olympus"}, "not a known time zone"),
])
def test_check_in_is_refused_with_a_message_about_the_settings(values, message):
    alice = new_user("alice")
    with pytest.raises(InvalidInput, match=message):
        checkin.check_in(alice.id, settings(**values), now=LATE_EVENING)
    assert balance(alice.id) == 0 and checkin.history(alice.id) == []


def test_a_disabled_user_cannot_check_in():
    alice = new_user("alice")
    User.update(status=users.STATUS_DISABLED).where(User.id == alice.id).execute()
    with pytest.raises(InvalidInput, match="disabled"):
        checkin.check_in(alice.id, ON, now=LATE_EVENING)


def test_a_concurrent_double_check_in_loses_on_the_unique_index(monkeypatch):
    alice = new_user("alice")
    monkeypatch.setattr(checkin, "checked_in", lambda user_id, date: False)  # both passed the early check
    checkin.check_in(alice.id, ON, now=LATE_EVENING)
    before = balance(alice.id)
    with pytest.raises(InvalidInput, match="already checked in"):
        checkin.check_in(alice.id, ON, now=LATE_EVENING)
    assert balance(alice.id) == before
    assert len(logs_of("alice")) == 1
