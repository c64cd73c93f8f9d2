"""The channel cooldown breaker and how selection passes cooling channels over."""

from __future__ import annotations

import random

from voapi_desktop.core.cooldown import Breaker, Policy, retry_after_seconds
from voapi_desktop.core.routing import pick_channel

POLICY = Policy(failures=3, seconds=5, max_seconds=30)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker() -> tuple[Breaker, Clock]:
    clock = Clock()
    return Breaker(clock), clock


def fail(b: Breaker, channel_id: int, times: int) -> None:
    for _ in range(times):
        b.failed(channel_id, POLICY)


def test_a_healthy_gateway_has_no_entries():
    b, _ = breaker()
    assert not b
    b.succeeded(1)
    assert not b and b.cooling_until(1) == 0.0


def test_the_breaker_opens_after_n_failures_in_a_row_and_a_success_resets_the_count():
    b, clock = breaker()
    fail(b, 1, 2)
    b.succeeded(1)
    fail(b, 1, 2)
    assert b.cooling_until(1) == 0.0
    fail(b, 1, 1)
    assert b.cooling_until(1) == clock.now + 5


def test_after_the_cooldown_one_request_probes_and_the_others_pass_over():
    b, clock = breaker()
    fail(b, 1, 3)
    clock.now += 5
    assert b.cooling_until(1) == 0.0
    assert b.claim(1, POLICY) is True
    assert b.cooling_until(1) > clock.now  # a second request does not probe too
    b.succeeded(1)
    assert not b and b.cooling_until(1) == 0.0


def test_a_failed_probe_doubles_the_cooldown_up_to_the_cap():
    b, clock = breaker()
    fail(b, 1, 3)
    lengths = []
    for _ in range(5):
        clock.now = b.entries[1].until
        assert b.claim(1, POLICY)
        b.failed(1, POLICY)
        lengths.append(b.cooling_until(1) - clock.now)
    assert lengths == [10, 20, 30, 30, 30]


def test_failures_of_requests_already_in_flight_do_not_stretch_the_cooldown():
    b, clock = breaker()
    fail(b, 1, 10)
    assert b.cooling_until(1) == clock.now + 5


def test_a_probe_that_ends_without_a_verdict_lets_the_next_request_probe():
    b, clock = breaker()
    fail(b, 1, 3)
    clock.now += 5
    b.claim(1, POLICY)
    b.released(1)
    assert b.cooling_until(1) == 0.0 and b.claim(1, POLICY)


def test_a_retry_after_holds_the_channel_exactly_that_long_without_growing_the_cooldown():
    b, clock = breaker()
    b.hold(1, 7)
    assert b.cooling_until(1) == clock.now + 7
    clock.now += 7
    assert b.cooling_until(1) == 0.0
    assert b.claim(1, POLICY) is False  # not a probe: it was never open
    fail(b, 1, 2)
    assert b.cooling_until(1) == 0.0


def test_a_retry_after_on_one_key_holds_that_key_and_the_channel_only_when_all_keys_are_held():
    b, clock = breaker()
    b.hold(1, 7, key_index=0)
    assert b.held_keys(1) == {0}
    assert b.cooling_until(1, keys=2) == 0.0
    b.hold(1, 3, key_index=1)
    assert b.cooling_until(1, keys=2) == clock.now + 3
    clock.now += 3
    assert b.held_keys(1) == {0} and b.cooling_until(1, keys=2) == 0.0


def test_view_lists_the_channels_passed_over_and_how_long_they_still_wait():
    b, clock = breaker()
    fail(b, 1, 3)
    fail(b, 2, 1)
    assert b.view() == {1: 5}
    clock.now += 5
    assert b.view() == {}


def test_selection_passes_a_cooling_channel_over_even_in_a_higher_tier():
    tiers = [[(1, 0)], [(2, 0)]]
    cooling = {1: 1005.0}.get
    assert pick_channel(tiers, 0, set(), random.Random(1), lambda c: cooling(c, 0.0)) == 2


def test_when_every_channel_cools_down_the_one_that_ends_first_is_tried():
    tiers = [[(1, 0), (2, 0)], [(3, 0)]]
    until = {1: 1009.0, 2: 1003.0, 3: 1005.0}
    assert pick_channel(tiers, 0, set(), random.Random(1), until.__getitem__) == 2
    assert pick_channel(tiers, 1, {2}, random.Random(1), until.__getitem__) == 3
    assert pick_channel(tiers, 2, {1, 2, 3}, random.Random(1), until.__getitem__) is None


def test_retry_after_is_read_as_seconds_or_an_http_date():
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds("") is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("0") is None
    assert 0 < retry_after_seconds("Fri, 31 Dec 2100 23:59:59 GMT")
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT") is None
