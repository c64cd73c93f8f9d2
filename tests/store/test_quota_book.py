"""Quota holds in memory: the same answers as the database's conditional UPDATEs, and the books close."""

from __future__ import annotations

import random
import threading

import pytest

from voapi_desktop.gateway.state import open_state
from voapi_desktop.store.billing import QuotaShort
from voapi_desktop.store.gateway_lock import GatewayBusy
from voapi_desktop.store.quota_book import QuotaBook

USER, TOKEN = 7, 70


def book_with(user: int, token: int) -> QuotaBook:
    book = QuotaBook()
    book.rebase({USER: user}, {TOKEN: token})
    return book


def test_a_hold_that_does_not_fit_the_key_or_the_user_is_refused_with_what_is_left():
    book = book_with(1_000, 300)
    book.reserve(USER, 0, TOKEN, 0, 200)
    with pytest.raises(QuotaShort) as short:
        book.reserve(USER, 0, TOKEN, 0, 101)
    assert (short.value.who, short.value.needed, short.value.available) == ("token", 101, 100)
    book.reserve(USER, 0, TOKEN + 1, None, 700)  # an unlimited key of the same user: only the user counts
    with pytest.raises(QuotaShort) as short:
        book.reserve(USER, 0, TOKEN + 1, None, 101)
    assert (short.value.who, short.value.available) == ("user", 100)
    assert book.available(USER, 0, TOKEN, 0) == (100, 100)


def test_settle_charges_the_cost_and_commit_moves_it_into_the_balance():
    book = book_with(1_000, 500)
    book.reserve(USER, 0, TOKEN, 0, 300)
    assert book.settle(USER, TOKEN, True, 300, 120) == 120
    assert book.available(USER, 0, TOKEN, 0) == (880, 380)  # the rest of the hold is free again
    book.committed(USER, TOKEN, True, 120)
    assert book.owed() == ({}, {})
    assert book.available(USER, 0, TOKEN, 0) == (880, 380)  # now in the base, as in the database


def test_a_cost_above_the_hold_is_charged_only_as_far_as_the_balance_goes():
    book = book_with(1_000, 400)
    book.reserve(USER, 0, TOKEN, 0, 300)
    book.reserve(USER, 0, TOKEN, 0, 100)
    assert book.settle(USER, TOKEN, True, 300, 900) == 300, "the other hold keeps its 100"
    assert book.settle(USER, TOKEN, True, 100, 50) == 50
    assert book.available(USER, 0, TOKEN, 0) == (650, 50)


def test_a_rebase_brings_in_top_ups_made_elsewhere_and_keeps_what_is_owed():
    book = book_with(100, 100)
    book.reserve(USER, 0, TOKEN, 0, 60)
    book.settle(USER, TOKEN, True, 60, 40)  # queued, not committed
    book.rebase({USER: 1_100}, {TOKEN: 100})  # +1000 topped up through the console; the charge not yet written
    assert book.available(USER, 0, TOKEN, 0) == (1_060, 60)
    book.committed(USER, TOKEN, True, 40)
    assert book.available(USER, 0, TOKEN, 0) == (1_060, 60)


def test_a_dropped_charge_is_no_longer_owed_and_never_reaches_the_balance():
    book = book_with(100, 100)
    book.reserve(USER, 0, TOKEN, 0, 50)
    book.settle(USER, TOKEN, True, 50, 50)
    book.committed(USER, TOKEN, True, 50, written=False)
    assert book.available(USER, 0, TOKEN, 0) == (100, 100)


def test_an_account_the_book_has_not_seen_uses_the_snapshot_values():
    book = QuotaBook()
    book.reserve(USER, 500, TOKEN, 200, 150)
    with pytest.raises(QuotaShort):
        book.reserve(USER, 500, TOKEN, 200, 51)


def test_threads_racing_for_one_balance_never_overspend_and_the_books_close():
    """Loop-side reserve/settle from four threads while a writer thread commits, as the gateway does."""
    balance, book = 10_000, book_with(10_000, 10_000)
    queued: list[int] = []
    queue_lock = threading.Lock()
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        while not stop.is_set() or queued:
            with queue_lock:
                batch, queued[:] = list(queued), []
            for charged in batch:
                written[0] += charged
                book.committed(USER, TOKEN, True, charged)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(2_000):
            hold = rng.randint(1, 60)
            try:
                book.reserve(USER, 0, TOKEN, 0, hold)
            except QuotaShort:
                continue
            charged = book.settle(USER, TOKEN, True, hold, rng.randint(0, 90))
            with queue_lock:
                queued.append(charged)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads[1:]:
        thread.join()
    stop.set()
    threads[0].join()
    user, token = book.available(USER, 0, TOKEN, 0)
    assert book.owed() == ({}, {})
    assert user == token == balance - written[0] >= 0


def test_one_gateway_per_sqlite_database(store):
    first = open_state(store.env, store.overrides)
    try:
        assert first.quota_book is not None and first.lock is not None
        with pytest.raises(GatewayBusy, match="another gateway .* is already serving the database voapi.db"):
            open_state(store.env, store.overrides)
    finally:
        first.close()
    again = open_state(store.env, store.overrides)  # released on close
    again.close()
