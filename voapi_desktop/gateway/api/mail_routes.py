"""Mail routes with new-api's paths: verification codes, password reset by mail.

GET /api/verification?email=   sends a sign-up code (refused when mail is not configured or the
                               address is taken); /api/user/register checks it through
                               `check_verification` when EMAIL_VERIFICATION_ENABLED is on. Codes are
                               kept in the database, so any gateway of a cluster accepts them.
GET /api/reset_password?email= sends a reset link to each account of that address; the answer
                               is the same whether or not one exists, and the mail goes out in
                               the background so the timing does not tell either.
POST /api/user/reset           {email, token, password?}: sets the password (generated and
                               returned when not given, as new-api does); the token works once.

Each mail counts against a limit per address and per client IP (on top of the API's own).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from urllib.parse import urlencode, urlsplit

from quart import Blueprint, current_app, request

from ...core.mail import MailError, configuration_problem, send_mail, valid_address
from ...core.mail_texts import password_reset, verification_code
from ...store import verification
from ...store.errors import InvalidInput
from ..routes_relay import client_address
from .base import (PUBLIC, ApiError, api_route, critical_limit, envelope, field_of, install, json_body,
                   limit_hit, off_loop, ok, settings, state)

log = logging.getLogger(__name__)

PER_ADDRESS = (1, 60.0)  # one mail per address per minute
PER_IP = (5, 600.0)  # five mails per client address per ten minutes
PURPOSE_REGISTER = "register"
RESET_PAGE = "/reset-password/confirm"

mail_routes = Blueprint("api_mail", __name__)
install(mail_routes)


def _secret():
    """The session secret: it signs reset tokens and keys the hashes of stored codes."""
    return current_app.config["VOAPI_SESSION_SERIALIZER"].secret_keys[-1]


def _address_arg() -> str:
    address = request.args.get("email", "").strip()
    if not address:
        raise ApiError(400, "the query parameter 'email' is required")
    if not valid_address(address):
        raise ApiError(400, "'email' is not a valid mail address")
    return address


async def _mail_limits(address: str) -> None:
    """The per-address and per-IP mail limits (429 with Retry-After when over)."""
    for key, (limit, window), what in (
            (f"mail-to:{address.lower()}", PER_ADDRESS, "a mail was just sent to this address"),
            (f"mail-ip:{client_address()}", PER_IP, "too many mails requested from your address")):
        try:
            await limit_hit(key, limit, window)
        except ApiError as exc:
            exc.message = f"{what}; retry in {exc.headers.get('Retry-After', '60')} s"
            raise


def _mail_unavailable() -> str | None:
    problem = configuration_problem(settings())
    return f"{problem}; ask the administrator" if problem else None


@api_route(mail_routes, "GET", "/api/verification", role=PUBLIC, query=("email",))
async def send_verification():
    """Mail a sign-up verification code to `email` (valid 10 minutes)."""
    address = _address_arg()
    unavailable = _mail_unavailable()
    if unavailable:
        return envelope(False, unavailable)
    await _mail_limits(address)
    if await off_loop(verification.email_in_use, address):
        return envelope(False, "this mail address is already used by an account")
    current = settings()
    code = await off_loop(verification.issue_code, _secret(), PURPOSE_REGISTER, address)
    mail = verification_code(current["SYSTEM_NAME"], code, verification.CODE_TTL // 60)
    try:
        await off_loop(send_mail, current, address, *mail)
    except MailError as exc:
        log.warning("verification mail not sent: %s", exc)
        return envelope(False, "the gateway could not send the mail right now; try again later "
                               "or tell the administrator")
    return ok(message=f"a verification code was sent; it is valid for {verification.CODE_TTL // 60} minutes")


async def check_verification(address: str, code: str) -> None:
    """For sign-up: the code mailed to `address` must match (InvalidInput otherwise); it is used up."""
    if not address:
        raise InvalidInput("sign-up needs a verified mail address: fill in 'email' and 'verification_code'")
    if not code:
        raise InvalidInput("enter the verification code mailed to you (GET /api/verification?email=...)")
    await off_loop(verification.redeem_code, _secret(), PURPOSE_REGISTER, address, code)


def _link_base() -> str | None:
    """SERVER_ADDRESS, else this request's own origin when it is a loopback one.

    The Host header is the client's to choose: a reset link built from a forged one would carry the
    token to the forger, so any other origin needs SERVER_ADDRESS.
    """
    configured = settings()["SERVER_ADDRESS"].strip().rstrip("/")
    if configured:
        return configured
    hostname = urlsplit(f"//{request.host}").hostname or ""
    try:
        loopback = hostname == "localhost" or ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        loopback = False
    return f"{request.scheme}://{request.host}" if loopback else None


@api_route(mail_routes, "GET", "/api/reset_password", role=PUBLIC, query=("email",))
async def send_reset_link():
    """Mail a password-reset link to the accounts using `email` (same answer when there are none)."""
    address = _address_arg()
    unavailable = _mail_unavailable()
    if unavailable:
        return envelope(False, unavailable)
    base = _link_base()
    if base is None:
        return envelope(False, "password reset needs SERVER_ADDRESS (this gateway's public URL) to build "
                               "the link; ask the administrator")
    await _mail_limits(address)
    state().spawn(off_loop(_mail_reset_links, settings(), _secret(), address, base), "reset mail")
    return ok(message="if an account uses this address, a reset link is on its way; check your mail")


def _mail_reset_links(current, secret, address: str, base: str) -> None:
    """Blocking: one mail per account using `address` (none when there is none)."""
    for user in verification.users_with_email(address):
        token = verification.reset_token(secret, user)
        link = f"{base}{RESET_PAGE}?{urlencode({'email': address, 'token': token})}"
        mail = password_reset(current["SYSTEM_NAME"], user.username, link, verification.RESET_TTL // 60)
        try:
            send_mail(current, address, *mail)
        except MailError as exc:
            log.warning("reset mail for user %d not sent: %s", user.id, exc)


@api_route(mail_routes, "POST", "/api/user/reset", role=PUBLIC,
           body={"email": "string", "token": "string", "password": "string"})
async def reset_password():
    """Set a new password with the token from a reset mail; without `password` one is generated and returned."""
    data = await json_body()
    address = field_of(data, "email", "string", required=True).strip()
    token = field_of(data, "token", "string", required=True).strip()
    password = field_of(data, "password", "string", "")
    if not address or not token:
        raise ApiError(400, "email and token must not be empty")
    await critical_limit()
    generated = not password
    password = password or secrets.token_urlsafe(9)
    await off_loop(verification.reset_password, _secret(), address, token, password)
    return ok(password if generated else None, "the password was changed; sign in with it")
