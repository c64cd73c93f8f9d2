"""Channel selection and model mapping rules."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from voapi_desktop.core.routing import check_model_mapping, map_model, pick_channel


def test_first_attempt_uses_the_highest_tier_and_retries_go_down():
    tiers = [[(1, 0)], [(2, 0)], [(3, 0)]]
    assert pick_channel(tiers, 0, set()) == 1
    assert pick_channel(tiers, 1, {1}) == 2
    assert pick_channel(tiers, 2, {1, 2}) == 3


def test_a_tried_channel_is_never_picked_again():
    tiers = [[(1, 0), (2, 0)]]
    assert pick_channel(tiers, 1, {1}) == 2
    assert pick_channel(tiers, 2, {1, 2}) is None


def test_an_exhausted_tier_falls_through_to_lower_then_higher_ones():
    tiers = [[(1, 0)], [(2, 0)]]
    assert pick_channel(tiers, 0, {1}) == 2
    assert pick_channel(tiers, 5, {2}) == 1


def test_weights_shape_the_choice_and_zero_weights_are_equal():
    rng = random.Random(7)
    counts = Counter(pick_channel([[(1, 9), (2, 1)]], 0, set(), rng) for _ in range(2000))
    assert 0.85 < counts[1] / 2000 < 0.95
    counts = Counter(pick_channel([[(1, 0), (2, 0)]], 0, set(), rng) for _ in range(2000))
    assert 0.4 < counts[1] / 2000 < 0.6


def test_mapping_chains_are_followed_and_cycles_refused():
    assert map_model({"a": "b", "b": "c"}, "a") == "c"
    assert map_model({"a": "a"}, "a") == "a"
    assert map_model({}, "x") == "x"
    with pytest.raises(ValueError, match="cycle"):
        check_model_mapping({"a": "b", "b": "c", "c": "a"})
    with pytest.raises(ValueError):
        check_model_mapping({"a": ""})
