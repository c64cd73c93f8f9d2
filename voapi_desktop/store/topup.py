"""Online top-up orders: the terms of an order, creating it, crediting it exactly once.

An order is created pending with the quota it will credit and the exact money
it costs. The paid notification completes it with a conditional UPDATE
(`status = success WHERE trade_no = ? AND status = pending`, row count checked)
in the same transaction that credits the user and writes the TOPUP log row,
so a notify sent twice, or twenty times at once, credits once. The order is
bound to its provider and its money: a notify for another provider or another
amount credits nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from ..core import clock
from ..core.epay import pay_money
from .changes import publish
from .errors import InvalidInput, NotFound
from .tables import TopUpOrder
from .transactions import write_transaction
from .wallet import credit

PENDING, SUCCESS = "pending", "success"
EPAY = "epay"
MAX_AMOUNT = 1_000_000  # US dollars in one order


@dataclass(frozen=True)
class OrderInfo:
    id: int
    trade_no: str
    user_id: int
    amount: int
    money: str
    quota: int
    payment_method: str
    provider: str
    status: str
    gateway_trade_no: str
    create_time: int
    complete_time: int


def _info(row: TopUpOrder) -> OrderInfo:
    return OrderInfo(row.id, row.trade_no, row.user_id, row.amount, row.money, row.quota, row.payment_method,
                     row.provider, row.status, row.gateway_trade_no, row.create_time, row.complete_time)


def enabled(settings: Mapping[str, object]) -> bool:
    """Online top-up is offered: switched on, and the Epay gateway and merchant are configured."""
    return bool(settings["TOPUP_ENABLED"] and str(settings["PAY_ADDRESS"]).strip()
                and str(settings["EPAY_ID"]).strip() and settings["EPAY_KEY"])


def order_terms(amount: object, settings: Mapping[str, object]) -> tuple[Decimal, int]:
    """The money to pay and the quota to credit for `amount` US dollars, or InvalidInput saying why not."""
    minimum = int(settings["MIN_TOP_UP"])
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("amount must be a whole number of US dollars")
    if amount < minimum:
        raise InvalidInput(f"the smallest top-up is {minimum} US dollars")
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"the largest top-up is {MAX_AMOUNT} US dollars")
    money = pay_money(amount, float(settings["EPAY_PRICE"]))
    if money <= 0:
        raise InvalidInput("the top-up price (EPAY_PRICE) is 0; ask the operator to set it")
    return money, amount * int(settings["QUOTA_PER_UNIT"])


def create_order(user_id: int, amount: int, money: Decimal, quota: int, payment_method: str,
                 provider: str = EPAY) -> OrderInfo:
    """A pending order with a fresh order number (USR<user>NO<random><time>, as new-api)."""
    now = clock.now()
    trade_no = f"USR{user_id}NO{secrets.token_hex(6)}{now}"
    with write_transaction():
        row = TopUpOrder.create(trade_no=trade_no, user_id=user_id, amount=amount, money=f"{money:.2f}",
                                quota=quota, payment_method=payment_method, provider=provider, status=PENDING,
                                create_time=now)
    publish("topup")
    return _info(row)


def complete_order(trade_no: str, paid: Decimal, gateway_trade_no: str = "", provider: str = EPAY) -> bool:
    """Mark a paid order done and credit its quota; True when this call credited, False when already done.

    Raises NotFound for an unknown order and InvalidInput when the provider or the paid money do not match.
    """
    now = clock.now()
    with write_transaction():
        row = TopUpOrder.get_or_none(TopUpOrder.trade_no == trade_no)
        if row is None:
            raise NotFound(f"no top-up order {trade_no!r}")
        if row.provider != provider:
            raise InvalidInput(f"order {trade_no} was not placed with {provider}")
        if paid != Decimal(row.money):
            raise InvalidInput(f"order {trade_no} costs {row.money}, the notice says {paid}")
        claimed = TopUpOrder.update(status=SUCCESS, complete_time=now, gateway_trade_no=gateway_trade_no[:64]).where(
            (TopUpOrder.trade_no == trade_no) & (TopUpOrder.status == PENDING)).execute()
        if not claimed:  # already paid: an answer to a repeated notice
            return False
        credit(row.user_id, row.quota, f"online top-up {row.amount} USD ({row.payment_method}, paid {row.money})",
               other={"trade_no": trade_no, "provider": provider, "money": row.money}, now=now)
    publish("topup")
    publish("user")
    publish("log")
    return True


def get_order(trade_no: str) -> OrderInfo | None:
    row = TopUpOrder.get_or_none(TopUpOrder.trade_no == trade_no)
    return _info(row) if row else None


def list_orders(user_id: int, limit: int = 1000) -> list[OrderInfo]:
    """A user's orders, newest first."""
    query = TopUpOrder.select().where(TopUpOrder.user_id == user_id).order_by(TopUpOrder.id.desc()).limit(limit)
    return [_info(row) for row in query]
