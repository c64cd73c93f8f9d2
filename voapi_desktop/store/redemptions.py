"""Redemption codes: create in batches, redeem exactly once, disable, list.

A code is 32 hex characters from `secrets`. Redeeming marks the code used with
a conditional UPDATE (`status = used WHERE key = ? AND status = enabled`, row
count checked) in the same transaction that credits the user and writes the
top-up log row, so a code pays out once even when many redeem it at the same time.
The log row names the code's id and name, never the code itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ..core import clock
from .changes import publish
from .errors import InvalidInput, NotFound
from .tables import Redemption
from .transactions import write_transaction
from .wallet import credit

ENABLED, DISABLED, USED = 1, 2, 3
STATUS_NAMES = {ENABLED: "enabled", DISABLED: "disabled", USED: "used"}
MAX_COUNT = 100


@dataclass(frozen=True)
class CodeInfo:
    id: int
    key: str
    name: str
    status: int
    quota: int
    creator_id: int
    created_time: int
    redeemed_time: int
    used_user_id: int
    expired_time: int  # 0 = never

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, str(self.status))

    def state(self, now: int) -> str:
        """enabled / disabled / used / expired, as of `now` (an unused code past its expiry is expired)."""
        if self.status != ENABLED:
            return STATUS_NAMES.get(self.status, "disabled")
        return "expired" if self.expired_time and self.expired_time <= now else "enabled"


def _info(row: Redemption) -> CodeInfo:
    return CodeInfo(row.id, row.key, row.name, row.status, row.quota, row.user_id, row.created_time,
                    row.redeemed_time, row.used_user_id, row.expired_time)


def create_codes(name: str, quota: int, count: int, expires_at: int = 0, creator_id: int = 0) -> list[str]:
    """Create `count` (1-100) codes worth `quota` each; returns the codes (show them once)."""
    name = (name or "").strip()
    if len(name) > 64:
        raise InvalidInput("code name must be at most 64 characters")
    if isinstance(quota, bool) or not isinstance(quota, int) or quota <= 0:
        raise InvalidInput("quota must be a whole number of quota units > 0 (500000 = 1 USD)")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"count must be between 1 and {MAX_COUNT}")
    now = clock.now()
    if expires_at and expires_at <= now:
        raise InvalidInput("the expiry must be in the future (or 0 for never)")
    keys = [secrets.token_hex(16) for _ in range(count)]
    rows = [{"user_id": creator_id, "key": key, "name": name, "quota": quota, "created_time": now,
             "expired_time": max(int(expires_at), 0)} for key in keys]
    with write_transaction():
        Redemption.insert_many(rows).execute()
    publish("redemption")
    return keys


_REFUSALS = {"used": "this code has already been used", "disabled": "this code has been disabled",
             "expired": "this code expired"}


def _refusal(row: Redemption | None, now: int) -> str | None:
    if row is None:
        return "this redemption code does not exist; check it for typos"
    return _REFUSALS.get(_info(row).state(now))


def redeem(code: str, user_id: int) -> int:
    """Credit the code's quota to the user (once, ever); returns the quota credited."""
    code = (code or "").strip().lower()
    if len(code) != 32:
        raise InvalidInput("a redemption code is 32 characters long")
    now = clock.now()
    with write_transaction():
        row = Redemption.get_or_none(Redemption.key == code)
        refusal = _refusal(row, now)
        if refusal:
            raise InvalidInput(refusal)
        claimed = Redemption.update(status=USED, redeemed_time=now, used_user_id=user_id).where(
            (Redemption.key == code) & (Redemption.status == ENABLED)).execute()
        if not claimed:  # someone else redeemed it between our read and our write
            raise InvalidInput("this code has already been used")
        label = f"code #{row.id}" + (f" ({row.name})" if row.name else "")
        credit(user_id, row.quota, f"redeemed {label}", other={"redemption_id": row.id}, now=now)
    publish("redemption")
    publish("user")
    publish("log")
    return row.quota


def disable_code(code: str) -> None:
    """Disable an unused code; a used code stays used."""
    code = (code or "").strip().lower()
    row = Redemption.get_or_none(Redemption.key == code)
    if row is None:
        raise NotFound("no such redemption code")
    if row.status == USED:
        raise InvalidInput("this code has already been used; it cannot be disabled")
    Redemption.update(status=DISABLED).where((Redemption.id == row.id) & (Redemption.status != USED)).execute()
    publish("redemption")


def delete_codes(code_ids: list[int]) -> int:
    """Delete codes by id, used or not (a used code's top-up log row stays); returns how many went."""
    ids = [int(i) for i in code_ids]
    if not ids:
        return 0
    deleted = Redemption.delete().where(Redemption.id.in_(ids)).execute()
    publish("redemption")
    return deleted


def list_codes(limit: int = 1000) -> list[CodeInfo]:
    """Newest first."""
    return [_info(row) for row in Redemption.select().order_by(Redemption.id.desc()).limit(limit)]
