"""Risk control records: sensitive-word refusals, sign-in history, and disabling a user for cause."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..core import clock
from .changes import publish
from .logs import SYSTEM, LogEntry
from .tables import Log, LoginRecord, RiskEvent, User
from .transactions import write_transaction
from .users import ROLE_ROOT, STATUS_DISABLED, STATUS_ENABLED

EXCERPT_MAX = 1000  # characters of prompt kept with a risk event
BANNED, LIFTED = "user disabled: ", "user enabled: "  # how SYSTEM log rows record a ban and its end


@dataclass(frozen=True)
class RiskEventInfo:
    id: int
    created_at: int
    user_id: int
    username: str
    token_id: int
    token_name: str
    ip: str
    model: str
    words: tuple[str, ...]
    excerpt: str
    dialect: str
    action: str = ""  # "refused" or "recorded", then ",banned" when the hit banned the user; "" before v6

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(a for a in self.action.split(",") if a)


@dataclass(frozen=True)
class BanInfo:
    """A disabled user; `reason` and `since` come from the ban's log row ("" and 0 when none was written)."""
    user_id: int
    username: str
    display_name: str
    group: str
    reason: str
    since: int


@dataclass(frozen=True)
class LoginInfo:
    id: int
    created_at: int
    user_id: int
    username: str
    ip: str
    user_agent: str
    success: bool


def _cut(text: object, size: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= size else text[: size - 1] + "…"


def _risk_info(row: RiskEvent) -> RiskEventInfo:
    return RiskEventInfo(row.id, row.created_at, row.user_id, row.username, row.token_id, row.token_name, row.ip,
                         row.model, tuple(w for w in row.words.split("\n") if w), row.excerpt, row.dialect,
                         row.action)


def _login_info(row: LoginRecord) -> LoginInfo:
    return LoginInfo(row.id, row.created_at, row.user_id, row.username, row.ip, row.user_agent, bool(row.success))


def record_risk_event(*, user_id: int = 0, username: str = "", token_id: int = 0, token_name: str = "",
                      ip: str = "", model: str = "", words: Iterable[str] = (), excerpt: str = "",
                      dialect: str = "", action: str = "", created_at: int | None = None) -> RiskEventInfo:
    """Store one sensitive-word refusal; long values are cut to fit their columns."""
    words = [w.replace("\n", " ").strip() for w in words if isinstance(w, str) and w.strip()]
    row = RiskEvent.create(
        created_at=clock.now() if created_at is None else created_at, user_id=user_id,
        username=_cut(username, 32), token_id=token_id, token_name=_cut(token_name, 64), ip=_cut(ip, 64),
        model=_cut(model, 255), words="\n".join(words), excerpt=_cut(excerpt, EXCERPT_MAX),
        dialect=_cut(dialect, 16), action=_cut(action, 32))
    publish("log")  # a record, like a log row: no snapshot rebuild
    return _risk_info(row)


def list_risk_events(limit: int = 50, user_id: int | None = None, before_id: int | None = None) -> list[RiskEventInfo]:
    """Newest first; `before_id` pages back through older events."""
    query = RiskEvent.select()
    if user_id is not None:
        query = query.where(RiskEvent.user_id == user_id)
    if before_id is not None:
        query = query.where(RiskEvent.id < before_id)
    rows = query.order_by(RiskEvent.created_at.desc(), RiskEvent.id.desc()).limit(max(0, limit))
    return [_risk_info(row) for row in rows]


def record_login(*, username: str, success: bool, user_id: int = 0, ip: str = "", user_agent: str = "",
                 created_at: int | None = None) -> LoginInfo:
    """Store one sign-in attempt (`user_id` 0 when the name matched nobody)."""
    row = LoginRecord.create(
        created_at=clock.now() if created_at is None else created_at, user_id=user_id,
        username=_cut(username, 64), ip=_cut(ip, 64), user_agent=_cut(user_agent, 255), success=bool(success))
    publish("log")
    return _login_info(row)


def list_logins(limit: int = 50, user_id: int | None = None, username: str | None = None,
                ip: str | None = None, success: bool | None = None,
                before_id: int | None = None) -> list[LoginInfo]:
    """Newest first, optionally for one user, name, address or outcome."""
    query = LoginRecord.select()
    if user_id is not None:
        query = query.where(LoginRecord.user_id == user_id)
    if username is not None:
        query = query.where(LoginRecord.username == username)
    if ip is not None:
        query = query.where(LoginRecord.ip == ip)
    if success is not None:
        query = query.where(LoginRecord.success == bool(success))
    if before_id is not None:
        query = query.where(LoginRecord.id < before_id)
    rows = query.order_by(LoginRecord.created_at.desc(), LoginRecord.id.desc()).limit(max(0, limit))
    return [_login_info(row) for row in rows]


def ban_user(user_id: int, reason: str) -> bool:
    """Disable an enabled user for `reason`, with a SYSTEM log row; True when this call disabled them.

    Idempotent: a user already disabled (or unknown) is left alone and gets no
    second log row, so concurrent requests crossing a threshold ban once. The
    root user is never disabled: that would lock the owner out.
    """
    return _set_status(user_id, STATUS_DISABLED, (User.status == STATUS_ENABLED) & (User.role != ROLE_ROOT),
                       BANNED + (reason.strip() or "risk control"))


def _set_status(user_id: int, status: int, allowed, content: str) -> bool:
    """Move one user to `status` where `allowed` holds, with a SYSTEM log row in the same transaction."""
    with write_transaction():
        changed = User.update(status=status).where((User.id == user_id) & allowed).execute()
        if changed:
            username = User.select(User.username).where(User.id == user_id).scalar() or ""
            Log.insert(LogEntry(SYSTEM, user_id=user_id, username=username, content=content).row()).execute()
    if changed:
        publish("user")
        publish("log")
    return bool(changed)

def list_bans() -> list[BanInfo]:
    """Disabled users, newest ban first, each with the reason and time of its last ban record."""
    banned = list(User.select().where((User.status == STATUS_DISABLED) & User.deleted_at.is_null()))
    records: dict[int, Log] = {}
    rows = Log.select(Log.user_id, Log.created_at, Log.content).where(
        (Log.type == SYSTEM) & Log.user_id.in_([u.id for u in banned]) &
        (Log.content.startswith(BANNED) | Log.content.startswith(LIFTED))).order_by(Log.id.desc())
    for row in rows:
        records.setdefault(row.user_id, row)
    bans = []
    for user in banned:
        record = records.get(user.id)
        if record is None or not record.content.startswith(BANNED):  # disabled without a recorded reason
            record = None
        bans.append(BanInfo(user.id, user.username, user.display_name, user.group,
                            record.content[len(BANNED):] if record else "", record.created_at if record else 0))
    return sorted(bans, key=lambda b: (b.since, b.user_id), reverse=True)


def unban_user(user_id: int, reason: str = "") -> bool:
    """Enable a disabled user again, with a SYSTEM log row; True when this call enabled them."""
    return _set_status(user_id, STATUS_ENABLED, User.status == STATUS_DISABLED,
                       LIFTED + (reason.strip() or "ban lifted"))
