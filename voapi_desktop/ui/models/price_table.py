"""Model prices as a table (ratios, fixed price, price per 1M tokens in the display unit) and group ratios."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ...core.pricing import ModelPrice, exact, round_half_up, tokens_cost
from ...store.prices import PriceRow
from ..context import Context
from ..theme import STATUS_COLORS
from .table_model import Column, RowsTableModel

MILLION = 1_000_000


def _ratio(value: float | None) -> str:
    return "" if value is None else format(value, ".8g")


def _num(value: float | None) -> float:
    return -1.0 if value is None else value  # numbers only in the sort role: fixed prices sort first


def _per_million(row: PriceRow, output: bool) -> int | None:
    """Quota for 1M input (or output) tokens of a ratio-priced model, through the billing formula."""
    if row.ratio is None:
        return None
    price = ModelPrice(ratio=exact(row.ratio), completion_ratio=exact(row.completion_ratio or 0))
    return round_half_up(tokens_cost(price, Fraction(1), MILLION, output))


class PriceTableModel(RowsTableModel):
    """Rows are store.prices.PriceRow; amounts follow the display unit (USD, CNY or tokens)."""

    def __init__(self, ctx: Context, parent=None):
        super().__init__([], ctx.i18n, parent)
        self.ctx = ctx
        tr = ctx.tr
        self._columns = [
            Column("pricing.col.model", lambda r: r.model),
            Column("pricing.col.source", lambda r: tr(f"pricing.source.{r.source}"),
                   color=lambda r: STATUS_COLORS["ok"] if r.source == "custom" else None),
            Column("pricing.col.price", self.fixed_text, sort=lambda r: _num(r.price), align_right=True),
            Column("pricing.col.input", lambda r: self.amount(_per_million(r, False)),
                   sort=lambda r: _num(_per_million(r, False)), align_right=True),
            Column("pricing.col.output", lambda r: self.amount(_per_million(r, True)),
                   sort=lambda r: _num(_per_million(r, True)), align_right=True),
            Column("pricing.col.ratio", lambda r: _ratio(r.ratio), sort=lambda r: _num(r.ratio), align_right=True),
            Column("pricing.col.completion", lambda r: _ratio(r.completion_ratio),
                   sort=lambda r: _num(r.completion_ratio), align_right=True),
            Column("pricing.col.cache", lambda r: _ratio(r.cache_ratio), sort=lambda r: _num(r.cache_ratio),
                   align_right=True),
            Column("pricing.col.cache_write", lambda r: _ratio(r.cache_write_ratio),
                   sort=lambda r: _num(r.cache_write_ratio), align_right=True),
        ]

    def amount(self, quota: int | None) -> str:
        return "" if quota is None else self.ctx.money(quota)

    def fixed_text(self, row: PriceRow) -> str:
        if row.price is None:
            return ""
        return self.ctx.money(round_half_up(exact(row.price) * self.ctx.settings["QUOTA_PER_UNIT"]))

    def find(self, model: str) -> int:
        """The row of a model, or -1."""
        return next((i for i, r in enumerate(self._rows) if r.model == model), -1)


@dataclass(frozen=True)
class GroupRatio:
    group: str
    ratio: str


def group_rows(ratios: dict) -> list[GroupRatio]:
    """GROUP_RATIO as rows, "default" first."""
    return [GroupRatio(str(g), f"{v:g}" if isinstance(v, (int, float)) else str(v))
            for g, v in sorted(ratios.items(), key=lambda item: (item[0] != "default", item[0]))]


class GroupRatioModel(RowsTableModel):
    def __init__(self, ctx: Context, parent=None):
        super().__init__([Column("pricing.group.col.group", lambda g: g.group),
                          Column("pricing.group.col.ratio", lambda g: g.ratio, align_right=True)],
                         ctx.i18n, parent)
