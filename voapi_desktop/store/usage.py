"""What a token or a user has been granted, used and has left (read fresh from the database)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import NotFound
from .tables import QuotaData, Token, User


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


@dataclass(frozen=True)
class HourlyUsage:
    user_id: int
    username: str
    model_name: str
    created_at: int  # start of the hour
    token_used: int
    count: int
    quota: int


def hourly_usage(since: int, until: int, user_id: int | None = None, username: str = "") -> list[HourlyUsage]:
    """The dashboard's hourly rows (per user and model) in [since, until), oldest first."""
    query = QuotaData.select().where((QuotaData.created_at >= since) & (QuotaData.created_at < until))
    if user_id is not None:
        query = query.where(QuotaData.user_id == user_id)
    if username:
        query = query.where(QuotaData.username == username)
    return [HourlyUsage(r.user_id, r.username, r.model_name, r.created_at, r.token_used, r.count, r.quota)
            for r in query.order_by(QuotaData.created_at, QuotaData.id)]
