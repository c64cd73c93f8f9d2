"""The service monitor's items (MONITOR_ITEMS) and how an hour of traffic is judged.

MONITOR_ITEMS is a JSON list; each entry names a row of the public status page and says which
traffic it covers: {"name": "GPT", "models": ["gpt-4o", "gpt-4o-mini"]} (requests for these
models, on any channel) or {"name": "Line A", "channel_tag": "line-a"} (requests served by the
channels with this tag). An empty list shows one row per model that had traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS = 24
MAX_ITEMS = 50
MAX_MODELS = 50
_FIELDS = {"name", "models", "channel_tag"}


@dataclass(frozen=True)
class MonitorItem:
    name: str
    models: tuple[str, ...] = ()
    channel_tag: str = ""


def _text(number: int, field: str, value: object, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise ValueError(f"entry {number}: {field!r} must be non-empty text of at most {limit} characters")
    return value.strip()


def _item(number: int, entry: object) -> MonitorItem:
    if not isinstance(entry, dict):
        raise ValueError(f"entry {number} must be an object such as {{\"name\": \"GPT\", \"models\": [\"gpt-4o\"]}}")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise ValueError(f"entry {number}: unknown field {unknown[0]!r} (name, models, channel_tag)")
    name = _text(number, "name", entry.get("name"), 64)
    if ("models" in entry) == ("channel_tag" in entry):
        raise ValueError(f"entry {number} ({name}): give either 'models' (a list of model names) or 'channel_tag'")
    if "channel_tag" in entry:
        return MonitorItem(name, channel_tag=_text(number, "channel_tag", entry["channel_tag"], 64))
    models = entry["models"]
    if not isinstance(models, list) or not models or len(models) > MAX_MODELS:
        raise ValueError(f"entry {number} ({name}): 'models' must be a list of 1 to {MAX_MODELS} model names")
    return MonitorItem(name, tuple(_text(number, "models", m, 255) for m in models))


def parse_monitor_items(value: object) -> list[MonitorItem]:
    """MONITOR_ITEMS as items; raises ValueError naming the entry that is wrong."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError("MONITOR_ITEMS must be a JSON list of {name, models} or {name, channel_tag} objects")
    if len(value) > MAX_ITEMS:
        raise ValueError(f"MONITOR_ITEMS may list at most {MAX_ITEMS} items")
    items = [_item(number, entry) for number, entry in enumerate(value, 1)]
    names = [item.name for item in items]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ValueError(f"MONITOR_ITEMS: the name {duplicate!r} is used twice")
    return items


def check_monitor_items(value: object) -> None:
    """The Setting check hook: raise ValueError when MONITOR_ITEMS has the wrong shape."""
    parse_monitor_items(value)


def hour_state(ok: int, errors: int) -> str:
    """One hour of an item: "idle" (no traffic), "up" (>= 99% answered), "degraded" (>= 80%) or "down"."""
    total = ok + errors
    if total == 0:
        return "idle"
    if ok * 100 >= total * 99:
        return "up"
    return "degraded" if ok * 100 >= total * 80 else "down"
