"""The public status page: each MONITOR_ITEMS row's availability and latency hour by hour (store.monitor).

The ledger query runs off the loop and its answer is kept for CACHE_SECONDS, so a busy status page
costs one grouped query per half minute, not one per visitor.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime

from quart import current_app

from ...core import clock
from ...core.monitor import HOURS, parse_monitor_items
from ...store.monitor import ItemHealth, item_health
from .blueprint import portal_routes
from .context import language_context, page, render, settings

CACHE_SECONDS = 30
_CACHE = "VOAPI_STATUS_CACHE"


async def health(value: object) -> list[ItemHealth]:
    """The items' health, cached per MONITOR_ITEMS value (one that passed its check when loaded)."""
    key = json.dumps(value, sort_keys=True, default=str)
    cached = current_app.config.get(_CACHE)
    if cached and cached[0] == key and time.monotonic() - cached[1] < CACHE_SECONDS:
        return cached[2]
    rows = await asyncio.to_thread(item_health, parse_monitor_items(value), clock.now())
    current_app.config[_CACHE] = (key, time.monotonic(), rows)
    return rows


def latency_text(ms: int | None) -> str:
    if ms is None:
        return "–"
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def percent_text(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.2f}%".replace(".00%", "%")


def hour_label(start: int) -> str:
    begin = datetime.fromtimestamp(start)
    return f"{begin:%m-%d %H:%M}"


@portal_routes.get("/status")
@page
async def status_page():
    rows = await health(settings()["MONITOR_ITEMS"])
    broken = settings().ignored("MONITOR_ITEMS") is not None  # a stored value that failed its check
    t = language_context()["t"]
    return await render("status.html", title=t("status.title"), rows=rows, broken=broken, hours=HOURS,
                        latency_text=latency_text, percent_text=percent_text, hour_label=hour_label,
                        updated=datetime.fromtimestamp(clock.now()).strftime("%Y-%m-%d %H:%M"))
