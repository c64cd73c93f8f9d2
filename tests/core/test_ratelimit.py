"""Rate-limit decisions and headers, the sliding-window log rule, and the client address."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import Headers

from voapi_desktop.core.ratelimit import (Decision, MemoryLimiter, client_ip, evaluate, go_duration,
                                          retry_after_seconds)


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (-3, "0s"), (0.0001, "1ms"), (0.02, "20ms"), (0.3, "300ms"), (0.999, "999ms"), (1, "1s"),
    (1.0000001, "1.001s"), (17.28, "17.28s"), (59.5, "59.5s"), (60, "1m0s"), (360, "6m0s"), (361.25, "6m1.25s"),
    (3600, "1h0m0s"), (86400 + 61, "24h1m1s"),
])
def test_durations_are_written_the_go_way_and_rounded_up(seconds, text):
    assert go_duration(seconds) == text


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one():
    assert [retry_after_seconds(s) for s in (0, 0.001, 1, 1.2, 50, 59.0000000001)] == [1, 1, 1, 2, 50, 59]


def test_headers_of_an_allowed_and_a_refused_decision():
    assert Decision(True, 60, 59, 1.0, 0.0).headers() == {
        "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "59",
        "x-ratelimit-reset-requests": "1s"}
    refused = Decision(False, 150000, 0, 360.0, 12.4).headers("tokens")
    assert refused == {"x-ratelimit-limit-tokens": "150000", "x-ratelimit-remaining-tokens": "0",
                       "x-ratelimit-reset-tokens": "6m0s", "Retry-After": "13"}


def test_evaluate_drops_expired_entries_and_merges_hits_in_one_millisecond():
    entries = [(1000, 1), (5000, 2)]
    decision, kept = evaluate(entries, 61000, 60000, 5, 1)  # 1000 is exactly a window old: gone
    assert decision == (True, 5, 2, 60.0, 0.0)
    assert kept == [(5000, 2), (61000, 1)]
    decision, kept = evaluate(kept, 61000, 60000, 5, 2)
    assert decision.remaining == 0 and kept == [(5000, 2), (61000, 3)]
    peeked, unchanged = evaluate(kept, 61000, 60000, 5, 1, record=False)
    assert not peeked.allowed and peeked.retry_after == 4.0 and unchanged == kept


def test_evaluate_keeps_order_when_another_clock_was_ahead():
    decision, kept = evaluate([(2000, 1)], 1500, 60000, 3, 1)
    assert decision.allowed and kept == [(1500, 1), (2000, 1)]
    assert decision.reset_after == 60.5  # the newest entry decides when everything has left


def test_the_memory_limiter_follows_the_same_rule():
    now = [100.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert [limiter.hit("k", 2, 10).allowed for _ in range(3)] == [True, True, False]
    now[0] = 110.0
    assert limiter.peek("k", 2, 10).remaining == 2
    assert limiter.hit("k", 2, 10).allowed
    assert limiter.incr_daily("u", "2025-01-01") == 1 and limiter.incr_daily("u", "2025-01-01") == 2


PROXIES = ["10.0.0.0/8", "192.168.1.1", "fd00::/8"]


@pytest.mark.parametrize("peer, headers, expected", [
    # an untrusted peer's headers are never believed
    ("203.0.113.5", {"X-Forwarded-For": "1.1.1.1", "X-Real-IP": "2.2.2.2"}, "203.0.113.5"),
    # a trusted proxy: the rightmost address that is not a trusted proxy
    ("10.0.0.2", {"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.1.2.3"}, "198.51.100.7"),
    ("10.0.0.2", {"x-forwarded-for": "198.51.100.7"}, "198.51.100.7"),
    # every hop trusted: the leftmost one
    ("10.0.0.2", {"X-Forwarded-For": "10.9.9.9, 192.168.1.1"}, "10.9.9.9"),
    # garbage stops the walk: the last address believed
    ("10.0.0.2", {"X-Forwarded-For": "1.2.3.4, not-an-ip, 10.3.3.3"}, "10.3.3.3"),
    ("10.0.0.2", {"X-Forwarded-For": "unknown"}, "10.0.0.2"),
    # ports and brackets
    ("10.0.0.2", {"X-Forwarded-For": "198.51.100.7:4711"}, "198.51.100.7"),
    ("10.0.0.2", {"X-Forwarded-For": "[2001:db8::1]:443"}, "2001:db8::1"),
    # X-Real-IP when there is no X-Forwarded-For
    ("192.168.1.1", {"X-Real-IP": " 198.51.100.8 "}, "198.51.100.8"),
    ("192.168.1.1", {"X-Real-IP": "nonsense"}, "192.168.1.1"),
    # IPv6 and IPv4-mapped peers
    ("fd00::1", {"X-Forwarded-For": "2001:db8::7"}, "2001:db8::7"),
    ("::ffff:10.0.0.2", {"X-Forwarded-For": "198.51.100.9"}, "198.51.100.9"),
    ("::ffff:203.0.113.5", {}, "203.0.113.5"),
    ("", {"X-Forwarded-For": "1.1.1.1"}, ""),
])
def test_client_ip(peer, headers, expected):
    assert client_ip(peer, headers, PROXIES) == expected


def test_client_ip_trusts_nobody_by_default_and_skips_bad_proxy_entries(caplog):
    assert client_ip("10.0.0.2", {"X-Forwarded-For": "1.1.1.1"}, []) == "10.0.0.2"
    assert client_ip("10.0.0.2", {"X-Forwarded-For": "1.1.1.1"}, ["bogus", "10.0.0.0/8"]) == "1.1.1.1"
    assert "bogus" in caplog.text


def test_client_ip_reads_repeated_header_lines_in_order():
    headers = Headers([("X-Forwarded-For", "6.6.6.6"), ("x-forwarded-for", "198.51.100.7, 10.0.0.5")])
    assert client_ip("10.0.0.2", headers, PROXIES) == "198.51.100.7"
    assert client_ip("10.0.0.2", Headers([("X-Forwarded-For", "10.0.0.7")]), PROXIES) == "10.0.0.7"
