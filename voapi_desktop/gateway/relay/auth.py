"""Authenticate a relay request against the in-memory snapshot (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.groups import usable_groups
from ...core.keys import mask_key, parse_api_key
from ...store.snapshot import Snapshot
from ...store.tokens import TokenInfo
from ...store.users import ROLE_ADMIN, UserInfo
from ..errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class Caller:
    token: TokenInfo
    user: UserInfo
    group: str
    channel_pin: int | None


def raw_key(headers, path: str, query_key: str = "") -> str:
    """The API key as sent: Bearer header, x-api-key (Anthropic), x-goog-api-key or ?key= (Gemini)."""
    authorization = headers.get("authorization", "")
    if authorization:
        return authorization
    return headers.get("x-api-key", "") or headers.get("x-goog-api-key", "") or query_key


def authenticate(snapshot: Snapshot, raw: str, client_ip: str, now: int) -> Caller:
    """The caller behind a key, or the error that says why it may not call."""
    api_key = parse_api_key(raw)
    if not api_key.key:
        raise Unauthorized("no API key: send 'Authorization: Bearer sk-...'")
    token = snapshot.tokens.get(api_key.key)
    if token is None:
        raise Unauthorized(f"incorrect API key provided: {mask_key(api_key.key)}")
    state = token.state(now)
    if state == "disabled":
        raise Unauthorized("this API key is disabled", code="token_disabled")
    if state == "expired":
        raise Unauthorized("this API key has expired", code="token_expired")
    # An exhausted balance is refused by the reservation (exact, in the database), not from memory,
    # where a refund that has not been synced yet would make a key look empty.
    if token.allow_list and not token.allow_list.allows(client_ip):
        raise Forbidden(f"this API key may not be used from {client_ip}", code="ip_not_allowed")
    user = snapshot.users.get(token.user_id)
    if user is None or not user.enabled:
        raise Forbidden("the owner of this API key is disabled", code="user_disabled")
    if api_key.pin_invalid:
        raise Unauthorized("the channel pin after the key must be a channel id: sk-<key>-<id>")
    if api_key.channel_pin is not None and user.role < ROLE_ADMIN:
        raise Forbidden("only admin keys may pin a channel (sk-<key>-<channel id>)", code="pin_not_allowed")
    if token.group and token.group != user.group:
        check_token_group(snapshot, token.group, user.group)
    return Caller(token, user, token.group or user.group, api_key.channel_pin)


def check_token_group(snapshot: Snapshot, group: str, user_group: str) -> None:
    """A key's own group must be one its owner may use (USER_USABLE_GROUPS) and still be priced (GROUP_RATIO),
    as new-api checks; an owner's own group always passes."""
    if group not in usable_groups(user_group, snapshot.settings["USER_USABLE_GROUPS"]):
        raise Forbidden(f"this API key's group '{group}' is not available to its owner (group '{user_group}'); "
                        "ask an admin to change the key's group", code="group_not_allowed")
    if group not in snapshot.prices.groups:
        raise Forbidden(f"this API key's group '{group}' no longer exists; ask an admin to change the key's group",
                        code="group_not_found")


def check_model_allowed(caller: Caller, model: str) -> None:
    limits = caller.token.model_limits
    if limits and model not in limits:
        raise Forbidden(f"this API key may not use the model '{model}'", code="model_not_allowed")
