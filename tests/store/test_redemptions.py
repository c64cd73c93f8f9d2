"""Redemption codes: created in batches, each redeemed exactly once, even under concurrency."""

from __future__ import annotations

import threading

import pytest

from tests.store.wallet_helpers import balance, cheap_hashes, logs_of, new_user
from voapi_desktop.core import clock
from voapi_desktop.store import redemptions
from voapi_desktop.store.errors import InvalidInput, NotFound
from voapi_desktop.store.logs import TOPUP
from voapi_desktop.store.tables import database


@pytest.fixture(autouse=True)
def _cheap(monkeypatch, store):
    cheap_hashes(monkeypatch)


def test_create_codes_makes_distinct_32_hex_character_codes():
    codes = redemptions.create_codes("promo", 1000, 5)
    assert len(set(codes)) == 5
    assert all(len(code) == 32 and int(code, 16) >= 0 for code in codes)
    listed = redemptions.list_codes()
    assert {c.key for c in listed} == set(codes)
    assert {(c.name, c.quota, c.status_name) for c in listed} == {("promo", 1000, "enabled")}


@pytest.mark.parametrize("quota, count, expires, message", [
    (0, 1, 0, "quota must be"), (-5, 1, 0, "quota must be"), (100, 0, 0, "between 1 and 100"),
    (100, 101, 0, "between 1 and 100"), (100, 1, 1, "in the future"),
])
def test_create_codes_refuses_bad_input(quota, count, expires, message):
    with pytest.raises(InvalidInput, match=message):
        redemptions.create_codes("x", quota, count, expires_at=expires)
    assert redemptions.list_codes() == []


def test_a_code_redeems_once_crediting_the_user_with_a_topup_log_row():
    alice = new_user("alice", quota=10)
    [code] = redemptions.create_codes("promo", 1000, 1)
    assert redemptions.redeem(code, alice.id) == 1000
    assert balance(alice.id) == 1010
    with pytest.raises(InvalidInput, match="already been used"):
        redemptions.redeem(code, alice.id)
    assert balance(alice.id) == 1010
    [row] = logs_of("alice")
    assert (row["type"], row["quota"]) == (TOPUP, 1000)
    assert code not in row["content"] and "promo" in row["content"]
    [info] = redemptions.list_codes()
    assert (info.status_name, info.used_user_id) == ("used", alice.id)


def test_redeem_explains_disabled_expired_and_unknown_codes(monkeypatch):
    alice = new_user("alice")
    disabled, expiring = redemptions.create_codes("", 5, 2, expires_at=clock.now() + 60)
    redemptions.disable_code(disabled)
    with pytest.raises(InvalidInput, match="disabled"):
        redemptions.redeem(disabled, alice.id)
    later = clock.now() + 61
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(InvalidInput, match="this code expired"):
        redemptions.redeem(expiring, alice.id)
    with pytest.raises(InvalidInput, match="does not exist"):
        redemptions.redeem("0" * 32, alice.id)
    with pytest.raises(InvalidInput, match="32 characters"):
        redemptions.redeem("short", alice.id)
    assert balance(alice.id) == 0


def test_redeeming_for_an_unknown_user_leaves_the_code_unused():
    [code] = redemptions.create_codes("", 5, 1)
    with pytest.raises(NotFound):
        redemptions.redeem(code, 999)
    assert redemptions.list_codes()[0].status_name == "enabled"


def test_a_used_code_cannot_be_disabled():
    alice = new_user("alice")
    [code] = redemptions.create_codes("", 5, 1)
    redemptions.redeem(code, alice.id)
    with pytest.raises(InvalidInput, match="already been used"):
        redemptions.disable_code(code)
    with pytest.raises(NotFound):
        redemptions.disable_code("f" * 32)


def test_eight_threads_redeeming_one_code_credit_it_exactly_once():
    alice = new_user("alice")
    [code] = redemptions.create_codes("race", 700, 1)
    start = threading.Barrier(8)
    results: list[object] = []

    def attempt() -> None:
        start.wait()
        try:
            results.append(redemptions.redeem(code, alice.id))
        except InvalidInput as exc:
            results.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(700) == 1
    assert all("already been used" in str(r) for r in results if r != 700)
    assert balance(alice.id) == 700
    assert len(logs_of("alice")) == 1
