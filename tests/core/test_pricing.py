"""The pricing formula against examples worked out by hand (in the comments), and the price table.

Units: 500,000 quota = 1 USD; model ratio 1 = one quota unit per input token ($2 per 1M tokens).
Every expected number below is computed in the comment next to it, not by the code under test.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from voapi_desktop.core import pricing
from voapi_desktop.core.price_table import PriceTable, parse_group_ratios, parse_table
from voapi_desktop.core.pricing import ModelPrice, exact
from voapi_desktop.store.prices import default_table

QPU = 500_000
ONE = Fraction(1)


def billed(price: ModelPrice, prompt: int, completion: int, cached: int = 0, group: Fraction = ONE) -> int:
    return pricing.charge(pricing.token_cost(price, group, prompt, completion, cached, QPU))


# --- token-metered requests -------------------------------------------------------


def test_ratio_only():
    # ratio 2, no completion ratio: (100 prompt + 50 completion) x 2 = 300
    assert billed(ModelPrice(ratio=Fraction(2)), 100, 50) == 300


def test_completion_ratio_multiplies_only_the_output():
    # ratio 2, completion ratio 3: (100 + 50 x 3) x 2 = (100 + 150) x 2 = 500
    assert billed(ModelPrice(ratio=Fraction(2), completion_ratio=Fraction(3)), 100, 50) == 500


def test_cached_tokens_are_part_of_the_prompt_and_get_the_cache_ratio():
    # gpt-4o style: ratio 1.25, completion 4, cache 0.5; 1000 prompt tokens of which 400 cached, 100 completion:
    # ((1000 - 400) + 400 x 0.5 + 100 x 4) x 1.25 = (600 + 200 + 400) x 1.25 = 1200 x 1.25 = 1500
    price = ModelPrice(ratio=exact("1.25"), completion_ratio=Fraction(4), cache_ratio=exact("0.5"))
    assert billed(price, 1000, 100, cached=400) == 1500
    # without the cache: (1000 + 400) x 1.25 = 1750
    assert billed(price, 1000, 100) == 1750


def test_cached_tokens_never_exceed_the_prompt():
    # 10 prompt tokens but the upstream claims 50 cached: only the 10 can be cached.
    # ratio 1, cache 0.5: (0 + 10 x 0.5 + 0) x 1 = 5
    assert billed(ModelPrice(ratio=ONE, cache_ratio=exact("0.5")), 10, 0, cached=50) == 5


def test_a_fixed_price_per_call_overrides_the_ratios():
    # $0.04 per call x 500,000 quota per USD = 20,000, whatever the token counts
    price = ModelPrice(ratio=Fraction(100), completion_ratio=Fraction(9), price=exact("0.04"))
    assert billed(price, 0, 0) == 20_000
    assert billed(price, 123_456, 7_890) == 20_000


@pytest.mark.parametrize("group, expected", [
    # ratio 2, completion 3, 100 prompt + 50 completion = 500 (see above); x 0.8 = 400; x 2 = 1000
    ("0.8", 400),
    ("2", 1000),
    ("1", 500),
    ("0", 0),  # a free group
])
def test_the_group_ratio_multiplies_everything(group, expected):
    price = ModelPrice(ratio=Fraction(2), completion_ratio=Fraction(3))
    assert billed(price, 100, 50, group=exact(group)) == expected


def test_the_group_ratio_also_multiplies_a_fixed_price():
    # $0.04 x 500,000 = 20,000; x 0.8 = 16,000
    assert billed(ModelPrice(price=exact("0.04")), 5, 5, group=exact("0.8")) == 16_000


# --- rounding ----------------------------------------------------------------------


@pytest.mark.parametrize("tokens, expected", [
    (30, 2),  # 30 x 0.075 = 2.25 -> 2
    (50, 4),  # 50 x 0.075 = 3.75 -> 4
    (10, 1),  # 10 x 0.075 = 0.75 -> 1
    (2, 1),   # 2 x 0.075 = 0.15 -> 0, but something was used: the minimum is 1
    (0, 0),   # nothing used: nothing billed
])
def test_a_charge_is_rounded_half_up_with_a_minimum_of_one(tokens, expected):
    assert billed(ModelPrice(ratio=exact("0.075")), tokens, 0) == expected


def test_half_rounds_up_not_to_even():
    # 10 x 0.25 = 2.5 -> 3 (Python's round() would give 2); 14 x 0.25 = 3.5 -> 4
    assert billed(ModelPrice(ratio=exact("0.25")), 10, 0) == 3
    assert billed(ModelPrice(ratio=exact("0.25")), 14, 0) == 4
    assert pricing.charge(Fraction(5, 2)) == 3
    assert pricing.charge(Fraction(249, 100)) == 2


def test_a_free_model_costs_nothing():
    # ratio 0: (100 + 50) x 0 = 0 -> no minimum of 1, nothing was charged for
    assert billed(ModelPrice(ratio=Fraction(0)), 100, 50) == 0
    assert ModelPrice(ratio=Fraction(0)).is_free
    assert ModelPrice(price=Fraction(0)).is_free
    assert not ModelPrice(ratio=exact("0.01")).is_free


@pytest.mark.parametrize("cost, expected", [
    (Fraction(9, 4), 3),   # 2.25 -> 3 (a charge would be 2)
    (Fraction(1, 100), 1),  # 0.01 -> 1
    (Fraction(2), 2),      # whole numbers stay
    (Fraction(0), 0),
])
def test_an_estimate_is_rounded_up(cost, expected):
    assert pricing.estimate(cost) == expected


# --- exactness ---------------------------------------------------------------------


def test_no_float_drift():
    # ratio 0.135 x 1,000,000 tokens is exactly 135,000
    for ratio in ("0.135", 0.135):
        cost = pricing.token_cost(ModelPrice(ratio=exact(ratio)), ONE, 1_000_000, 0)
        assert cost == 135_000
        assert pricing.charge(cost) == pricing.estimate(cost) == 135_000


def test_no_float_drift_with_a_group_ratio():
    # as floats (0.135 x 0.8) x 1,000,000 = 108000.00000000001, which an estimate (rounded up) would
    # turn into 108,001; exactly it is 0.108 x 1,000,000 = 108,000
    assert 0.135 * 0.8 * 1_000_000 > 108_000
    cost = pricing.token_cost(ModelPrice(ratio=exact(0.135)), exact(0.8), 1_000_000, 0)
    assert cost == 108_000
    assert pricing.charge(cost) == pricing.estimate(cost) == 108_000
    # ratio 0.075 x completion ratio 3 x 1000 tokens: floats give 224.99999999999997; exactly 225
    assert 0.075 * 3 * 1000 < 225
    cost = pricing.token_cost(ModelPrice(ratio=exact(0.075), completion_ratio=Fraction(3)), ONE, 0, 1000)
    assert cost == 225
    assert pricing.estimate(cost) == 225


def test_exact_reads_decimal_strings_fractions_and_floats():
    assert exact("0.135") == Fraction(135, 1000)
    assert exact(" 25/3 ") == Fraction(25, 3)
    assert exact(0.8) == Fraction(4, 5)
    assert exact(7) == 7
    assert exact(Fraction(1, 3)) == Fraction(1, 3)


def test_a_price_entry_is_parsed_exactly_and_checked():
    price = ModelPrice.from_dict({"ratio": "25/3", "completion_ratio": 4, "cache_ratio": "0.1"})
    assert (price.ratio, price.completion_ratio, price.cache_ratio, price.price) == \
        (Fraction(25, 3), 4, Fraction(1, 10), None)
    assert ModelPrice.from_dict({"price": 0.04}).price == Fraction(1, 25)
    with pytest.raises(ValueError, match="needs 'ratio' or 'price'"):
        ModelPrice.from_dict({"completion_ratio": 2})
    with pytest.raises(ValueError, match="ratio must be >= 0"):
        ModelPrice.from_dict({"ratio": -1})
    with pytest.raises(ValueError, match="ratio must be a number"):
        ModelPrice.from_dict({"ratio": "cheap"})
    with pytest.raises(ValueError, match="unknown price field"):
        ModelPrice.from_dict({"ratio": 1, "ratios": 2})


# --- per call: images ----------------------------------------------------------------


def test_dall_e_3_hd_1792x1024_two_images():
    # $0.04 per image x 3 (hd 1792x1024) x 2 images = $0.24 = 0.24 x 500,000 = 120,000 quota
    table = default_table()
    multiplier = table.image_ratio("dall-e-3", "1792x1024", "hd")
    assert multiplier == 3
    cost = pricing.per_call_cost(table.find("dall-e-3"), ONE, QPU, multiplier, 2)
    assert cost == 120_000
    assert pricing.charge(cost) == pricing.estimate(cost) == 120_000
    # with group ratio 0.8: 120,000 x 0.8 = 96,000
    assert pricing.per_call_cost(table.find("dall-e-3"), exact("0.8"), QPU, multiplier, 2) == 96_000


def test_a_per_call_model_with_only_a_ratio_costs_ratio_x_1000_per_call():
    # ratio 2 -> 2 x 1000 = 2000 per call; 3 calls with multiplier 1.5: 2000 x 1.5 x 3 = 9000
    assert pricing.per_call_cost(ModelPrice(ratio=Fraction(2)), ONE, QPU) == 2000
    assert pricing.per_call_cost(ModelPrice(ratio=Fraction(2)), ONE, QPU, exact("1.5"), 3) == 9000


# --- audio ---------------------------------------------------------------------------


def test_speech_is_billed_per_input_character():
    # tts-1: ratio 7.5 per character; "Hello world" has 11 characters: 11 x 7.5 = 82.5 -> 83
    tts = default_table().find("tts-1")
    assert tts.ratio == exact("7.5")
    text = "Hello world"
    assert len(text) == 11
    assert pricing.charge(pricing.token_cost(tts, ONE, len(text), 0)) == 83
    # 1,000,000 characters: 7,500,000 quota = $15 (OpenAI's tts-1 list price per 1M characters)
    assert pricing.charge(pricing.token_cost(tts, ONE, 1_000_000, 0)) == 15 * QPU


@pytest.mark.parametrize("seconds, tokens", [
    (61, 1017),   # ceil(61) = 61 -> 61 x 1000 / 60 = 1016.67 -> 1017
    (60.2, 1017),  # every started second counts: ceil(60.2) = 61 -> as above
    (60, 1000),   # one minute = 1000 tokens
    (30, 500),    # 30 x 1000 / 60 = 500
    (1, 17),      # 1000 / 60 = 16.67 -> 17
    (1.5, 33),    # ceil(1.5) = 2 -> 2000 / 60 = 33.33 -> 33
    (0, 0),
])
def test_transcription_tokens_come_from_the_duration(seconds, tokens):
    assert pricing.audio_minutes_tokens(seconds) == tokens


def test_transcription_cost():
    # whisper-1: ratio 3 per token, 61 s -> 1017 tokens -> 1017 x 3 = 3051 quota ($0.006102)
    whisper = default_table().find("whisper-1")
    assert pricing.charge(pricing.token_cost(whisper, ONE, pricing.audio_minutes_tokens(61), 0)) == 3051
    # a full minute: 1000 x 3 = 3000 quota = $0.006 (OpenAI's whisper-1 list price per minute)
    assert pricing.charge(pricing.token_cost(whisper, ONE, 1000, 0)) == 3000


# --- display -------------------------------------------------------------------------


@pytest.mark.parametrize("quota, display, shown", [
    (500_000, "USD", "$1"),            # 500,000 / 500,000 = $1
    (750_000, "USD", "$1.5"),
    (1234, "USD", "$0.002468"),        # 1234 / 500,000 = 0.002468
    (1, "USD", "$0.000002"),
    (0, "USD", "$0"),
    (500_000_000_000, "USD", "$1,000,000"),
    (500_000, "CNY", "¥7.3000"),       # $1 x 7.3
    (250_000, "CNY", "¥3.6500"),       # $0.5 x 7.3 = 3.65
    (1_234_567, "TOKENS", "1,234,567"),
])
def test_to_display(quota, display, shown):
    assert pricing.to_display(quota, display, QPU, "7.3") == shown


@pytest.mark.parametrize("amount, display, quota", [
    ("2.5", "USD", 1_250_000),         # 2.5 x 500,000
    ("0.0000011", "USD", 1),           # 0.55 units: half up
    ("0.0000009", "USD", 0),           # 0.45 units: down
    ("10", "CNY", 684_932),            # 10 / 7.3 x 500,000 = 684,931.506...
    ("7.3", "CNY", 500_000),           # one dollar exactly, no float drift
    ("1234", "TOKENS", 1234),
    ("12.5", "TOKENS", 13),            # half up
])
def test_from_display_is_exact_and_rounds_half_up(amount, display, quota):
    assert pricing.from_display(amount, display, QPU, "7.3") == quota


# --- the price table -----------------------------------------------------------------


def test_lookup_by_exact_name():
    table = default_table()
    assert table.find("gpt-4o") == ModelPrice(ratio=exact("1.25"), completion_ratio=Fraction(4),
                                              cache_ratio=exact("0.5"))
    assert table.find("gpt-4o-mini").ratio == exact("0.075")  # not gpt-4o's price
    assert table.find("dall-e-3") == ModelPrice(price=exact("0.04"))


@pytest.mark.parametrize("model, priced_as", [
    ("gpt-4o-2024-08-06", "gpt-4o"),
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),       # the longest priced prefix wins
    ("gpt-4-turbo-2024-04-09", "gpt-4-turbo"),
    ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
])
def test_a_dated_snapshot_costs_what_its_base_model_costs(model, priced_as):
    table = default_table()
    assert table.find(model) is not None
    assert table.find(model) == table.find(priced_as)


@pytest.mark.parametrize("model", ["no-such-model", "gpt-4o2", "gpt", "", "my-gpt-4o"])
def test_an_unknown_model_has_no_price(model):
    assert default_table().find(model) is None


def test_image_ratio_keys():
    table = default_table()
    assert table.image_ratio("dall-e-3", "1792x1024", "hd") == 3        # "hd 1792x1024"
    assert table.image_ratio("dall-e-3", "1024x1792", "hd") == 3
    assert table.image_ratio("dall-e-3", "1024x1024", "hd") == 2
    assert table.image_ratio("dall-e-3", "1792x1024", "standard") == 2  # no "standard ..." key: the size
    assert table.image_ratio("dall-e-3", "1024x1024", "standard") == 1
    assert table.image_ratio("dall-e-2", "256x256", "standard") == exact("0.8")
    assert table.image_ratio("dall-e-2", "512x512", "standard") == exact("0.9")
    assert table.image_ratio("dall-e-3", "999x999", "hd") == 1  # unknown size
    assert table.image_ratio("no-such-model", "1024x1024", "hd") == 1


def test_operator_prices_and_group_ratios_on_top_of_the_defaults():
    table = default_table().merged({"gpt-4o": ModelPrice(ratio=Fraction(2)), "mine": ModelPrice(price=ONE)},
                                   parse_group_ratios({"vip": 0.8, "svip": "1/2"}))
    assert table.find("gpt-4o").ratio == 2
    assert table.find("gpt-4o-2024-08-06").ratio == 2
    assert table.find("mine").price == 1
    assert table.find("gpt-4o-mini") == default_table().find("gpt-4o-mini")
    assert table.group_ratio("vip") == Fraction(4, 5)
    assert table.group_ratio("svip") == Fraction(1, 2)
    assert table.group_ratio("default") == 1  # absent: 1
    assert default_table().find("gpt-4o").ratio == exact("1.25")  # the defaults are untouched


def test_parse_table_names_a_bad_entry():
    table = parse_table({"models": {"a": {"ratio": "0.5"}}, "image_ratios": {"a": {"hd 1x1": "3/2"}},
                         "groups": {"vip": "0.9"}})
    assert isinstance(table, PriceTable)
    assert table.find("a").ratio == Fraction(1, 2)
    assert table.image_ratio("a", "1x1", "hd") == Fraction(3, 2)
    assert table.group_ratio("vip") == Fraction(9, 10)
    with pytest.raises(ValueError, match="price of b"):
        parse_table({"models": {"b": {"ratio": "x"}}})
    with pytest.raises(ValueError, match="group ratio of vip"):
        parse_group_ratios({"vip": -1})


def test_every_shipped_price_parses():
    table = default_table()
    assert len(table.models) > 30
    for name, price in table.models.items():
        assert price.price is not None or price.ratio >= 0, name
