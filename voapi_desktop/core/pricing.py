"""Pricing math in integer quota units (500,000 = 1 USD by default). Pure functions, exact.

Ratios follow new-api: model ratio 1 = $2 per 1M input tokens, i.e. one quota
unit per token; completion and cache ratios multiply the model ratio for output
and cached input tokens; a fixed per-call price (USD) overrides ratios; every
charge is multiplied by the caller's group ratio. Arithmetic is done on exact
fractions of the decimal strings the operator typed, so no float drift; a charge
is rounded half up, an estimate (reservation) is rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

Number = Fraction | int | float | str


def exact(value: Number) -> Fraction:
    """A Fraction from an int, a decimal string or a float (through its shortest repr)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(str(value).strip())


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


@dataclass(frozen=True)
class ModelPrice:
    """How one model is charged: by ratios, or at a fixed price per call."""
    ratio: Fraction = Fraction(0)
    completion_ratio: Fraction = Fraction(1)
    cache_ratio: Fraction = Fraction(1)
    cache_write_ratio: Fraction = Fraction(1)  # prompt-cache writes (Anthropic: 1.25)
    price: Fraction | None = None  # USD per call; overrides the ratios

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "ModelPrice":
        """Parse one entry of the price table; raises ValueError saying what is wrong."""
        unknown = set(data) - {"ratio", "completion_ratio", "cache_ratio", "cache_write_ratio", "price"}
        if unknown:
            raise ValueError(f"unknown price field(s): {', '.join(sorted(unknown))}")
        if "ratio" not in data and "price" not in data:
            raise ValueError("a price needs 'ratio' or 'price'")
        values = {}
        for name in ("ratio", "completion_ratio", "cache_ratio", "cache_write_ratio", "price"):
            if data.get(name) is None:
                continue
            try:
                values[name] = exact(data[name])  # type: ignore[arg-type]
            except (ValueError, ZeroDivisionError, TypeError):
                raise ValueError(f"{name} must be a number, got {data[name]!r}") from None
            if values[name] < 0:
                raise ValueError(f"{name} must be >= 0")
        return cls(**values)

    def to_dict(self) -> dict:
        if self.price is not None:
            return {"price": float(self.price)}
        out = {"ratio": float(self.ratio)}
        if self.completion_ratio != 1:
            out["completion_ratio"] = float(self.completion_ratio)
        if self.cache_ratio != 1:
            out["cache_ratio"] = float(self.cache_ratio)
        if self.cache_write_ratio != 1:
            out["cache_write_ratio"] = float(self.cache_write_ratio)
        return out

    @property
    def is_free(self) -> bool:
        return (self.price is not None and self.price == 0) or (self.price is None and self.ratio == 0)


def token_cost(price: ModelPrice, group_ratio: Fraction, prompt: int, completion: int, cached: int = 0,
               quota_per_unit: int = 500_000, cache_written: int = 0) -> Fraction:
    """Exact cost of a token-metered call (before rounding).

    `prompt` counts every input token, including `cached` (read from the prompt cache)
    and `cache_written` (written to it), as OpenAI reports them.
    """
    if price.price is not None:
        return price.price * quota_per_unit * group_ratio
    cached = min(max(cached, 0), max(prompt, 0))
    cache_written = min(max(cache_written, 0), max(prompt - cached, 0))
    units = (prompt - cached - cache_written) + cached * price.cache_ratio \
        + cache_written * price.cache_write_ratio + completion * price.completion_ratio
    return units * price.ratio * group_ratio


def tokens_cost(price: ModelPrice, group_ratio: Fraction, tokens: int, output: bool = False) -> Fraction:
    """Exact cost of `tokens` input (or output) tokens: the price lists' per-1K / per-1M figures."""
    return token_cost(price, group_ratio, 0 if output else tokens, tokens if output else 0)


def charge(cost: Fraction) -> int:
    """What is billed for an exact cost: half up, and at least 1 when anything was used."""
    quota = round_half_up(cost)
    return 1 if cost > 0 and quota <= 0 else quota


def estimate(cost: Fraction) -> int:
    """What is reserved for an exact cost: rounded up."""
    return math.ceil(cost)


def per_call_cost(price: ModelPrice, group_ratio: Fraction, quota_per_unit: int, multiplier: Fraction = Fraction(1),
                  count: int = 1) -> Fraction:
    """Images and other per-call prices: price x multiplier (size, quality) x count x group ratio.

    A model with only a ratio is charged ratio x 1000 units per call (one-api's convention).
    """
    base = price.price * quota_per_unit if price.price is not None else price.ratio * 1000
    return base * multiplier * count * group_ratio


def audio_minutes_tokens(seconds: float) -> int:
    """Transcription: each started second counts, one minute = 1000 tokens (new-api's rule)."""
    return round_half_up(Fraction(math.ceil(max(seconds, 0))) * 1000 / 60)


def to_display(quota: int, display: str, quota_per_unit: int, usd_to_cny: Number) -> str:
    """A quota amount as the operator wants to see it: USD, CNY or raw tokens (display only)."""
    if display == "TOKENS":
        return f"{quota:,}"
    usd = Fraction(quota, quota_per_unit)
    if display == "CNY":
        return f"¥{float(usd * exact(usd_to_cny)):,.4f}"
    return f"${float(usd):,.6f}".rstrip("0").rstrip(".") if quota else "$0"


def quota_per_display_unit(display: str, quota_per_unit: int, usd_to_cny: Number) -> Fraction:
    """Quota units in one unit of the display currency: a dollar, a yuan (at USD_EXCHANGE_RATE) or 1 for TOKENS."""
    if display == "TOKENS":
        return Fraction(1)
    per_usd = Fraction(quota_per_unit)
    return per_usd / exact(usd_to_cny) if display == "CNY" else per_usd


def from_display(amount: Number, display: str, quota_per_unit: int, usd_to_cny: Number) -> int:
    """An amount typed in the display unit as the integer quota stored for it (half up): to_display's inverse."""
    return round_half_up(exact(amount) * quota_per_display_unit(display, quota_per_unit, usd_to_cny))
