"""Sign-up, sign-in and sign-out; the signed session cookie and the access-token header.

The cookie holds the user id and a fingerprint of the password hash (so a password change
ends every session), signed (itsdangerous, HMAC) with SESSION_SECRET; when that
setting is empty a secret is generated once and kept in the data dir (mode 0600), so
sessions survive restarts. Sign-in attempts count against CRITICAL_RATE_LIMIT per client
address, and failed ones against the same limit per account name; every attempt is
recorded with `risk.record_login`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from quart import Blueprint, current_app, request

from ...core.settings import Settings
from ...store import registration, risk, users
from ...store.errors import NotFound
from ...store.private_files import private_dir
from ...store.runtime import default_data_dir
from ..routes_relay import client_address
from .mail_routes import check_verification
from .base import (PUBLIC, USER, ApiError, api_route, caller, critical_limit, envelope, field_of, install,
                   json_body, off_loop, ok, settings, state, too_many)

COOKIE = "session"
MAX_AGE = 30 * 24 * 3600  # new-api keeps a session 30 days
SECRET_FILE = "session_secret"

session_routes = Blueprint("api_session", __name__)
install(session_routes)


def session_secret(boot: Settings) -> str:
    """SESSION_SECRET, or the one generated on first use and kept in the data dir (0600)."""
    if boot["SESSION_SECRET"]:
        return boot["SESSION_SECRET"]
    data_dir = Path(boot["DATA_DIR"]).expanduser() if boot["DATA_DIR"] else default_data_dir()
    path = data_dir / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    private_dir(data_dir)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another instance wrote it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret)
    return secret


def make_serializer(boot: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(boot), salt="voapi-session")


def _serializer() -> URLSafeTimedSerializer:
    return current_app.config["VOAPI_SESSION_SERIALIZER"]


async def user_id_from_request() -> int | None:
    """The user id from a valid session cookie, else from the access token in Authorization."""
    cookie = request.cookies.get(COOKIE, "")
    if cookie:
        try:
            data = _serializer().loads(cookie, max_age=MAX_AGE)
        except BadSignature:
            data = None
        if isinstance(data, dict) and isinstance(data.get("id"), int) \
                and data.get("stamp") == await off_loop(users.session_stamp, data["id"]):
            return data["id"]
    authorization = request.headers.get("Authorization", "")
    if authorization.strip():
        return await off_loop(users.user_by_access_token, authorization)
    return None


def user_view(user: users.UserInfo) -> dict:
    """A user as the API shows it (new-api field names; never the password or access token)."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
            "status": user.status, "email": user.email, "quota": user.quota, "used_quota": user.used_quota,
            "request_count": user.request_count, "group": user.group, "aff_code": user.aff_code,
            "created_at": user.created_at}


async def set_session(response, user_id: int):
    """Sign `user_id` in on `response` (also after their own password change, which ends other sessions)."""
    session = {"id": user_id, "stamp": await off_loop(users.session_stamp, user_id)}
    response.set_cookie(COOKIE, _serializer().dumps(session), max_age=MAX_AGE, httponly=True,
                        samesite="Lax", secure=request.scheme == "https", path="/")
    return response


async def _signed_in(user: users.UserInfo, message: str = ""):
    return await set_session(ok(user_view(user), message), user.id)


def _credentials(data: dict) -> tuple[str, str]:
    username = field_of(data, "username", "string", required=True).strip()
    password = field_of(data, "password", "string", required=True)
    if not username or not password:
        raise ApiError(400, "username and password must not be empty")
    return username, password


async def _account_limit(username: str, count: bool) -> None:
    """Failed sign-ins per account name: peek before checking the password, count after a failure."""
    current = settings()
    limiter = state().limiter
    if not current["CRITICAL_RATE_LIMIT_ENABLE"] or limiter is None:
        return
    args = (f"login-fail:{username.lower()}", current["CRITICAL_RATE_LIMIT"],
            float(current["CRITICAL_RATE_LIMIT_DURATION"]), 1)
    try:
        decision = await off_loop(limiter.hit if count else limiter.peek, *args)
    except Exception:  # noqa: BLE001 - a limiter that is down must not lock everyone out
        return
    if not count and not decision.allowed:
        raise too_many(decision.retry_after, "too many failed sign-ins for this account")


@api_route(session_routes, "POST", "/api/user/login", role=PUBLIC, body={"username": "string", "password": "string"})
async def login():
    """Sign in with a user name and password; sets the session cookie."""
    data = await json_body()
    username, password = _credentials(data)
    if not settings()["PASSWORD_LOGIN_ENABLED"]:
        return envelope(False, "signing in with a password is turned off by the administrator")
    await critical_limit()
    await _account_limit(username, count=False)
    user = await off_loop(users.verify_password, username, password)
    known = user or await off_loop(_lookup, username)
    await off_loop(risk.record_login, username=username, success=bool(user and user.enabled),
                   user_id=known.id if known else 0, ip=client_address(),
                   user_agent=request.headers.get("User-Agent", ""))
    if user is None:
        await _account_limit(username, count=True)
        return envelope(False, "wrong user name or password")
    if not user.enabled or user.id not in state().snapshots.current.users:
        return envelope(False, "this account is disabled; ask the administrator")
    await off_loop(users.record_sign_in, user.id)
    return await _signed_in(user)


def _lookup(username: str) -> users.UserInfo | None:
    try:
        return users.find_user(username)
    except NotFound:
        return None


@api_route(session_routes, "GET", "/api/user/logout", role=PUBLIC)
async def logout():
    """Sign out: the session cookie is cleared."""
    response = ok()
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")
    return response


@api_route(session_routes, "POST", "/api/user/register", role=PUBLIC,
           body={"username": "string", "password": "string", "email": "string", "aff_code": "string"})
async def register():
    """Sign up (when REGISTER_ENABLED); `aff_code` is an invitation code. Signs the new user in."""
    data = await json_body()
    username, password = _credentials(data)
    email = field_of(data, "email", "string", "").strip()
    aff_code = field_of(data, "aff_code", "string", "") or field_of(data, "aff", "string", "")
    current = settings()
    if not current["REGISTER_ENABLED"]:
        return envelope(False, "sign-up is closed; ask the administrator for an account")
    await critical_limit()
    if current["EMAIL_VERIFICATION_ENABLED"]:
        await check_verification(email, field_of(data, "verification_code", "string", "").strip())
    user = await off_loop(registration.register_user, username, password, current, aff_code=aff_code,
                          email=email)
    return await _signed_in(user, "signed up")


@api_route(session_routes, "GET", "/api/user/token", role=USER)
async def access_token():
    """Generate a new access token for the management API (the previous one stops working)."""
    await critical_limit()
    return ok(await off_loop(users.issue_access_token, caller().id))
