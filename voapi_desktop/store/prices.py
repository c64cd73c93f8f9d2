"""Prices: the shipped defaults (resources/prices.json) with the operator's entries on top."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..core import clock
from ..core.price_table import PriceTable, parse_group_ratios, parse_table
from ..core.pricing import ModelPrice
from ..core.settings import Settings
from .changes import publish
from .errors import InvalidInput, NotFound
from .options import set_option
from .tables import ModelPriceRow
from .transactions import write_transaction

RATIOS = ("ratio", "completion_ratio", "cache_ratio", "cache_write_ratio")


@lru_cache(maxsize=1)
def default_table() -> PriceTable:
    """The shipped defaults (read once)."""
    text = resources.files("voapi_desktop.resources").joinpath("prices.json").read_text(encoding="utf-8")
    return parse_table(json.loads(text))


def _row_price(row: ModelPriceRow) -> ModelPrice:
    data = {name: getattr(row, name) for name in RATIOS + ("price",) if getattr(row, name) is not None}
    return ModelPrice.from_dict(data)


def load_price_table(settings: Settings) -> PriceTable:
    """Defaults, then the operator's prices, then GROUP_RATIO (blocking: off the event loop)."""
    overrides = {row.model: _row_price(row) for row in ModelPriceRow.select()}
    return default_table().merged(overrides, parse_group_ratios(settings["GROUP_RATIO"]))


def set_price(model: str, *, ratio: str | None = None, completion_ratio: str | None = None,
              cache_ratio: str | None = None, price: str | None = None,
              cache_write_ratio: str | None = None) -> ModelPrice:
    """Set one model's price: ratios, or a fixed USD price per call (which replaces the ratios).

    `cache_ratio` prices prompt-cache reads and `cache_write_ratio` prompt-cache writes (Anthropic's
    cache_creation_input_tokens; 1.25 for Claude), both as a share of the input price; default 1.
    """
    model = model.strip()
    if not model:
        raise InvalidInput("model name must not be empty")
    if price is not None and any(v is not None for v in (ratio, completion_ratio, cache_ratio, cache_write_ratio)):
        raise InvalidInput("give either a fixed --price or ratios, not both")
    values = {"ratio": ratio, "completion_ratio": completion_ratio, "cache_ratio": cache_ratio,
              "cache_write_ratio": cache_write_ratio, "price": price}
    values = {k: str(v).strip() for k, v in values.items() if v is not None}
    try:
        parsed = ModelPrice.from_dict(values)
    except ValueError as exc:
        raise InvalidInput(f"price of {model}: {exc}") from None
    with write_transaction():
        ModelPriceRow.delete().where(ModelPriceRow.model == model).execute()
        ModelPriceRow.create(model=model, updated_at=clock.now(), **values)
    publish("price")
    return parsed


def delete_price(model: str) -> None:
    """Forget the operator's price (the default, if any, applies again)."""
    if not ModelPriceRow.delete().where(ModelPriceRow.model == model).execute():
        raise NotFound(f"no price of your own for {model!r}")
    publish("price")


def set_group_ratio(settings: Settings, group: str, ratio: str) -> dict:
    """Change one group's ratio in GROUP_RATIO."""
    if not group.strip():
        raise InvalidInput("group must not be empty")
    ratios = dict(settings["GROUP_RATIO"])
    try:
        ratios[group.strip()] = float(ratio) if "/" not in ratio else ratio
    except ValueError:
        raise InvalidInput(f"the ratio of {group.strip()} must be a number >= 0, such as 0.8; "
                           f"got {ratio!r}") from None
    try:
        parse_group_ratios(ratios)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    set_option("GROUP_RATIO", json.dumps(ratios))
    return ratios


def delete_group_ratio(settings: Settings, group: str) -> dict:
    """Remove one group from GROUP_RATIO (its users then pay ratio 1); "default" stays."""
    ratios = dict(settings["GROUP_RATIO"])
    if group not in ratios:
        raise NotFound(f"no group ratio for {group!r}")
    if group == "default":
        raise InvalidInput("the default group's ratio cannot be removed; set it to 1 instead")
    del ratios[group]
    set_option("GROUP_RATIO", json.dumps(ratios))
    return ratios


@dataclass(frozen=True)
class PriceRow:
    model: str
    source: str  # "default" or "custom"
    ratio: float | None
    completion_ratio: float | None
    cache_ratio: float | None
    price: float | None
    cache_write_ratio: float | None = None


def list_prices(settings: Settings) -> list[PriceRow]:
    custom = {row.model for row in ModelPriceRow.select(ModelPriceRow.model)}
    table = load_price_table(settings)
    rows = []
    for model in sorted(table.models):
        p = table.models[model]
        fixed = p.price is not None
        rows.append(PriceRow(model, "custom" if model in custom else "default",
                             None if fixed else float(p.ratio), None if fixed else float(p.completion_ratio),
                             None if fixed else float(p.cache_ratio), float(p.price) if fixed else None,
                             None if fixed else float(p.cache_write_ratio)))
    return rows
