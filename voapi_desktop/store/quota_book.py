"""Quota holds in memory: the exact balance check of a single gateway, without a database write per request.

When one gateway process serves the database (SQLite; `store/gateway_lock.py` makes sure of it),
every reservation and every charge passes through this book, so it can decide on the event loop,
in microseconds, what the database would decide with a conditional UPDATE:

    available = base - owed

- `base`: the balance in the database (user quota, key remaining quota) as of the last snapshot,
  minus the charges this process has committed since. Rebased on every snapshot reload, which
  picks up top-ups and edits made elsewhere (the console, the CLI, another program).
- `owed`: what this process holds and has not committed yet: reservations of requests in flight,
  plus settled charges still queued in the ledger writer.

`reserve` refuses when `available` is short (QuotaShort, as the database path does); `settle`
turns a hold into a charge (never more than the balance can pay beyond the hold); `committed`
moves a charge from `owed` to `base` once the ledger writer's transaction has committed. The
ledger writer and the snapshot reload share one guard lock (gateway/state.py wires it), so a
rebase never reads the database between a commit and its `committed` call. The event loop only ever takes `lock`, for
a few dictionary updates.

A crash loses the holds (nothing was written for them) and the charges still queued (at most the
writer's batch interval of requests); the database never holds a reservation that outlives us.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from .billing import QuotaShort


class QuotaBook:
    def __init__(self) -> None:
        self.lock = threading.Lock()  # the book's dictionaries
        self._base_user: dict[int, int] = {}
        self._base_token: dict[int, int] = {}
        self._owed_user: defaultdict[int, int] = defaultdict(int)
        self._owed_token: defaultdict[int, int] = defaultdict(int)

    # --- the event loop's side ------------------------------------------------------------------

    def available(self, user_id: int, user_fallback: int, token_id: int = 0, token_fallback: int | None = None
                  ) -> tuple[int, int | None]:
        """(user, token) quota that can still be held; the fallbacks are the snapshot's values, used for
        an account the book has not been rebased on yet. Token None: the key is unlimited."""
        with self.lock:
            return self._available(user_id, user_fallback, token_id, token_fallback)

    def _available(self, user_id, user_fallback, token_id, token_fallback) -> tuple[int, int | None]:
        user = self._base_user.get(user_id, user_fallback) - self._owed_user.get(user_id, 0)
        if token_fallback is None:
            return user, None
        return user, self._base_token.get(token_id, token_fallback) - self._owed_token.get(token_id, 0)

    def reserve(self, user_id: int, user_fallback: int, token_id: int, token_fallback: int | None,
                amount: int) -> None:
        """Hold `amount` on the key (unless unlimited: token_fallback None) and the user, or raise QuotaShort."""
        amount = max(int(amount), 0)
        with self.lock:
            user, token = self._available(user_id, user_fallback, token_id, token_fallback)
            if token is not None and token < amount:
                raise QuotaShort("token", amount, max(token, 0))
            if user < amount:
                raise QuotaShort("user", amount, max(user, 0))
            self._owed_user[user_id] += amount
            if token is not None:
                self._owed_token[token_id] += amount

    def settle(self, user_id: int, token_id: int, token_limited: bool, reserved: int, cost: int) -> int:
        """Release the hold and owe the charge instead; returns what is charged: `cost`, except that
        beyond the hold only what the balance can pay is charged (the rest is the log's unpaid_quota)."""
        with self.lock:
            self._owed_user[user_id] -= reserved
            if token_limited:
                self._owed_token[token_id] -= reserved
            charged = cost
            if cost > reserved:
                floor = max(reserved, 0)
                charged = min(cost, max(floor, self._base_user.get(user_id, 0) - self._owed_user[user_id]))
                if token_limited:
                    charged = min(charged, max(floor, self._base_token.get(token_id, 0) - self._owed_token[token_id]))
            self._owed_user[user_id] += charged
            if token_limited:
                self._owed_token[token_id] += charged
            self._forget_settled(user_id, token_id)
            return charged

    # --- the ledger writer's and the snapshot's side (under the shared guard) --------------------------------------------------

    def committed(self, user_id: int, token_id: int, token_limited: bool, charged: int, written: bool = True) -> None:
        """A charge reached the database (or, written False, was dropped): it is no longer owed."""
        with self.lock:
            self._owed_user[user_id] -= charged
            if written and user_id in self._base_user:
                self._base_user[user_id] -= charged
            if token_limited:
                self._owed_token[token_id] -= charged
                if written and token_id in self._base_token:
                    self._base_token[token_id] -= charged
            self._forget_settled(user_id, token_id)

    def rebase(self, users: dict[int, int], tokens: dict[int, int]) -> None:
        """The balances as just read from the database (call under the guard, with the read)."""
        with self.lock:
            self._base_user = dict(users)
            self._base_token = dict(tokens)

    def _forget_settled(self, user_id: int, token_id: int) -> None:
        if not self._owed_user.get(user_id):
            self._owed_user.pop(user_id, None)
        if not self._owed_token.get(token_id):
            self._owed_token.pop(token_id, None)

    def owed(self) -> tuple[dict[int, int], dict[int, int]]:
        """What is held or queued per user and per key (for tests and the shutdown check)."""
        with self.lock:
            return dict(self._owed_user), dict(self._owed_token)
