"""Writes the console needs that the store's service modules do not offer yet.

Kept small and in the same shape as store/tokens.py and store/users.py (row
count checked, NotFound, publish the kind). They belong in the store; move them
there (store/tokens.py, store/users.py) when its owners add them, and call those instead.
Run only through ops (they block).
"""

from __future__ import annotations

from ..core import clock
from ..store.changes import publish
from ..store.errors import InvalidInput, NotFound
from ..store.tables import Token, User
from ..store.users import ROLE_NAMES, ROLE_ROOT, STATUS_DISABLED, STATUS_ENABLED, UserInfo, get_user


def delete_token(token_id: int) -> None:
    """Soft-delete a token (list_tokens and the gateway's snapshot skip deleted ones)."""
    changed = Token.update(deleted_at=clock.now()).where(
        (Token.id == token_id) & Token.deleted_at.is_null()).execute()
    if not changed:
        raise NotFound(f"no token with id {token_id}")
    publish("token")


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
