"""Admin top-ups and deductions: the balance and its log row change together."""

from __future__ import annotations

import pytest

from tests.store.wallet_helpers import balance, cheap_hashes, logs_of, new_user
from voapi_desktop.store.errors import InvalidInput, NotFound
from voapi_desktop.store.logs import TOPUP
from voapi_desktop.store.wallet import top_up


@pytest.fixture(autouse=True)
def _cheap(monkeypatch, store):
    cheap_hashes(monkeypatch)


def test_top_up_adds_quota_and_writes_a_topup_log_row():
    alice = new_user("alice", quota=100)
    assert top_up(alice.id, 5000, "welcome") == 5100
    assert balance(alice.id) == 5100
    [row] = logs_of("alice")
    assert (row["type"], row["quota"], row["content"]) == (TOPUP, 5000, "admin top-up: welcome")


def test_a_deduction_may_empty_the_balance_but_not_go_below_zero():
    alice = new_user("alice", quota=100)
    assert top_up(alice.id, -100) == 0
    with pytest.raises(InvalidInput, match="below zero"):
        top_up(alice.id, -1)
    assert balance(alice.id) == 0
    assert [row["content"] for row in logs_of("alice")] == ["admin deduction"]


@pytest.mark.parametrize("quota", [0, 1.5, True])
def test_top_up_refuses_amounts_that_are_not_whole_non_zero_numbers(quota):
    alice = new_user("alice")
    with pytest.raises(InvalidInput, match="non-zero whole number"):
        top_up(alice.id, quota)


def test_top_up_of_an_unknown_user_is_not_found_and_logs_nothing():
    with pytest.raises(NotFound, match="no user with id 999"):
        top_up(999, 10)
    assert logs_of("") == []
