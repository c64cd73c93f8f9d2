"""Mail verification codes and password-reset tokens, with no table of their own.

Codes live in memory (`CodeBook`: a dict behind a lock, one code per purpose and address,
expiring after CODE_TTL, burnt after MAX_ATTEMPTS wrong guesses). They are short-lived and
cheap to resend, so losing them on a restart costs a user one more click; keeping them out of
diskcache avoids its pickling disk (B2 #21) and out of the database avoids a migration. Behind
a load balancer with several gateways, route /api/verification and /api/user/register to the
same one (sticky sessions).

Reset tokens are signed instead (itsdangerous, the session secret with its own salt): they carry
the user id, the address and the fingerprint of the current password hash, so they survive a
restart, work on any gateway of the same database, expire after RESET_TTL and stop working the
moment the password changes: a token is single-use without being stored.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable

import peewee as pw
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from . import users
from .errors import InvalidInput
from .tables import User
from .transactions import write_transaction

CODE_TTL = 10 * 60  # seconds a verification code stays valid
MAX_ATTEMPTS = 5  # wrong guesses before a code is burnt
MAX_CODES = 10_000  # a flood of requests cannot grow the book without bound
RESET_TTL = 30 * 60  # seconds a reset link stays valid
_RESET_SALT = "voapi-password-reset"


@dataclass
class _Code:
    code: str
    expires: float
    attempts: int = 0


class CodeBook:
    """Verification codes in memory, safe to use from several threads."""

    def __init__(self, ttl: float = CODE_TTL, max_attempts: int = MAX_ATTEMPTS,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl, self.max_attempts, self.clock = ttl, max_attempts, clock
        self._codes: dict[tuple[str, str], _Code] = {}
        self._lock = threading.Lock()

    def issue(self, purpose: str, address: str) -> str:
        """A new 6-digit code for `address` (replacing any earlier one)."""
        code = f"{secrets.randbelow(1_000_000):06d}"
        with self._lock:
            self._purge()
            if len(self._codes) >= MAX_CODES:
                self._codes.pop(min(self._codes, key=lambda k: self._codes[k].expires))
            self._codes[(purpose, _norm(address))] = _Code(code, self.clock() + self.ttl)
        return code

    def redeem(self, purpose: str, address: str, code: str) -> None:
        """Use up the code sent to `address`; InvalidInput saying why when it does not match."""
        key = (purpose, _norm(address))
        with self._lock:
            entry = self._codes.get(key)
            if entry is None:
                raise InvalidInput("no verification code was sent to this address; request one first")
            if self.clock() >= entry.expires:
                del self._codes[key]
                raise InvalidInput("the verification code has expired; request a new one")
            if not secrets.compare_digest(entry.code, (code or "").strip()):
                entry.attempts += 1
                if entry.attempts >= self.max_attempts:
                    del self._codes[key]
                    raise InvalidInput("wrong verification code, too many times; request a new one")
                raise InvalidInput("wrong verification code")
            del self._codes[key]

    def _purge(self) -> None:
        now = self.clock()
        for key in [key for key, entry in self._codes.items() if now >= entry.expires]:
            del self._codes[key]


def _norm(address: str) -> str:
    return (address or "").strip().lower()


# --- password reset -----------------------------------------------------------------------------

def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_RESET_SALT)


def users_with_email(address: str, limit: int = 3) -> list[users.UserInfo]:
    """Enabled users whose address is `address` (case-insensitive), oldest first."""
    query = (User.select().where(_same_email(address) & (User.status == users.STATUS_ENABLED))
             .order_by(User.id).limit(limit))
    return [users.to_info(row) for row in query]


def email_in_use(address: str) -> bool:
    """Whether any account already uses `address`."""
    return User.select().where(_same_email(address)).exists()


def _same_email(address: str):
    return (pw.fn.LOWER(User.email) == _norm(address)) & User.deleted_at.is_null()


def reset_token(secret: str, user: users.UserInfo) -> str:
    """A signed token that lets the owner of `user.email` set a new password once."""
    return _signer(secret).dumps({"u": user.id, "e": _norm(user.email), "s": users.session_stamp(user.id)})


def reset_password(secret: str, address: str, token: str, password: str,
                   max_age: int = RESET_TTL) -> users.UserInfo:
    """Set `password` for the user the token names; InvalidInput when the token is bad, used or expired."""
    users.check_password_rules(password)
    try:
        data = _signer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidInput("this reset link has expired; ask for a new one") from None
    except BadSignature:
        raise InvalidInput("this reset link is not valid; ask for a new one") from None
    if not isinstance(data, dict) or data.get("e") != _norm(address) or not isinstance(data.get("u"), int):
        raise InvalidInput("this reset link is not valid for this address")
    with write_transaction():  # the stamp check and the change together: two uses cannot both pass
        if data.get("s") != users.session_stamp(data["u"]):
            raise InvalidInput("this reset link has already been used; ask for a new one")
        user = users.get_user(data["u"])
        if not user.enabled:
            raise InvalidInput("this account is disabled; ask the administrator")
        users.set_password(user.id, password)
    return user
