"""The price table: defaults from resources/prices.json, the operator's entries on top.

Lookup of a model: its exact name, else the longest priced name it starts with
followed by '-' (so dated snapshots like gpt-4o-2024-08-06 cost what gpt-4o costs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

from .pricing import ModelPrice, exact


@dataclass(frozen=True)
class PriceTable:
    models: dict[str, ModelPrice] = field(default_factory=dict)
    image_ratios: dict[str, dict[str, Fraction]] = field(default_factory=dict)
    groups: dict[str, Fraction] = field(default_factory=dict)

    def find(self, model: str) -> ModelPrice | None:
        """The price of a model, or None when it has none."""
        name = priced_name(self.models, model)
        return self.models[name] if name else None

    def group_ratio(self, group: str) -> Fraction:
        return self.groups.get(group, Fraction(1))

    def image_ratio(self, model: str, size: str, quality: str) -> Fraction:
        table = self.image_ratios.get(priced_name(self.image_ratios, model) or model, {})
        return table.get(f"{quality} {size}", table.get(size, Fraction(1)))

    def merged(self, overrides: Mapping[str, ModelPrice], groups: Mapping[str, Fraction]) -> "PriceTable":
        """A table with the operator's prices and group ratios on top of this one."""
        return PriceTable({**self.models, **overrides}, self.image_ratios, {**self.groups, **groups})


def priced_name(table: Mapping[str, object], model: str) -> str:
    """The key of `table` that prices `model`: itself, or the longest 'name-' prefix; '' if none."""
    if model in table:
        return model
    best = ""
    for name in table:
        if len(name) > len(best) and model.startswith(name + "-"):
            best = name
    return best


def parse_table(data: Mapping) -> PriceTable:
    """Parse the JSON shape of prices.json; raises ValueError naming the bad entry."""
    models = {}
    for name, entry in (data.get("models") or {}).items():
        try:
            models[name] = ModelPrice.from_dict(entry)
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"price of {name}: {exc}") from None
    images = {model: {key: exact(value) for key, value in sizes.items()}
              for model, sizes in (data.get("image_ratios") or {}).items()}
    groups = {name: exact(value) for name, value in (data.get("groups") or {}).items()}
    return PriceTable(models, images, groups)


def parse_group_ratios(data: Mapping[str, object]) -> dict[str, Fraction]:
    """GROUP_RATIO option: {"default": 1, "vip": 0.8}; raises ValueError on a bad entry."""
    out = {}
    for name, value in data.items():
        try:
            out[str(name)] = exact(value)  # type: ignore[arg-type]
        except (ValueError, ZeroDivisionError, TypeError):
            raise ValueError(f"group ratio of {name} must be a number") from None
        if out[str(name)] < 0:
            raise ValueError(f"group ratio of {name} must be >= 0")
    return out
