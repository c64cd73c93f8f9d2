"""Accounts linked through OAuth (GitHub, LinuxDO): find, link, sign up through a provider.

A provider's user id is kept in its own column of `user` (github_id, linuxdo_id), unique when
set, so one provider account belongs to at most one user. Signing up through a provider is
an ordinary self-service sign-up (`registration.register_user`: the new-user bonus, the
invitation code, the default key) of a user named `<provider>_<n>` with a random password,
then the link. A process-wide lock keeps two callbacks for the same provider account from
creating two users; the unique index is the last word across processes.
"""

from __future__ import annotations

import secrets
import threading

import peewee as pw

from ..core.settings import Settings
from . import registration, users
from .changes import publish
from .errors import Conflict, InvalidInput, NotFound
from .tables import User
from .transactions import write_transaction

COLUMNS = {"github": "github_id", "linuxdo": "linuxdo_id"}
NAMES = {"github": "GitHub", "linuxdo": "LinuxDO"}
_lock = threading.Lock()


def _column(provider: str) -> pw.Field:
    if provider not in COLUMNS:
        raise InvalidInput(f"unknown sign-in provider {provider!r}; use one of {', '.join(COLUMNS)}")
    return getattr(User, COLUMNS[provider])


def _clean_id(provider_id) -> str:
    value = str(provider_id).strip()
    if not value or len(value) > 64:
        raise InvalidInput("the provider returned no usable account id")
    return value


def _linked_row(provider: str, provider_id: str) -> User | None:
    return User.get_or_none(_column(provider) == _clean_id(provider_id))


def find_linked_user(provider: str, provider_id) -> users.UserInfo | None:
    """The user linked to this provider account, None when none is; refused when that user was deleted."""
    row = _linked_row(provider, provider_id)
    if row is None:
        return None
    if row.deleted_at is not None:
        raise InvalidInput(f"the account linked to this {NAMES[provider]} account has been deleted; "
                           "ask the administrator")
    return users.to_info(row)


def linked_ids(user_id: int) -> dict[str, str]:
    """The provider account ids linked to a user ('' when not linked)."""
    row = User.get_or_none(User.id == user_id)
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    return {provider: getattr(row, column) or "" for provider, column in COLUMNS.items()}


def link_account(user_id: int, provider: str, provider_id) -> users.UserInfo:
    """Link a provider account to an existing user; refused when another user already has it."""
    value, column = _clean_id(provider_id), _column(provider)
    with _lock:
        owner = _linked_row(provider, value)
        if owner is not None and owner.id != user_id:
            raise Conflict(f"this {NAMES[provider]} account is already linked to another user")
        try:
            changed = User.update({column: value}).where(
                (User.id == user_id) & User.deleted_at.is_null()).execute()
        except pw.IntegrityError as exc:  # linked by another process in between
            raise Conflict(f"this {NAMES[provider]} account is already linked to another user") from exc
    if not changed:
        raise NotFound(f"no user with id {user_id}")
    publish("user")
    return users.get_user(user_id)


def _free_username(provider: str) -> str:
    """`<provider>_<n>` with n above every user id (new-api's naming), skipping names taken."""
    number = (User.select(pw.fn.MAX(User.id)).scalar() or 0) + 1
    while User.select().where(User.username == f"{provider}_{number}").exists():
        number += 1
    return f"{provider}_{number}"


def sign_in_or_register(provider: str, provider_id, settings: Settings, *, display_name: str = "",
                        aff_code: str = "", may_register: bool = True) -> tuple[users.UserInfo, bool]:
    """The linked user, or a new user signed up through the provider; returns (user, created)."""
    value = _clean_id(provider_id)
    with _lock:
        existing = find_linked_user(provider, value)
        if existing is not None:
            return existing, False
        if not may_register:
            raise InvalidInput("sign-up is closed; ask the administrator for an account")
        try:  # the user, the invitation reward and the link: all or nothing
            with write_transaction():
                user = registration.register_user(_free_username(provider), secrets.token_urlsafe(24), settings,
                                                  aff_code=aff_code, display_name=(display_name or "").strip()[:64])
                User.update({_column(provider): value}).where(User.id == user.id).execute()
        except pw.IntegrityError as exc:  # another instance signed this account (or took the name) just now
            raise Conflict(f"this {NAMES[provider]} account was just signed up elsewhere; sign in again") from exc
    publish("user")
    return users.get_user(user.id), True
