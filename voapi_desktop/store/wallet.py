"""The wallet: every change of a user's balance goes with its ledger row, in one transaction.

`credit` is the building block of top-ups, redemption codes, check-ins and
invitation rewards: call it inside `write_transaction()`; the balance can never
go below zero (a conditional UPDATE, row count checked).
"""

from __future__ import annotations

from ..core import clock
from .changes import publish
from .errors import InvalidInput, NotFound
from .logs import TOPUP, LogEntry
from .tables import Log, User
from .transactions import write_transaction


def credit(user_id: int, amount: int, content: str, *, log_type: int = TOPUP, other: dict | None = None,
           now: int | None = None) -> int:
    """Add `amount` (may be negative) to a balance and write its log row; inside a write transaction.

    Returns the new balance; raises NotFound for an unknown user and InvalidInput
    when a deduction would take the balance below zero.
    """
    condition = User.id == user_id
    if amount < 0:
        condition &= User.quota >= -amount
    changed = User.update(quota=User.quota + amount).where(condition).execute()
    row = User.select(User.username, User.quota).where(User.id == user_id).first()
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    if not changed:
        raise InvalidInput(f"{row.username} has {row.quota} quota; deducting {-amount} would go below zero")
    entry = LogEntry(log_type, user_id=user_id, username=row.username, quota=amount, content=content,
                     other=dict(other or {}), created_at=now or clock.now())
    Log.insert(entry.row()).execute()
    return row.quota


def top_up(user_id: int, quota: int, reason: str = "") -> int:
    """Admin top-up (or deduction, when negative) with a top-up log row; returns the new balance."""
    if isinstance(quota, bool) or not isinstance(quota, int) or quota == 0:
        raise InvalidInput("quota must be a non-zero whole number of quota units (500000 = 1 USD)")
    content = "admin top-up" if quota > 0 else "admin deduction"
    if reason.strip():
        content += f": {reason.strip()}"
    with write_transaction():
        balance = credit(user_id, quota, content)
    publish("user")
    publish("log")
    return balance
