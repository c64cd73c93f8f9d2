"""API keys and codes: generation, parsing of the Authorization header, masking."""

from __future__ import annotations

import re
import secrets
import string
from typing import NamedTuple

KEY_ALPHABET = string.ascii_letters + string.digits
# Codes are read and typed by people, so leave out look-alikes (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
KEY_PREFIX = "sk-"
_BEARER = re.compile(r"bearer(?:\s+|$)", re.IGNORECASE)
# Below this length, showing 4+4 characters would give away too much of the key.
_MIN_PARTIAL_MASK = 16


class ApiKey(NamedTuple):
    """A key taken from a request: the bare key and an optional channel pin."""

    key: str
    channel_pin: int | None
    pin_invalid: bool


def generate_key(length: int = 48) -> str:
    """Return a random alphanumeric key (without the "sk-" prefix)."""
    return _random(KEY_ALPHABET, length)


def generate_code(n: int) -> str:
    """Return a random code of n unambiguous upper-case letters and digits."""
    return _random(CODE_ALPHABET, n)


def _random(alphabet: str, length: int) -> str:
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    return "".join(secrets.choice(alphabet) for _ in range(length))


def parse_api_key(raw: str) -> ApiKey:
    """Split "Bearer sk-<key>[-<channel id>]" into key and channel pin."""
    text = raw.strip()
    match = _BEARER.match(text)
    if match:
        text = text[match.end():].strip()
    text = text.removeprefix(KEY_PREFIX)
    # Generated keys are alphanumeric, so a '-' can only start a channel pin.
    key, dash, pin = text.partition("-")
    if not dash:
        return ApiKey(key, None, False)
    if pin.isascii() and pin.isdigit() and int(pin) > 0:
        return ApiKey(key, int(pin), False)
    return ApiKey(key, None, True)


def mask_key(key: str) -> str:
    """Mask a key for display, revealing at most its first and last 4 characters."""
    if not key:
        return ""
    prefix = KEY_PREFIX if key.startswith(KEY_PREFIX) else ""
    body = key[len(prefix):]
    if len(body) < _MIN_PARTIAL_MASK:
        return prefix + "********"
    return f"{prefix}{body[:4]}****{body[-4:]}"
