"""Channel cooldown: a circuit breaker per channel, in memory, touched only on the gateway's loop.

    closed --N transient failures in a row--> open: passed over by selection until its cooldown ends
    open --cooldown over--> half-open: the next request that picks it is its probe, others pass it over
    half-open --the probe answers--> closed (forgotten)
              --the probe fails--> open again, twice as long as before (up to the cap)
    any --a 429/503 with Retry-After--> held exactly that long (only that key, on a multi-key channel)

Only troubled channels have an entry, so a healthy gateway pays one empty-dict test per request.
Each gateway instance has its own breaker; nothing is persisted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Policy:
    """How many transient failures open the breaker, and for how long (seconds, doubling, capped)."""
    failures: int = 3
    seconds: float = 5.0  # 0 turns cooldowns off
    max_seconds: float = 300.0

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    def cooldown(self, opened: int) -> float:
        """Length of the `opened`-th cooldown in a row."""
        return min(self.seconds * 2 ** min(opened - 1, 32), max(self.max_seconds, self.seconds))


@dataclass
class _Entry:
    failures: int = 0  # transient failures in a row
    opened: int = 0  # cooldowns in a row (0: closed)
    until: float = 0.0  # passed over before this (clock seconds)
    probing: bool = False  # a half-open probe is out
    key_holds: dict[int, float] = field(default_factory=dict)  # key index -> held until (Retry-After)


class Breaker:
    """The cooldown state of every channel of one gateway (no locks: use it from one event loop only)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.entries: dict[int, _Entry] = {}

    def __bool__(self) -> bool:
        return bool(self.entries)

    def cooling_until(self, channel_id: int, keys: int = 1) -> float:
        """When the channel may be tried again, or 0.0 when it may be now (also the first half-open probe).

        A multi-key channel (`keys` usable keys) is held only when every one of its keys is held.
        """
        entry = self.entries.get(channel_id)
        if entry is None:
            return 0.0
        now = self.clock()
        until = entry.until if entry.until > now else 0.0
        if entry.key_holds and keys > 1:
            holds = [t for t in entry.key_holds.values() if t > now]
            if len(holds) >= keys:
                until = max(until, min(holds))
        return until

    def held_keys(self, channel_id: int) -> set[int]:
        """The keys of a channel that a Retry-After holds right now."""
        entry = self.entries.get(channel_id)
        if entry is None or not entry.key_holds:
            return set()
        now = self.clock()
        return {index for index, until in entry.key_holds.items() if until > now}

    def claim(self, channel_id: int, policy: Policy) -> bool:
        """The channel was picked: when its cooldown is over, this request is its probe (True).

        Until the probe reports, others pass the channel over (for at most one more cooldown).
        """
        entry = self.entries.get(channel_id)
        now = self.clock()
        if entry is None or not entry.opened or entry.until > now:
            return False
        entry.probing = True
        entry.until = now + policy.cooldown(entry.opened)
        return True

    def succeeded(self, channel_id: int) -> None:
        """The channel answered: close its breaker (Retry-After holds of other keys stay)."""
        entry = self.entries.get(channel_id)
        if entry is None:
            return
        now = self.clock()
        entry.key_holds = {i: t for i, t in entry.key_holds.items() if t > now}
        if not entry.key_holds:
            del self.entries[channel_id]
            return
        entry.failures = entry.opened = 0
        entry.until = 0.0
        entry.probing = False

    def failed(self, channel_id: int, policy: Policy) -> None:
        """A transient failure (no answer in time, refused, reset, 5xx, a 200 that is not JSON)."""
        entry = self.entries.setdefault(channel_id, _Entry())
        now = self.clock()
        entry.failures += 1
        if entry.opened:
            # only the probe (or a try after the cooldown) reopens it, longer: requests that were
            # already in flight when it opened must not stretch the cooldown
            if entry.probing or entry.until <= now:
                entry.opened += 1
                entry.until = now + policy.cooldown(entry.opened)
        elif entry.failures >= max(policy.failures, 1):
            entry.opened = 1
            entry.until = max(entry.until, now + policy.cooldown(1))
        entry.probing = False

    def released(self, channel_id: int) -> None:
        """The request on the channel ended with no verdict on its health (the client's own error, gone)."""
        entry = self.entries.get(channel_id)
        if entry is not None and entry.probing:
            entry.probing = False
            entry.until = 0.0  # the next request probes

    def hold(self, channel_id: int, seconds: float, key_index: int | None = None) -> None:
        """The upstream said when to come back (Retry-After): pass the channel, or one of its keys, over
        until then. Not a failure: the cooldown does not grow."""
        entry = self.entries.setdefault(channel_id, _Entry())
        until = self.clock() + seconds
        if key_index is None:
            entry.until = max(entry.until, until)
        else:
            entry.key_holds[key_index] = max(entry.key_holds.get(key_index, 0.0), until)
        entry.probing = False

    def view(self, keys: Callable[[int], int] = lambda channel_id: 1) -> dict[int, float]:
        """Channel id -> seconds until it may be tried again, for the channels passed over right now."""
        now = self.clock()
        out = {}
        for channel_id in list(self.entries):
            until = self.cooling_until(channel_id, keys(channel_id))
            if until > now:
                out[channel_id] = until - now
        return out


def retry_after_seconds(value: str) -> float | None:
    """A Retry-After header in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if seconds != seconds or seconds <= 0:  # NaN, or already past
        return None
    return seconds
