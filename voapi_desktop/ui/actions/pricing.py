"""One function per pricing action; each runs the service call off the GUI thread."""

from __future__ import annotations

from typing import Callable

from ...core.settings import Settings
from ...store import model_info, prices
from ...store.options import load_options, set_option
from ..context import Context
from . import targets

Done = Callable[[object], None] | None
Failed = Callable[[BaseException], None] | None


def fresh_settings(ctx: Context) -> Settings:
    """The settings as stored now (runs in the worker; the GUI's copy may lag one change behind)."""
    runtime = ctx.runtime
    return Settings.load(env=runtime.env, options=load_options(), overrides=runtime.overrides)


def load_prices(ctx: Context) -> list[prices.PriceRow]:
    return prices.list_prices(fresh_settings(ctx))


def load_settings(ctx: Context, *, success: Done = None, failure: Failed = None, owner=None) -> None:
    ctx.ops.run(lambda: fresh_settings(ctx), success=success, failure=failure, owner=owner)


def save_price(ctx: Context, fields: dict, *, success: Done = None, failure: Failed = None) -> None:
    """fields: model and either ratio (+ completion_ratio, cache_ratio, cache_write_ratio) or price."""
    fields = dict(fields)
    model = fields.pop("model")
    ctx.ops.run(lambda: prices.set_price(model, **fields), writes=("price",), success=success, failure=failure,
                audit=f"set price {model}", audit_fields=list(fields))


def delete_prices(ctx: Context, models: list[str], *, success: Done = None, failure: Failed = None) -> None:
    def run() -> int:
        for model in models:
            prices.delete_price(model)
        return len(models)
    ctx.ops.run(run, writes=("price",), success=success, failure=failure, audit=f"delete {targets('price', models)}")


def set_group_ratio(ctx: Context, group: str, ratio: str, *, success: Done = None, failure: Failed = None) -> None:
    ctx.ops.run(lambda: prices.set_group_ratio(fresh_settings(ctx), group, ratio), writes=("option",),
                success=success, failure=failure, audit=f"set group ratio {group}", audit_fields=["GROUP_RATIO"])


def delete_group_ratio(ctx: Context, group: str, *, success: Done = None, failure: Failed = None) -> None:
    ctx.ops.run(lambda: prices.delete_group_ratio(fresh_settings(ctx), group), writes=("option",),
                success=success, failure=failure, audit=f"delete group ratio {group}", audit_fields=["GROUP_RATIO"])


def set_display_unit(ctx: Context, unit: str, *, success: Done = None, failure: Failed = None) -> None:
    """USD, CNY or TOKENS; choosing a currency also turns DISPLAY_IN_CURRENCY on, or it would not show."""
    changed = ["QUOTA_DISPLAY_TYPE"]

    def run() -> str:
        set_option("QUOTA_DISPLAY_TYPE", unit)
        if unit != "TOKENS" and not fresh_settings(ctx)["DISPLAY_IN_CURRENCY"]:
            set_option("DISPLAY_IN_CURRENCY", "true")
            changed.append("DISPLAY_IN_CURRENCY")
        return unit
    ctx.ops.run(run, writes=("option",), success=success, failure=failure, audit="set option QUOTA_DISPLAY_TYPE",
                audit_fields=changed)


def set_exchange_rate(ctx: Context, rate: str, *, success: Done = None, failure: Failed = None) -> None:
    ctx.ops.run(lambda: set_option("USD_EXCHANGE_RATE", rate)[1], writes=("option",),
                success=success, failure=failure, audit="set option USD_EXCHANGE_RATE",
                audit_fields=["USD_EXCHANGE_RATE"])


def save_info(ctx: Context, key: str, value: object, *, success: Done = None, failure: Failed = None) -> None:
    """key: MODEL_INFO or VENDOR_INFO; the shape is checked by the service."""
    save = model_info.set_model_info if key == "MODEL_INFO" else model_info.set_vendor_info
    ctx.ops.run(lambda: save(value), writes=("option",), success=success, failure=failure, audit=f"set option {key}",
                audit_fields=[key])
