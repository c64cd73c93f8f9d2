"""Rate-limit decisions, their HTTP headers, the limiter protocol, and the client address.

Every limiter counts with a sliding-window log: at most `limit` units in any
`window` seconds, each allowed hit remembered as (time in ms, cost) until it
leaves the window. `evaluate` is that rule as a pure function; the backends
(store/limiter_disk.py, store/limiter_redis.py, and `MemoryLimiter` here) only
keep the log and make the read-decide-write step atomic.

Times are whole milliseconds of the injected clock (wall-clock seconds by
default, shared by every process), so the Redis script and the Python code do
the same integer arithmetic.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import logging
import math
import threading
import time
from collections import deque
from typing import Callable, Mapping, NamedTuple, Protocol, Sequence

from .netaddr import AllowList, parse_allow_list

log = logging.getLogger(__name__)

Clock = Callable[[], float]
DAY_TTL = 2 * 86400  # daily counters live two days, so "yesterday" can still be read at midnight


class Decision(NamedTuple):
    """The outcome of one hit (or peek) on a limit."""

    allowed: bool
    limit: int
    remaining: int  # units still free in the window after this hit
    reset_after: float  # seconds until the window is back to its full limit (nothing counted)
    retry_after: float  # seconds until this hit would be allowed; 0 when allowed

    def headers(self, unit: str = "requests") -> dict[str, str]:
        """OpenAI's x-ratelimit-* headers (unit "requests" or "tokens"), plus Retry-After when refused."""
        headers = {
            f"x-ratelimit-limit-{unit}": str(self.limit),
            f"x-ratelimit-remaining-{unit}": str(max(0, self.remaining)),
            f"x-ratelimit-reset-{unit}": go_duration(self.reset_after),
        }
        if not self.allowed:
            headers["Retry-After"] = str(retry_after_seconds(self.retry_after))
        return headers


class RateLimiter(Protocol):
    """A shared limit store; `clock` returns wall-clock seconds (injectable for tests)."""

    clock: Clock
    blocking: bool  # True: does disk or network I/O, so the relay calls it in a worker thread

    def hit(self, key: str, limit: int, window: float, cost: int = 1) -> Decision:
        """Count `cost` units against `key` when they fit in `limit` per `window` seconds."""
        ...

    def peek(self, key: str, limit: int, window: float, cost: int = 1) -> Decision:
        """Whether `cost` more units would fit now, without counting them."""
        ...

    def incr_daily(self, key: str, day: str) -> int:
        """Add one to the counter of `key` on `day` (e.g. "2025-03-01"); returns the new count."""
        ...

    def close(self) -> None:
        ...


# --- the sliding-window log rule --------------------------------------------------------------

Entry = tuple[int, int]  # (time in ms, cost)


def to_ms(seconds: float) -> int:
    """A clock reading or a duration in whole milliseconds (floored)."""
    return math.floor(seconds * 1000)


def window_ms(window: float) -> int:
    return max(1, round(window * 1000))


def check_args(limit: int, window: float, cost: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number >= 1, not {limit!r}")
    if not window > 0 or math.isinf(window):
        raise ValueError(f"window must be a positive number of seconds, not {window!r}")
    if isinstance(cost, bool) or not isinstance(cost, int) or cost < 1:
        raise ValueError(f"cost must be a whole number >= 1, not {cost!r}")


def evaluate(entries: Sequence[Entry], now_ms: int, win_ms: int, limit: int, cost: int,
             record: bool = True) -> tuple[Decision, list[Entry]]:
    """Decide one hit on a log; returns the decision and the log to keep (live entries, plus the hit).

    An entry counts while `time > now - window`. A hit whose cost exceeds the
    whole limit can never fit: it is refused with retry_after = the window.
    """
    cutoff = now_ms - win_ms
    live = sorted(e for e in entries if e[0] > cutoff)
    used = sum(c for _, c in live)
    allowed = used + cost <= limit
    retry_ms = 0
    if allowed:
        if record:
            if live and live[-1][0] == now_ms:  # same millisecond: one entry
                live[-1] = (now_ms, live[-1][1] + cost)
            else:  # in order even when another process's clock was a little ahead
                bisect.insort(live, (now_ms, cost))
            used += cost
    elif cost > limit:
        retry_ms = win_ms
    else:
        need, freed = used + cost - limit, 0
        for t, c in live:
            freed += c
            if freed >= need:
                retry_ms = t + win_ms - now_ms
                break
    reset_ms = live[-1][0] + win_ms - now_ms if live else 0
    decision = Decision(allowed, limit, max(0, limit - used), reset_ms / 1000, retry_ms / 1000)
    return decision, live


def go_duration(seconds: float) -> str:
    """A Go-style duration, as OpenAI writes x-ratelimit-reset-*: "0s", "20ms", "1s", "17.28s", "6m0s", "1h0m0s".

    Rounded up to the millisecond, so a client that waits this long is never early.
    """
    ms = math.ceil(round(max(0.0, seconds) * 1000, 6))
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, frac = divmod(rest, 1000)
    secs = f"{whole}.{frac:03d}".rstrip("0") if frac else str(whole)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def retry_after_seconds(seconds: float) -> int:
    """Retry-After as whole seconds: rounded up, at least 1."""
    return max(1, math.ceil(round(seconds, 6)))


class _Window:
    """One key's live log, oldest first, with its running total (O(1) amortized per hit)."""

    __slots__ = ("entries", "used", "win_ms")

    def __init__(self, win_ms: int) -> None:
        self.entries: deque[list[int]] = deque()  # [time in ms, cost]
        self.used = 0
        self.win_ms = win_ms

    def trim(self, now_ms: int, win_ms: int) -> None:
        cutoff, entries = now_ms - win_ms, self.entries
        while entries and entries[0][0] <= cutoff:
            self.used -= entries.popleft()[1]
        self.win_ms = win_ms

    def retry_ms(self, now_ms: int, win_ms: int, limit: int, cost: int) -> int:
        if cost > limit:
            return win_ms
        need, freed = self.used + cost - limit, 0
        for t, c in self.entries:
            freed += c
            if freed >= need:
                return t + win_ms - now_ms
        return 0

    def decision(self, allowed: bool, now_ms: int, win_ms: int, limit: int, retry_ms: int) -> Decision:
        reset_ms = self.entries[-1][0] + win_ms - now_ms if self.entries else 0
        return Decision(allowed, limit, max(0, limit - self.used), reset_ms / 1000, retry_ms / 1000)


class MemoryLimiter:
    """The limiter in this process's memory: the default of a single instance (no Redis).

    The same sliding-window rule as `evaluate`, kept incrementally: each key holds its live
    entries in a deque with their running total, so a hit costs O(1) amortized however many
    hits the window holds. Hits less than 1/1000 of the window apart share one entry (a 60 s
    window keeps at most 1,000 entries per key; a shared entry leaves the window up to 60 ms
    early). No I/O: `blocking` is False, the relay calls it on the event loop. Keys whose
    window has emptied are swept as the table grows.
    """

    blocking = False
    QUANTA = 1000

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self._windows: dict[str, _Window] = {}
        self._daily: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._sweep_at = 1024

    def hit(self, key: str, limit: int, window: float, cost: int = 1) -> Decision:
        check_args(limit, window, cost)
        now, win = to_ms(self.clock()), window_ms(window)
        with self._lock:
            slot = self._windows.get(key)
            if slot is None:
                if len(self._windows) >= self._sweep_at:
                    self._sweep(now)
                slot = self._windows[key] = _Window(win)
            else:
                slot.trim(now, win)
            if slot.used + cost > limit:
                return slot.decision(False, now, win, limit, slot.retry_ms(now, win, limit, cost))
            entries = slot.entries
            if entries and now - entries[-1][0] < max(1, win // self.QUANTA):
                entries[-1][1] += cost
            else:
                entries.append([now, cost])
            slot.used += cost
            return slot.decision(True, now, win, limit, 0)

    def peek(self, key: str, limit: int, window: float, cost: int = 1) -> Decision:
        check_args(limit, window, cost)
        now, win = to_ms(self.clock()), window_ms(window)
        with self._lock:
            slot = self._windows.get(key)
            if slot is None:
                return Decision(cost <= limit, limit, limit, 0.0, 0.0 if cost <= limit else win / 1000)
            slot.trim(now, win)
            allowed = slot.used + cost <= limit
            return slot.decision(allowed, now, win, limit, 0 if allowed else slot.retry_ms(now, win, limit, cost))

    def _sweep(self, now_ms: int) -> None:
        """Drop keys with nothing left in their window (under the lock)."""
        for key in [k for k, w in self._windows.items() if not w.entries or w.entries[-1][0] <= now_ms - w.win_ms]:
            del self._windows[key]
        self._sweep_at = max(1024, 2 * len(self._windows))

    def incr_daily(self, key: str, day: str) -> int:
        with self._lock:
            self._daily[(key, day)] = count = self._daily.get((key, day), 0) + 1
        return count

    def close(self) -> None:
        pass


# --- the client address -----------------------------------------------------------------------

def client_ip(peer: str, headers: Mapping[str, str], trusted_proxies: Sequence[str]) -> str:
    """The address a request came from.

    X-Forwarded-For / X-Real-IP are believed only when the peer is a trusted
    proxy (an IP or CIDR in `trusted_proxies`). X-Forwarded-For is read from
    the right: trusted proxies are skipped and the first other address is the
    client (everything left of it could be forged by that client). When every
    hop is trusted, the leftmost one is the client.
    """
    peer_ip = _ip(peer)
    if peer_ip is None:
        return peer or ""
    trusted = _trusted(tuple(trusted_proxies))
    if not trusted or not trusted.allows(peer_ip):
        return peer_ip
    forwarded = _header_values(headers, "x-forwarded-for")
    if forwarded:
        hops = [hop.strip() for value in forwarded for hop in value.split(",")]
        client = peer_ip
        for hop in reversed(hops):
            ip = _ip(hop)
            if ip is None:
                break  # garbage: nothing left of it can be believed
            client = ip
            if not trusted.allows(ip):
                break
        return client
    for value in _header_values(headers, "x-real-ip"):
        ip = _ip(value.strip())
        if ip is not None:
            return ip
    return peer_ip


@functools.lru_cache(maxsize=16)
def _trusted(entries: tuple[str, ...]) -> AllowList:
    good = []
    for entry in entries:
        try:
            parse_allow_list(entry)
        except ValueError:
            log.warning("TRUSTED_PROXIES: ignoring %r, which is not an IP address or CIDR range", entry)
            continue
        good.append(entry)
    return parse_allow_list(",".join(good))


def _header_values(headers: Mapping[str, str], name: str) -> list[str]:
    getlist = getattr(headers, "getlist", None)
    if callable(getlist):  # werkzeug / Quart Headers: case-insensitive, repeated lines
        values = getlist(name)
        return [v for v in values if isinstance(v, str) and v.strip()]
    return [v for k, v in headers.items()
            if isinstance(k, str) and k.lower() == name and isinstance(v, str) and v.strip()]


def _ip(text: str) -> str | None:
    """A normalised address from "1.2.3.4", "1.2.3.4:80", "[::1]:80" or "::1"; None when it is none."""
    text = (text or "").strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)
