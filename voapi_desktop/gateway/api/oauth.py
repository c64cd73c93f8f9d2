"""Sign-in through GitHub and LinuxDO (OAuth2 authorization code), with new-api's paths.

`GET /api/oauth/state` issues a random state and keeps it, with the invitation code (`aff`)
and, for linking, the signed-in user's id, in a short-lived signed cookie (HttpOnly, Lax);
with `provider=` it also answers the provider's authorize URL. The provider sends the browser
back to `GET /api/oauth/<provider>?code=&state=`: the state must match the cookie (CSRF), the
code is exchanged for the account, and the linked user is signed in, or a new user signed up
(REGISTER_ENABLED, the aff code), with the same session cookie as the password sign-in.
`GET /api/oauth/<provider>/bind` links the account to the signed-in user instead. A browser
that lands on the callback is redirected home (or shown the refusal) instead of getting JSON.
"""

from __future__ import annotations

import hmac
import secrets
from html import escape

from itsdangerous import BadSignature, URLSafeTimedSerializer
from quart import Blueprint, Response, current_app, request

from ...core.oauth import PROVIDERS, OAuthProvider, ProviderError, ProviderUser
from ...store import oauth_accounts, risk, users
from ...store.errors import ServiceError
from ..oauth_client import fetch_account
from ..routes_relay import client_address
from .base import PUBLIC, USER, ApiError, api_route, caller, critical_limit, envelope, install, off_loop, ok, \
    settings, state
from .session import set_session, user_id_from_request, user_view

STATE_COOKIE = "oauth_state"
STATE_MAX_AGE = 600  # ten minutes to come back from the provider
STATE_PATH = "/api/oauth"

oauth_routes = Blueprint("api_oauth", __name__)
install(oauth_routes)


def _signer() -> URLSafeTimedSerializer:
    session_signer = current_app.config["VOAPI_SESSION_SERIALIZER"]
    return URLSafeTimedSerializer(session_signer.secret_key, salt="voapi-oauth-state")


def _provider(key: str) -> OAuthProvider:
    provider = PROVIDERS.get(key)
    if provider is None:
        raise ApiError(404, f"unknown sign-in provider {key!r}; use one of {', '.join(PROVIDERS)}")
    problem = provider.problem(settings())
    if problem:
        raise ApiError(403, problem)
    return provider


def _redirect_uri(provider: OAuthProvider) -> str:
    base = str(settings()["SERVER_ADDRESS"] or "").rstrip("/") or f"{request.scheme}://{request.host}"
    return f"{base}/api/oauth/{provider.key}"


@api_route(oauth_routes, "GET", "/api/oauth/state", role=PUBLIC, query=("aff", "provider", "bind"))
async def issue_state():
    """A fresh OAuth state (also kept in a signed cookie); `provider` adds its authorize URL."""
    await critical_limit()
    aff = request.args.get("aff", "").strip()[:32]
    bind_to = 0
    if request.args.get("bind", "").strip().lower() in ("1", "true"):
        bind_to = await user_id_from_request() or 0
        if not bind_to:
            raise ApiError(401, "sign in first to link an account")
    value = secrets.token_urlsafe(24)
    extra = {}
    if request.args.get("provider"):
        provider = _provider(request.args["provider"].strip())
        extra["authorize_url"] = provider.authorize_url(settings(), value, _redirect_uri(provider))
    response = ok(value, **extra)
    response.set_cookie(STATE_COOKIE, _signer().dumps({"state": value, "aff": aff, "bind": bind_to}),
                        max_age=STATE_MAX_AGE, httponly=True, samesite="Lax", path=STATE_PATH,
                        secure=request.scheme == "https")
    return response


def _checked_state() -> dict:
    """The state cookie's content when the `state` query parameter matches it, else 403."""
    given = request.args.get("state", "")
    try:
        saved = _signer().loads(request.cookies.get(STATE_COOKIE, ""), max_age=STATE_MAX_AGE)
    except BadSignature:
        saved = None
    if not given or not isinstance(saved, dict) or not hmac.compare_digest(str(saved.get("state", "")), given):
        raise ApiError(403, "the sign-in state is missing, expired or does not match; start the sign-in again")
    return saved


async def _account(provider: OAuthProvider) -> ProviderUser:
    if request.args.get("error"):
        reason = request.args.get("error_description") or request.args["error"]
        raise ApiError(200, f"{provider.title} did not authorize the sign-in: {reason[:200]}")
    code = request.args.get("code", "").strip()
    if not code:
        raise ApiError(400, f"the query parameter 'code' is missing; start the sign-in with {provider.title} again")
    await critical_limit()
    try:
        return await fetch_account(provider, settings(), code, _redirect_uri(provider))
    except ProviderError as exc:
        raise ApiError(200, str(exc)) from None


async def _bind(provider: OAuthProvider, user_id: int, account: ProviderUser) -> Response:
    user = await off_loop(oauth_accounts.link_account, user_id, provider.key, account.id)
    return ok(user_view(user), "bind")


def _may_register(provider: OAuthProvider, account: ProviderUser) -> None:
    current = settings()
    if not current["REGISTER_ENABLED"]:
        raise ApiError(200, "sign-up is closed; ask the administrator for an account")
    minimum = current["LINUXDO_MINIMUM_TRUST_LEVEL"] if provider.key == "linuxdo" else 0
    if minimum and (account.trust_level or 0) < minimum:
        raise ApiError(200, f"your {provider.title} trust level is below {minimum}, the minimum to sign up here")


async def _sign_in(provider: OAuthProvider, account: ProviderUser, aff: str) -> Response:
    existing = await off_loop(oauth_accounts.find_linked_user, provider.key, account.id)
    if existing is None:
        _may_register(provider, account)
    user, created = await off_loop(oauth_accounts.sign_in_or_register, provider.key, account.id, settings(),
                                   display_name=account.name, aff_code=aff)
    if not user.enabled or (user.id not in state().snapshots.current.users and not created):
        raise ApiError(200, "this account is disabled; ask the administrator")
    await off_loop(risk.record_login, username=user.username, success=True, user_id=user.id,
                   ip=client_address(), user_agent=request.headers.get("User-Agent", ""))
    await off_loop(users.record_sign_in, user.id)
    return await set_session(ok(user_view(user), "signed up" if created else ""), user.id)


def _wants_page() -> bool:
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _for_browser(answer: Response, status: int, message: str, success: bool) -> Response:
    """A browser back from the provider goes home when signed in, else sees why not."""
    if success:
        answer.status_code, answer.headers["Location"] = 302, "/"
        answer.set_data(b"")
        return answer
    page = (f"<!doctype html><meta charset=utf-8><title>Sign-in refused</title><p>{escape(message)}</p>"
            f'<p><a href="/console/login">Back to sign-in</a></p>')
    return Response(page, status=status if status >= 400 else 400, content_type="text/html; charset=utf-8")


async def _callback(key: str, bind_only: bool) -> Response:
    try:
        provider = _provider(key)
        saved = _checked_state()
        account = await _account(provider)
        if bind_only:
            answer = await _bind(provider, caller().id, account)
        elif saved.get("bind"):
            if await user_id_from_request() != saved["bind"]:
                raise ApiError(401, "sign in again as the user who asked to link this account")
            answer = await _bind(provider, saved["bind"], account)
        else:
            answer = await _sign_in(provider, account, str(saved.get("aff") or ""))
        status, message, success = 200, "", True
    except ApiError as exc:
        status, message, success = exc.status, exc.message, False
        answer = envelope(False, exc.message, status=exc.status, headers=exc.headers)
    except ServiceError as exc:
        status, message, success = 200, str(exc), False
        answer = envelope(False, str(exc))
    if not bind_only and _wants_page():
        answer = _for_browser(answer, status, message, success)
    answer.delete_cookie(STATE_COOKIE, path=STATE_PATH, httponly=True, samesite="Lax")  # one use
    return answer


def _routes(key: str) -> None:
    title = PROVIDERS[key].title

    async def sign_in():
        return await _callback(key, bind_only=False)

    async def bind():
        return await _callback(key, bind_only=True)

    sign_in.__name__, bind.__name__ = f"oauth_{key}", f"oauth_{key}_bind"
    sign_in.__doc__ = f"Back from {title}: check the state, then sign in, sign up (aff) or link the account."
    bind.__doc__ = f"Link the {title} account that authorized `code` to the signed-in user."
    api_route(oauth_routes, "GET", f"/api/oauth/{key}", role=PUBLIC, query=("code", "state"))(sign_in)
    api_route(oauth_routes, "GET", f"/api/oauth/{key}/bind", role=USER, query=("code", "state"))(bind)


for _key in PROVIDERS:
    _routes(_key)
