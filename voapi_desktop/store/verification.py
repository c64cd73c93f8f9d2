"""Mail verification codes and password-reset tokens.

Codes live in the database (`verification_code`, migration 9), so a code one gateway of a cluster
mailed is accepted by any other (no sticky sessions): one row per purpose and address, holding
an HMAC of the code keyed with the session secret (a plain hash of six digits is undone in
a second), its expiry after CODE_TTL and the guesses counted so far. A code is burnt after
MAX_ATTEMPTS guesses; housekeeping deletes expired rows (`delete_expired_codes`).

Reset tokens are signed instead (itsdangerous, the session secret with its own salt): they carry
the user id, the address and the fingerprint of the current password hash, so they survive a
restart, work on any gateway of the same database, expire after RESET_TTL and stop working the
moment the password changes: a token is single-use without being stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import peewee as pw
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core import clock
from . import users
from .errors import InvalidInput
from .tables import User, VerificationCode
from .transactions import retrying, write_transaction

CODE_TTL = 10 * 60  # seconds a verification code stays valid
MAX_ATTEMPTS = 5  # guesses before a code is burnt
RESET_TTL = 30 * 60  # seconds a reset link stays valid
_RESET_SALT = "voapi-password-reset"
NOT_SENT = "no verification code was sent to this address; request one first"


def _digest(secret: str | bytes, purpose: str, address: str, code: str) -> str:
    key = secret if isinstance(secret, bytes) else secret.encode()
    return hmac.new(key, f"{purpose}\n{address}\n{code}".encode(), hashlib.sha256).hexdigest()


def _row_of(purpose: str, address: str):
    return (VerificationCode.purpose == purpose) & (VerificationCode.address == address)


def issue_code(secret: str | bytes, purpose: str, address: str, ttl: int = CODE_TTL) -> str:
    """A new 6-digit code for `address`, replacing any earlier one; only its keyed hash is stored."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    address = _norm(address)
    row = {"purpose": purpose, "address": address, "code_hash": _digest(secret, purpose, address, code),
           "expires_at": clock.now() + ttl, "attempts": 0}

    def store() -> None:
        with write_transaction():
            VerificationCode.delete().where(_row_of(purpose, address)).execute()
            VerificationCode.create(**row)
    try:
        store()
    except pw.IntegrityError:  # another gateway stored one between our delete and insert: replace it
        store()
    return code


def redeem_code(secret: str | bytes, purpose: str, address: str, code: str,
                max_attempts: int = MAX_ATTEMPTS) -> None:
    """Use up the code sent to `address`; InvalidInput saying why when it does not match."""
    address = _norm(address)
    digest = _digest(secret, purpose, address, (code or "").strip())
    refusal = retrying(lambda: _consume(purpose, address, digest, max_attempts))
    if refusal:
        raise InvalidInput(refusal)


def _consume(purpose: str, address: str, digest: str, max_attempts: int) -> str | None:
    """One guess in one transaction: None when it used the code up, else why not.

    The guess is counted before it is compared, so concurrent guesses never get more than
    max_attempts comparisons; the right code passes only for the caller whose DELETE removed the
    row, so two concurrent uses (on any gateways) cannot both pass.
    """
    where = _row_of(purpose, address)
    with write_transaction():
        counted = VerificationCode.update(attempts=VerificationCode.attempts + 1).where(
            where & (VerificationCode.attempts < max_attempts)).execute()
        row = VerificationCode.get_or_none(where)
        if row is None:
            return NOT_SENT
        if row.expires_at <= clock.now():
            refusal = "the verification code has expired; request a new one"
        elif counted and hmac.compare_digest(row.code_hash, digest):
            refusal = None
        elif row.attempts < max_attempts:
            return "wrong verification code"
        else:
            refusal = "wrong verification code, too many times; request a new one"
        removed = VerificationCode.delete().where(VerificationCode.id == row.id).execute()
    return NOT_SENT if refusal is None and not removed else refusal


def delete_expired_codes(now: int | None = None) -> int:
    """Delete the codes expired by `now` (default: the clock); how many were deleted."""
    when = clock.now() if now is None else now
    return VerificationCode.delete().where(VerificationCode.expires_at <= when).execute()


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
