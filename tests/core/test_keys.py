import re

import pytest

from voapi_desktop.core.keys import ApiKey, generate_code, generate_key, mask_key, parse_api_key


def test_generated_keys_are_alphanumeric_and_distinct():
    keys = {generate_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9]{48}", k) for k in keys)
    assert len(generate_key(20)) == 20


def test_generated_codes_avoid_look_alike_characters():
    code = generate_code(200)
    assert len(code) == 200
    assert not set(code) & set("0O1IL")


def test_zero_length_is_refused():
    with pytest.raises(ValueError):
        generate_key(0)


@pytest.mark.parametrize("raw,expected", [
    ("Bearer sk-abc123", ApiKey("abc123", None, False)),
    ("bearer   abc123 ", ApiKey("abc123", None, False)),
    ("sk-abc123", ApiKey("abc123", None, False)),
    ("abc123", ApiKey("abc123", None, False)),
    ("Bearer sk-abc123-12", ApiKey("abc123", 12, False)),
    ("sk-abc123-0", ApiKey("abc123", None, True)),
    ("sk-abc123-x", ApiKey("abc123", None, True)),
    ("sk-abc123-12-3", ApiKey("abc123", None, True)),
    ("sk-abc123-", ApiKey("abc123", None, True)),
    ("sk-abc123-\u0663", ApiKey("abc123", None, True)),  # a non-ASCII digit is not a pin
    ("Bearer", ApiKey("", None, False)),
    ("", ApiKey("", None, False)),
    ("Bearerabc", ApiKey("Bearerabc", None, False)),
])
def test_parse_api_key(raw, expected):
    assert parse_api_key(raw) == expected


@pytest.mark.parametrize("key,masked", [
    ("sk-abcd1234567890wxyz", "sk-abcd****wxyz"),
    ("abcd1234567890wxyz", "abcd****wxyz"),
    ("sk-short", "sk-********"),
    ("short", "********"),
    ("", ""),
])
def test_mask_key(key, masked):
    assert mask_key(key) == masked


def test_mask_reveals_at_most_eight_characters_of_a_generated_key():
    key = generate_key()
    masked = mask_key(key)
    assert masked.replace("*", "") == key[:4] + key[-4:]
