"""Quota that is exact: reserve before the upstream call, settle (once) after it.

Reserve: one conditional UPDATE on the token and one on the user
(`... WHERE quota >= cost`, row count checked) plus a reservation row, in one
transaction, so concurrent requests can never spend more than the balance.
Settle: runs in the ledger writer's batch transaction; deleting the reservation
row is what makes it happen at most once per request.

A single gateway on SQLite holds quota in memory instead (store/quota_book.py):
no reservation row, and its settlements arrive as final charges (`held_in_db`
False) that `apply_charges` writes a batch at a time. When the real cost is
above the reservation, the difference is charged only as far as the balance
goes; the ledger row records what was charged and what went unpaid, so the
ledger always reconciles with the balances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee as pw

from ..core import clock
from .logs import LogEntry
from .tables import Channel, QuotaData, Reservation, Token, User, database
from .transactions import retrying, write_transaction


class QuotaShort(Exception):
    """The token or the user cannot cover the reservation."""

    def __init__(self, who: str, needed: int, available: int):
        super().__init__(f"{who} has {available} quota, {needed} needed")
        self.who = who
        self.needed = needed
        self.available = available


def reserve(request_id: str, user_id: int, token_id: int, token_limited: bool, amount: int) -> None:
    """Hold `amount` quota on the token (if limited) and the user, or raise QuotaShort."""
    amount = max(int(amount), 0)
    retrying(lambda: _reserve_once(request_id, user_id, token_id, token_limited, amount))


def _reserve_once(request_id: str, user_id: int, token_id: int, token_limited: bool, amount: int) -> None:
    # Lock order, here and in every settlement: the token row, then the user row (no deadlock between them).
    with write_transaction() as txn:
        if token_limited and not Token.update(remain_quota=Token.remain_quota - amount).where(
                (Token.id == token_id) & (Token.remain_quota >= amount)).execute():
            available = Token.select(Token.remain_quota).where(Token.id == token_id).scalar() or 0
            txn.rollback()
            raise QuotaShort("token", amount, available)
        if not User.update(quota=User.quota - amount).where(
                (User.id == user_id) & (User.quota >= amount)).execute():
            available = User.select(User.quota).where(User.id == user_id).scalar() or 0
            txn.rollback()
            raise QuotaShort("user", amount, available)
        Reservation.create(request_id=request_id, user_id=user_id, token_id=token_id,
                           token_limited=token_limited, amount=amount, created_at=clock.now())


@dataclass
class Settlement:
    """The outcome of one request: what it cost, and its ledger row (None: nothing to log)."""
    request_id: str
    user_id: int
    token_id: int
    token_limited: bool
    channel_id: int
    reserved: int
    cost: int
    log: LogEntry | None = None
    counts_as_request: bool = True
    extra: dict = field(default_factory=dict)
    # True: `reserved` sits in the database (a reservation row) and is refunded here; False: the hold was
    # in memory (store/quota_book.py) and `cost` is the final charge, already capped by the balance
    held_in_db: bool = True


def _payable(settlement: Settlement, wanted: int) -> int:
    """How much of `wanted` extra quota the user (and a limited token) can still pay."""
    available = User.select(User.quota).where(User.id == settlement.user_id).scalar() or 0
    if settlement.token_limited:
        available = min(available, Token.select(Token.remain_quota).where(
            Token.id == settlement.token_id).scalar() or 0)
    return max(min(wanted, available), 0)


def apply_settlement(settlement: Settlement, shared: "SharedCounters | None" = None) -> int | None:
    """Move quota from held to spent (call inside a write transaction); None if already settled.

    With `shared`, the channel and hourly counters (rows every request of a batch touches) are only
    added up, for `shared.apply()` at the end of the transaction: taking those locks last, in one order,
    keeps two instances' ledger batches from deadlocking on a shared database."""
    if not Reservation.delete().where(Reservation.request_id == settlement.request_id).execute():
        return None
    charged = settlement.cost
    if settlement.cost > settlement.reserved:
        charged = settlement.reserved + _payable(settlement, settlement.cost - settlement.reserved)
    refund = settlement.reserved - charged
    counted = 1 if settlement.counts_as_request else 0
    token_changes = {Token.used_quota: Token.used_quota + charged, Token.accessed_time: clock.now()}
    if settlement.token_limited:
        token_changes[Token.remain_quota] = Token.remain_quota + refund
    Token.update(token_changes).where(Token.id == settlement.token_id).execute()  # token first, as reserve()
    User.update(quota=User.quota + refund, used_quota=User.used_quota + charged,
                request_count=User.request_count + counted).where(User.id == settlement.user_id).execute()
    own = shared or SharedCounters()
    if charged and settlement.channel_id:
        own.channels[settlement.channel_id] = own.channels.get(settlement.channel_id, 0) + charged
    if settlement.log is not None:
        settlement.log.quota = charged
        if charged < settlement.cost:
            settlement.log.other["unpaid_quota"] = settlement.cost - charged
        own.add_hourly(settlement.log)
    if shared is None:
        own.apply()
    return charged


def lock_accounts(settlements: list[Settlement]) -> None:
    """Lock the keys, then the users, of a batch of settlements, each in id order (inside its transaction).

    reserve() locks a key, then its user. Settled one by one, a batch holding a user (after its first key)
    would wait for the user's second key, which a reservation holds while it waits for the user: a
    deadlock a shared database breaks only after its deadlock timeout (PostgreSQL: 1 s), the ledger
    stalled meanwhile. SQLite's BEGIN IMMEDIATE holds the whole database already."""
    if not settlements or isinstance(database.obj, pw.SqliteDatabase):
        return
    for model, ids in ((Token, {s.token_id for s in settlements}), (User, {s.user_id for s in settlements})):
        list(model.select(model.id).where(model.id.in_(sorted(ids))).order_by(model.id).for_update())


@dataclass
class SharedCounters:
    """Channel and hourly counters of a batch of settlements, written together in a fixed order."""
    channels: dict[int, int] = field(default_factory=dict)
    hourly: dict[tuple[int, str, int], list] = field(default_factory=dict)  # -> [tokens, count, quota, username]

    def add_hourly(self, entry: LogEntry) -> None:
        bucket = self.hourly.setdefault(
            (entry.user_id, entry.model_name, (entry.created_at or clock.now()) // 3600 * 3600),
            [0, 0, 0, entry.username])
        bucket[0] += entry.prompt_tokens + entry.completion_tokens
        bucket[1] += 1
        bucket[2] += entry.quota

    def apply(self) -> None:
        for channel_id in sorted(self.channels):
            Channel.update(used_quota=Channel.used_quota + self.channels[channel_id]).where(
                Channel.id == channel_id).execute()
        for (user_id, model, hour) in sorted(self.hourly):
            used, count, quota, username = self.hourly[(user_id, model, hour)]
            _add_hour(user_id, username, model, hour, used, count, quota)
        self.channels.clear()
        self.hourly.clear()


def apply_charges(settlements: list[Settlement]) -> None:
    """Charges whose holds were in memory, in one batch (call inside a write transaction): one UPDATE per
    user, key, channel and hourly bucket, however many requests the batch holds."""
    users: dict[int, list[int]] = {}  # id -> [charged, requests]
    tokens: dict[int, list[int]] = {}  # id -> [charged, limited]
    channels: dict[int, int] = {}
    hourly: dict[tuple[int, str, int], list] = {}  # (user, model, hour) -> [tokens, count, quota, username]
    for s in settlements:
        user = users.setdefault(s.user_id, [0, 0])
        user[0] += s.cost
        user[1] += 1 if s.counts_as_request else 0
        token = tokens.setdefault(s.token_id, [0, s.token_limited])
        token[0] += s.cost
        if s.cost and s.channel_id:
            channels[s.channel_id] = channels.get(s.channel_id, 0) + s.cost
        entry = s.log
        if entry is not None:
            bucket = hourly.setdefault((entry.user_id, entry.model_name, (entry.created_at or clock.now()) // 3600 * 3600),
                                       [0, 0, 0, entry.username])
            bucket[0] += entry.prompt_tokens + entry.completion_tokens
            bucket[1] += 1
            bucket[2] += entry.quota
    for user_id, (charged, requests) in users.items():
        User.update(quota=User.quota - charged, used_quota=User.used_quota + charged,
                    request_count=User.request_count + requests).where(User.id == user_id).execute()
    now = clock.now()
    for token_id, (charged, limited) in tokens.items():
        changes = {Token.used_quota: Token.used_quota + charged, Token.accessed_time: now}
        if limited:
            changes[Token.remain_quota] = Token.remain_quota - charged
        Token.update(changes).where(Token.id == token_id).execute()
    for channel_id, charged in channels.items():
        Channel.update(used_quota=Channel.used_quota + charged).where(Channel.id == channel_id).execute()
    for (user_id, model, hour), (used, count, quota, username) in hourly.items():
        _add_hour(user_id, username, model, hour, used, count, quota)


def _add_hourly(entry: LogEntry) -> None:
    _add_hour(entry.user_id, entry.username, entry.model_name, (entry.created_at or clock.now()) // 3600 * 3600,
              entry.prompt_tokens + entry.completion_tokens, 1, entry.quota)


def _add_hour(user_id: int, username: str, model: str, hour: int, tokens: int, count: int, quota: int) -> None:
    updated = QuotaData.update(token_used=QuotaData.token_used + tokens, count=QuotaData.count + count,
                               quota=QuotaData.quota + quota).where(
        (QuotaData.user_id == user_id) & (QuotaData.model_name == model) & (QuotaData.created_at == hour)).execute()
    if not updated:
        QuotaData.create(user_id=user_id, username=username, model_name=model, created_at=hour,
                         token_used=tokens, count=count, quota=quota)


def release_stale_reservations(older_than: int) -> int:
    """Refund reservations left by a crash (settlement never ran); returns how many."""
    count = 0
    for row in Reservation.select().where(Reservation.created_at < older_than):
        with write_transaction():
            apply_settlement(Settlement(row.request_id, row.user_id, row.token_id, row.token_limited, 0,
                                        row.amount, 0, counts_as_request=False))
        count += 1
    return count
