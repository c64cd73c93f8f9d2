"""Self-service sign-up: the account, the new-user bonus, the invitation, the default key.

The face (REST API, portal) checks that sign-up is open; this is what a sign-up does,
in new-api's order: create the user, credit QUOTA_FOR_NEW_USER (a top-up log row),
link the inviter through `invitations.apply_invitation` (which pays both invitation
rewards once), then create a first API key when GENERATE_DEFAULT_TOKEN is on.
An unknown invitation code refuses the sign-up before anything is written.
"""

from __future__ import annotations

from ..core.settings import Settings
from . import invitations, tokens, users
from .changes import publish
from .errors import InvalidInput
from .tables import User
from .transactions import write_transaction
from .wallet import credit


def _check_code(aff_code: str) -> str:
    code = (aff_code or "").strip().upper()
    if code and not User.select().where((User.aff_code == code) & User.deleted_at.is_null()).exists():
        raise InvalidInput(f"invitation code {aff_code!r} is unknown; check it or sign up without one")
    return code


def register_user(username: str, password: str, settings: Settings, *, aff_code: str = "",
                  email: str = "", display_name: str = "") -> users.UserInfo:
    """Create a common user the way a self-service sign-up does; returns the new user."""
    code = _check_code(aff_code)
    user = users.create_user(username, password, email=email, display_name=display_name)
    bonus = settings["QUOTA_FOR_NEW_USER"]
    if bonus:
        with write_transaction():
            credit(user.id, bonus, "new user bonus")
        publish("user")
        publish("log")
    if code:
        invitations.apply_invitation(user.id, code, settings)
    if settings["GENERATE_DEFAULT_TOKEN"]:
        tokens.create_token(user.id, "default", unlimited=True)
    return users.get_user(user.id)
