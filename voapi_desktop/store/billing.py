"""Quota that is exact: reserve before the upstream call, settle (once) after it.

Reserve: one conditional UPDATE on the token and one on the user
(`... WHERE quota >= cost`, row count checked) plus a reservation row, in one
transaction, so concurrent requests can never spend more than the balance.
Settle: runs in the ledger writer's batch transaction; deleting the reservation
row is what makes it happen at most once per request. When the real cost is
above the reservation, the difference is charged only as far as the balance
goes; the ledger row records what was charged and what went unpaid, so the
ledger always reconciles with the balances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core import clock
from .logs import LogEntry
from .tables import Channel, QuotaData, Reservation, Token, User
from .transactions import write_transaction


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


def _payable(settlement: Settlement, wanted: int) -> int:
    """How much of `wanted` extra quota the user (and a limited token) can still pay."""
    available = User.select(User.quota).where(User.id == settlement.user_id).scalar() or 0
    if settlement.token_limited:
        available = min(available, Token.select(Token.remain_quota).where(
            Token.id == settlement.token_id).scalar() or 0)
    return max(min(wanted, available), 0)


def apply_settlement(settlement: Settlement) -> int | None:
    """Move quota from held to spent (call inside a write transaction); None if already settled."""
    if not Reservation.delete().where(Reservation.request_id == settlement.request_id).execute():
        return None
    charged = settlement.cost
    if settlement.cost > settlement.reserved:
        charged = settlement.reserved + _payable(settlement, settlement.cost - settlement.reserved)
    refund = settlement.reserved - charged
    counted = 1 if settlement.counts_as_request else 0
    User.update(quota=User.quota + refund, used_quota=User.used_quota + charged,
                request_count=User.request_count + counted).where(User.id == settlement.user_id).execute()
    token_changes = {Token.used_quota: Token.used_quota + charged, Token.accessed_time: clock.now()}
    if settlement.token_limited:
        token_changes[Token.remain_quota] = Token.remain_quota + refund
    Token.update(token_changes).where(Token.id == settlement.token_id).execute()
    if charged and settlement.channel_id:
        Channel.update(used_quota=Channel.used_quota + charged).where(Channel.id == settlement.channel_id).execute()
    if settlement.log is not None:
        settlement.log.quota = charged
        if charged < settlement.cost:
            settlement.log.other["unpaid_quota"] = settlement.cost - charged
        _add_hourly(settlement.log)
    return charged


def _add_hourly(entry: LogEntry) -> None:
    hour = (entry.created_at or clock.now()) // 3600 * 3600
    tokens = entry.prompt_tokens + entry.completion_tokens
    updated = QuotaData.update(token_used=QuotaData.token_used + tokens, count=QuotaData.count + 1,
                               quota=QuotaData.quota + entry.quota).where(
        (QuotaData.user_id == entry.user_id) & (QuotaData.model_name == entry.model_name)
        & (QuotaData.created_at == hour)).execute()
    if not updated:
        QuotaData.create(user_id=entry.user_id, username=entry.username, model_name=entry.model_name,
                         created_at=hour, token_used=tokens, count=1, quota=entry.quota)


def release_stale_reservations(older_than: int) -> int:
    """Refund reservations left by a crash (settlement never ran); returns how many."""
    count = 0
    for row in Reservation.select().where(Reservation.created_at < older_than):
        with write_transaction():
            apply_settlement(Settlement(row.request_id, row.user_id, row.token_id, row.token_limited, 0,
                                        row.amount, 0, counts_as_request=False))
        count += 1
    return count
