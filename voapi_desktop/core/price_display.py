"""A model's price as a price list shows it: per 1K / per 1M tokens or per call, in USD and CNY.

Every figure goes through core.pricing (tokens_cost for token-metered models, the fixed price for
per-call models) and the caller's group ratio, then is written as exact decimal text; a page may
switch between these texts but never computes one itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from .pricing import ModelPrice, exact, tokens_cost

UNITS = {"1k": 1_000, "1m": 1_000_000}
CURRENCIES = {"usd": "$", "cny": "¥"}


def decimal_text(value: Fraction, places: int = 6) -> str:
    """`value` rounded half up to `places` decimals (more when that would hide a non-zero amount), trimmed."""
    if value == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = 40
        exact_value = Decimal(value.numerator) / Decimal(value.denominator)
        for digits in range(places, 13):
            rounded = exact_value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
            if rounded != 0:
                break
    text = f"{rounded:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_text(usd: Fraction, currency: str, usd_to_cny: Fraction) -> str:
    """An amount in US dollars written in `currency` ("usd" or "cny")."""
    amount = usd * usd_to_cny if currency == "cny" else usd
    return CURRENCIES[currency] + decimal_text(amount)


@dataclass(frozen=True)
class PriceFigures:
    """What a price list shows for one model. `texts` keys: "<side>-<unit>-<currency>" for token
    prices (side input/output, unit 1k/1m), "call-<currency>" for a per-call price."""
    per_call: bool
    texts: dict[str, str]
    ratios: dict[str, str]  # model, completion, group: the raw ratios, as typed


def price_figures(price: ModelPrice, group_ratio: Fraction, quota_per_unit: int, usd_to_cny: float | str) -> PriceFigures:
    """Every figure of one model for a caller in a group with `group_ratio`."""
    rate = exact(usd_to_cny)
    ratios = {"group": decimal_text(group_ratio, 4)}
    texts: dict[str, str] = {}
    if price.price is not None:
        usd = price.price * group_ratio
        for currency in CURRENCIES:
            texts[f"call-{currency}"] = money_text(usd, currency, rate)
        return PriceFigures(True, texts, ratios)
    ratios.update(model=decimal_text(price.ratio, 6), completion=decimal_text(price.completion_ratio, 6))
    for side in ("input", "output"):
        for unit, tokens in UNITS.items():
            usd = tokens_cost(price, group_ratio, tokens, side == "output") / quota_per_unit
            for currency in CURRENCIES:
                texts[f"{side}-{unit}-{currency}"] = money_text(usd, currency, rate)
    return PriceFigures(False, texts, ratios)
