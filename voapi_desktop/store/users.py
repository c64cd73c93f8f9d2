"""User service functions: create, list, find, verify passwords, the root bootstrap."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

import bcrypt
import peewee as pw

from ..core import clock
from ..core.keys import generate_code, generate_key
from .changes import publish
from .errors import Conflict, InvalidInput, NotFound
from .tables import User

log = logging.getLogger(__name__)

ROLE_USER, ROLE_ADMIN, ROLE_ROOT = 1, 10, 100
ROLES = {"user": ROLE_USER, "admin": ROLE_ADMIN, "root": ROLE_ROOT}
ROLE_NAMES = {value: name for name, value in ROLES.items()}
STATUS_ENABLED, STATUS_DISABLED = 1, 2
DEFAULT_ROOT_PASSWORD = "123456"
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{1,20}$")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: int
    status: int
    email: str
    quota: int
    used_quota: int
    request_count: int
    group: str
    aff_code: str
    created_at: int

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, str(self.role))

    @property
    def enabled(self) -> bool:
        return self.status == STATUS_ENABLED


def to_info(row: User) -> UserInfo:
    return UserInfo(row.id, row.username, row.display_name, row.role, row.status, row.email,
                    row.quota, row.used_quota, row.request_count, row.group, row.aff_code or "",
                    row.created_at)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def check_password_rules(password: str) -> None:
    if not 8 <= len(password.encode()) <= 72:
        raise InvalidInput("password must be 8 to 72 bytes long")


def create_user(username: str, password: str, *, role: int = ROLE_USER, quota: int = 0,
                group: str = "default", display_name: str = "", email: str = "",
                check_password: bool = True) -> UserInfo:
    """Create a user; the username must be free."""
    if not _USERNAME.match(username or ""):
        raise InvalidInput("username must be 1-20 characters: letters, digits, '_', '.', '-'")
    if check_password:
        check_password_rules(password)
    if role not in ROLE_NAMES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if quota < 0:
        raise InvalidInput("quota must be >= 0")
    if not group.strip():
        raise InvalidInput("group must not be empty")
    try:
        row = User.create(username=username, password=hash_password(password), role=role, quota=quota,
                          group=group.strip(), display_name=display_name or username, email=email,
                          aff_code=generate_code(6), created_at=clock.now())
    except pw.IntegrityError as exc:
        raise Conflict(f"username {username!r} is taken") from exc
    publish("user")
    return to_info(row)


def list_users() -> list[UserInfo]:
    return [to_info(row) for row in User.select().where(User.deleted_at.is_null()).order_by(User.id)]


def get_user(user_id: int) -> UserInfo:
    row = User.get_or_none(User.id == user_id)
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    return to_info(row)


def find_user(username: str) -> UserInfo:
    row = User.get_or_none(User.username == username)
    if row is None:
        raise NotFound(f"no user named {username!r}")
    return to_info(row)


def verify_password(username: str, password: str) -> UserInfo | None:
    """The user when the password matches, else None (same cost either way)."""
    row = User.get_or_none(User.username == username)
    stored = row.password.encode() if row else hash_password("not-a-user-password").encode()
    secret = password.encode()
    # Over 72 bytes is never a stored password (check_password_rules) and bcrypt 5 raises on it: still pay
    # the same cost, then refuse (never match on the first 72 bytes alone).
    ok = bcrypt.checkpw(secret[:72], stored) and len(secret) <= 72
    return to_info(row) if row and ok else None


def set_password(user_id: int, password: str) -> None:
    check_password_rules(password)
    if not User.update(password=hash_password(password)).where(User.id == user_id).execute():
        raise NotFound(f"no user with id {user_id}")
    publish("user")


def ensure_root_user(initial_password: str = "") -> bool:
    """Create `root` on an empty database; returns True when it was created."""
    if User.select().exists():
        return False
    password = initial_password or DEFAULT_ROOT_PASSWORD
    create_user("root", password, role=ROLE_ROOT, quota=500_000_000, check_password=bool(initial_password))
    return True


def root_uses_default_password() -> bool:
    row = User.get_or_none((User.username == "root") & (User.role == ROLE_ROOT))
    return bool(row) and bcrypt.checkpw(DEFAULT_ROOT_PASSWORD.encode(), row.password.encode())


def update_user(user_id: int, *, display_name: str, email: str, role: int, group: str) -> UserInfo:
    """Change a user's profile fields; the root user keeps its role."""
    if role not in ROLE_NAMES:
        raise InvalidInput("unknown role")
    if not group.strip():
        raise InvalidInput("group must not be empty")
    if len(display_name) > 64 or len(email) > 128:
        raise InvalidInput("display name is at most 64 and email at most 128 characters")
    current = get_user(user_id)
    if current.role == ROLE_ROOT and role != ROLE_ROOT:
        raise InvalidInput("the root user's role cannot be changed")
    User.update(display_name=display_name.strip(), email=email.strip(), role=role, group=group.strip()).where(
        User.id == user_id).execute()
    publish("user")
    return get_user(user_id)


def set_user_enabled(user_id: int, enabled: bool) -> None:
    """Ban (disable) or unban a user; a banned user's keys stop working. Root cannot be banned."""
    if get_user(user_id).role == ROLE_ROOT and not enabled:
        raise InvalidInput("the root user cannot be banned")
    User.update(status=STATUS_ENABLED if enabled else STATUS_DISABLED).where(User.id == user_id).execute()
    publish("user")


def delete_user(user_id: int) -> None:
    """Soft-delete a user: their keys stop working at once; the root user cannot be deleted."""
    if get_user(user_id).role == ROLE_ROOT:
        raise InvalidInput("the root user cannot be deleted")
    User.update(deleted_at=clock.now(), status=STATUS_DISABLED, access_token=None).where(
        (User.id == user_id) & User.deleted_at.is_null()).execute()
    publish("user")


def _access_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_access_token(user_id: int) -> str:
    """A new management-API access token for the user (the old one stops working); only its hash is kept."""
    token = generate_key(32)
    if not User.update(access_token=_access_digest(token)).where(
            (User.id == user_id) & User.deleted_at.is_null()).execute():
        raise NotFound(f"no user with id {user_id}")
    return token


def user_by_access_token(token: str) -> int | None:
    """The id of the user whose access token this is ('Bearer ' optional), else None."""
    token = token.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        return None
    row = User.get_or_none((User.access_token == _access_digest(token)) & User.deleted_at.is_null())
    return row.id if row else None


def record_sign_in(user_id: int) -> None:
    """Remember when the user last signed in."""
    User.update(last_login_at=clock.now()).where(User.id == user_id).execute()


def session_stamp(user_id: int) -> str:
    """A short fingerprint of the user's password hash: sessions signed before a password change stop matching."""
    stored = User.select(User.password).where((User.id == user_id) & User.deleted_at.is_null()).scalar()
    return hashlib.sha256(stored.encode()).hexdigest()[:16] if stored else ""
