"""API token service functions: create, edit, list, change status."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core import clock
from ..core.keys import generate_key
from ..core.netaddr import parse_allow_list
from .changes import publish
from .errors import InvalidInput, NotFound
from .tables import Token, User
from .transactions import write_transaction

ENABLED, DISABLED, EXPIRED, EXHAUSTED = 1, 2, 3, 4
STATUS_NAMES = {ENABLED: "enabled", DISABLED: "disabled", EXPIRED: "expired", EXHAUSTED: "exhausted"}


@dataclass
class TokenInfo:
    """A token as the gateway sees it; remain/used quota are kept current in memory."""
    id: int
    user_id: int
    key: str
    name: str
    status: int
    created_time: int
    expired_time: int
    remain_quota: int
    unlimited_quota: bool
    model_limits: frozenset[str]
    allow_ips: str
    used_quota: int
    group: str
    username: str = ""
    allow_list: object = field(default=None, repr=False, compare=False)

    def state(self, now: int) -> str:
        """enabled / disabled / expired / exhausted, as of `now`."""
        if self.status != ENABLED:
            return STATUS_NAMES.get(self.status, "disabled")
        if self.expired_time != -1 and self.expired_time <= now:
            return "expired"
        if not self.unlimited_quota and self.remain_quota <= 0:
            return "exhausted"
        return "enabled"


def to_info(row: Token, username: str = "") -> TokenInfo:
    limits = frozenset(m.strip() for m in row.model_limits.split(",") if m.strip()) \
        if row.model_limits_enabled else frozenset()
    return TokenInfo(row.id, row.user_id, row.key, row.name, row.status, row.created_time, row.expired_time,
                     row.remain_quota, row.unlimited_quota, limits, row.allow_ips, row.used_quota, row.group,
                     username, parse_allow_list(row.allow_ips))


def create_token(user_id: int, name: str, *, quota: int = 0, unlimited: bool = False,
                 models: list[str] | tuple[str, ...] = (), expires_at: int = -1, allow_ips: str = "",
                 group: str = "") -> TokenInfo:
    """Create a token for a user; the returned info carries the full key (show it once)."""
    _check_name(name)
    _check_quota(quota)
    _check_expiry(expires_at)
    allow = _allow_list(allow_ips)
    owner = User.get_or_none(User.id == user_id)
    if owner is None:
        raise NotFound(f"no user with id {user_id}")
    models = [m.strip() for m in models if m.strip()]
    row = Token.create(user=user_id, key=generate_key(), name=name.strip(), created_time=clock.now(),
                       expired_time=expires_at, remain_quota=quota, unlimited_quota=unlimited,
                       model_limits_enabled=bool(models), model_limits=",".join(models),
                       allow_ips=str(allow), group=group.strip())
    publish("token")
    return to_info(row, owner.username)


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > 64:
        raise InvalidInput("token name must be 1-64 characters")


def _check_quota(quota: int) -> None:
    if quota < 0:
        raise InvalidInput("quota must be >= 0")


def _check_expiry(expires_at: int) -> None:
    if expires_at != -1 and expires_at <= clock.now():
        raise InvalidInput("expiry must be in the future")


def _allow_list(allow_ips: str):
    try:
        return parse_allow_list(allow_ips)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc


def update_token(token_id: int, *, name: str | None = None, quota: int | None = None,
                 unlimited: bool | None = None, models: list[str] | tuple[str, ...] | None = None,
                 expires_at: int | None = None, allow_ips: str | None = None, group: str | None = None,
                 status: int | None = None) -> TokenInfo:
    """Change some fields of a token (None leaves a field as it is); quota is what remains to spend."""
    # Read and save under the write lock: save() writes every column, and the ledger writer may be
    # charging this key (used_quota, remain_quota) in between; a plain read would undo that charge.
    with write_transaction():
        row = Token.get_or_none((Token.id == token_id) & Token.deleted_at.is_null())
        if row is None:
            raise NotFound(f"no token with id {token_id}")
        if name is not None:
            _check_name(name)
            row.name = name.strip()
        if quota is not None:
            _check_quota(quota)
            row.remain_quota = quota
        if unlimited is not None:
            row.unlimited_quota = bool(unlimited)
        if models is not None:
            models = [m.strip() for m in models if m.strip()]
            row.model_limits_enabled, row.model_limits = bool(models), ",".join(models)
        if expires_at is not None and expires_at != row.expired_time:
            _check_expiry(expires_at)
            row.expired_time = expires_at
        if allow_ips is not None:
            row.allow_ips = str(_allow_list(allow_ips))
        if group is not None:
            row.group = group.strip()
        if status is not None:
            if status not in (ENABLED, DISABLED):
                raise InvalidInput("a token can only be set enabled or disabled")
            row.status = status
        row.save_changes()
    publish("token")
    owner = User.get_or_none(User.id == row.user_id)
    return to_info(row, owner.username if owner else "")


def list_tokens(user_id: int | None = None) -> list[TokenInfo]:
    names = dict(User.select(User.id, User.username).tuples())
    query = Token.select().where(Token.deleted_at.is_null())
    if user_id is not None:
        query = query.where(Token.user == user_id)
    return [to_info(row, names.get(row.user_id, "")) for row in query.order_by(Token.id)]


def set_token_status(token_id: int, status: int) -> None:
    if status not in STATUS_NAMES:
        raise InvalidInput("unknown token status")
    if not Token.update(status=status).where(Token.id == token_id).execute():
        raise NotFound(f"no token with id {token_id}")
    publish("token")


def set_token_quota(token_id: int, remain_quota: int) -> None:
    if remain_quota < 0:
        raise InvalidInput("quota must be >= 0")
    if not Token.update(remain_quota=remain_quota).where(Token.id == token_id).execute():
        raise NotFound(f"no token with id {token_id}")
    publish("token")


def delete_token(token_id: int) -> None:
    """Soft-delete a token (list_tokens and the gateway's snapshot skip deleted ones)."""
    changed = Token.update(deleted_at=clock.now()).where(
        (Token.id == token_id) & Token.deleted_at.is_null()).execute()
    if not changed:
        raise NotFound(f"no token with id {token_id}")
    publish("token")
