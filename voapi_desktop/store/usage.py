"""What a token or a user has been granted, used and has left (read fresh from the database)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NotFound
from .tables import Token, User


@dataclass(frozen=True)
class TokenUsage:
    name: str
    remain_quota: int
    used_quota: int
    unlimited_quota: bool
    expired_time: int  # -1 = never
    model_limits: tuple[str, ...]

    @property
    def total_granted(self) -> int:
        return self.remain_quota + self.used_quota


@dataclass(frozen=True)
class UserUsage:
    quota: int  # what is left
    used_quota: int
    request_count: int

    @property
    def total_granted(self) -> int:
        return self.quota + self.used_quota


def usage_totals(token_id: int) -> TokenUsage:
    """A token's granted, used and remaining quota."""
    row = Token.get_or_none(Token.id == token_id)
    if row is None:
        raise NotFound(f"no token with id {token_id}")
    limits = tuple(m.strip() for m in row.model_limits.split(",") if m.strip()) \
        if row.model_limits_enabled else ()
    return TokenUsage(row.name, row.remain_quota, row.used_quota, row.unlimited_quota, row.expired_time, limits)


def user_usage_totals(user_id: int) -> UserUsage:
    """A user's remaining and used quota and request count."""
    row = User.get_or_none(User.id == user_id)
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    return UserUsage(row.quota, row.used_quota, row.request_count)
