"""Availability and latency per monitor item, hour by hour, from the ledger (blocking: run off the loop).

A consume row is an answered request, an error row a failed one; latency is the average use_time
(ms) of the answered ones. Only the last HOURS hours are read (the created_at index bounds the scan),
bucketed on whole hours of the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from ..core import clock
from ..core.monitor import HOURS, MonitorItem, hour_state
from .logs import CONSUME, ERROR
from .tables import Channel, Log

HOUR = 3600
MAX_AUTO_ITEMS = 100


@dataclass(frozen=True)
class HourCell:
    start: int  # epoch seconds of the hour's beginning
    ok: int = 0
    errors: int = 0
    latency_ms: int | None = None  # average of the answered requests

    @property
    def state(self) -> str:
        return hour_state(self.ok, self.errors)


@dataclass(frozen=True)
class ItemHealth:
    name: str
    cells: list[HourCell]  # oldest first, HOURS of them, the last one is the current hour

    @property
    def ok(self) -> int:
        return sum(c.ok for c in self.cells)

    @property
    def errors(self) -> int:
        return sum(c.errors for c in self.cells)

    @property
    def availability(self) -> float | None:
        """Answered / all requests over the period (0..1), None without traffic."""
        total = self.ok + self.errors
        return self.ok / total if total else None

    @property
    def latest_latency_ms(self) -> int | None:
        """The average latency of the latest hour that had an answered request."""
        return next((c.latency_ms for c in reversed(self.cells) if c.latency_ms is not None), None)

    @property
    def state(self) -> str:
        """The state of the latest hour with traffic ("idle" when none had any)."""
        return next((c.state for c in reversed(self.cells) if c.state != "idle"), "idle")


@dataclass(frozen=True)
class _Count:
    model: str
    channel_id: int
    hour: int
    type: int
    count: int
    use_time: int


def _counts(starts: list[int]) -> list[_Count]:
    # a CASE over the hours rather than created_at % 3600: '%' needs escaping on some drivers, '/' is not
    # integer division on MySQL
    whens = [(Log.created_at < end, start) for start, end in zip(starts, starts[1:])]
    hour = pw.Case(None, whens, starts[-1]) if whens else pw.Value(starts[0])
    query = (Log.select(Log.model_name, Log.channel_id, hour.alias("hour"), Log.type,
                        pw.fn.COUNT(Log.id).alias("n"), pw.fn.SUM(Log.use_time).alias("ms"))
             .where((Log.created_at >= starts[0]) & (Log.created_at < starts[-1] + HOUR)
                    & Log.type.in_((CONSUME, ERROR)))
             .group_by(Log.model_name, Log.channel_id, hour, Log.type).dicts())
    return [_Count(r["model_name"] or "", r["channel_id"] or 0, int(r["hour"]), r["type"], r["n"], int(r["ms"] or 0))
            for r in query]


def _channels_by_tag(tags: set[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {tag: set() for tag in tags}
    if tags:
        for channel in Channel.select(Channel.id, Channel.tag).where(Channel.tag.in_(sorted(tags))):
            found[channel.tag].add(channel.id)
    return found


def _cells(counts: list[_Count], starts: list[int]) -> list[HourCell]:
    ok = {s: 0 for s in starts}
    errors = dict(ok)
    ms = dict(ok)
    for c in counts:
        if c.hour not in ok:
            continue
        if c.type == CONSUME:
            ok[c.hour] += c.count
            ms[c.hour] += c.use_time
        else:
            errors[c.hour] += c.count
    return [HourCell(s, ok[s], errors[s], round(ms[s] / ok[s]) if ok[s] else None) for s in starts]


def hour_starts(now: int, hours: int = HOURS) -> list[int]:
    """The beginnings of the last `hours` whole hours, oldest first, the current hour last."""
    current = now - now % HOUR
    return [current - HOUR * i for i in range(hours - 1, -1, -1)]


def item_health(items: list[MonitorItem], now: int | None = None, hours: int = HOURS) -> list[ItemHealth]:
    """Hourly health of each item over the last `hours` hours (every model with traffic when no items)."""
    starts = hour_starts(int(now if now is not None else clock.now()), min(max(hours, 1), HOURS))
    counts = _counts(starts)
    if not items:
        models = sorted({c.model for c in counts if c.model})[:MAX_AUTO_ITEMS]
        items = [MonitorItem(model, (model,)) for model in models]
    tags = _channels_by_tag({item.channel_tag for item in items if item.channel_tag})
    result = []
    for item in items:
        if item.channel_tag:
            ids = tags[item.channel_tag]
            mine = [c for c in counts if c.channel_id in ids]
        else:
            wanted = set(item.models)
            mine = [c for c in counts if c.model in wanted]
        result.append(ItemHealth(item.name, _cells(mine, starts)))
    return result
