"""The shared rate-limit store: Redis, so several gateway instances count against one limit.

One Lua script per hit makes the read-decide-write step atomic on the server.
It keeps the same sliding-window log as core.ratelimit.evaluate, as a sorted
set per key: score = time in ms, member = "<cost>:<unique id>". The time comes
from this process's clock (an argument), not from Redis, so tests can fake it;
instances should run NTP-synchronised clocks, as they do for everything else.
"""

from __future__ import annotations

import itertools
import secrets
import time

import redis

from ..core.ratelimit import DAY_TTL, Clock, Decision, check_args, to_ms, window_ms

# KEYS[1] the log; ARGV: now (ms), window (ms), limit, cost, member id ("" = peek, count nothing).
# Returns {allowed (0/1), units counted after the hit, retry after (ms), reset after (ms)}.
HIT_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local member = ARGV[5]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
local log = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #log, 2 do
  used = used + (tonumber(string.match(log[i], '^(%d+):')) or 1)
end
local allowed, retry = 0, 0
if used + cost <= limit then
  allowed = 1
  if member ~= '' then
    redis.call('ZADD', key, ARGV[1], ARGV[4] .. ':' .. member)
    redis.call('PEXPIRE', key, 2 * win)
    used = used + cost
  end
elseif cost > limit then
  retry = win
else
  local need, freed = used + cost - limit, 0
  for i = 1, #log, 2 do
    freed = freed + (tonumber(string.match(log[i], '^(%d+):')) or 1)
    if freed >= need then
      retry = tonumber(log[i + 1]) + win - now
      break
    end
  end
end
local reset = 0
local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if newest[2] then
  reset = tonumber(newest[2]) + win - now
end
return {allowed, used, retry, reset}
"""


class RedisLimiter:
    """A `RateLimiter` on Redis (REDIS_CONN_STRING). Connection errors propagate: the caller fails open or closed."""

    blocking = True

    def __init__(self, url: str, clock: Clock = time.time, prefix: str = "voapi:",
                 timeout: float = 2.0) -> None:
        self.clock = clock
        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                           health_check_interval=30)
        self._script = self.client.register_script(HIT_SCRIPT)
        self._instance = secrets.token_hex(6)  # members must be unique across instances
        self._sequence = itertools.count()

    def _run(self, key: str, limit: int, window: float, cost: int, member: str) -> Decision:
        win = window_ms(window)
        allowed, used, retry, reset = self._script(
            keys=[f"{self.prefix}rl:{key}"], args=[to_ms(self.clock()), win, limit, cost, member])
        return Decision(bool(allowed), limit, max(0, limit - int(used)), int(reset) / 1000, int(retry) / 1000)

    def hit(self, key: str, limit: int, window: float, cost: int = 1) -> Decision:
        check_args(limit, window, cost)
        return self._run(key, limit, window, cost, f"{self._instance}{next(self._sequence):x}")

    def peek(self, key: str, limit: int, window: float, cost: int = 1) -> Decision:
        check_args(limit, window, cost)
        return self._run(key, limit, window, cost, "")

    def incr_daily(self, key: str, day: str) -> int:
        k = f"{self.prefix}day:{key}:{day}"
        with self.client.pipeline(transaction=True) as pipe:
            count, _ = pipe.incr(k).expire(k, DAY_TTL).execute()
        return int(count)

    def close(self) -> None:
        self.client.close()
