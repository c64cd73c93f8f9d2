"""Channels for admins: list, search, add, change, delete, test, balance, upstream model lists.

A channel's keys never leave the gateway through this API: views carry how many keys a
channel has, and header-override values are masked (they often hold credentials).
"""

from __future__ import annotations

import time

from quart import Blueprint, request

from ...core.channel_types import find_type
from ...core.keys import mask_key
from ...store import channels
from ...store.channels import ChannelInfo
from ...store.errors import InvalidInput
from ..channel_admin import draft_channel, fetch_models, query_balance
from ..channel_test import test_channel
from .base import (ADMIN, ApiError, api_route, envelope, field_of, install, int_arg, json_body, off_loop, ok, page_args,
                   page_of, settings, state)

channel_routes = Blueprint("api_channels", __name__)
install(channel_routes)

# new-api field -> JSON type; the service validates the values.
CHANNEL_FIELDS = {"type": "integer", "name": "string", "key": "string", "base_url": "string", "models": "string",
                  "group": "string", "priority": "integer", "weight": "integer", "model_mapping": "string",
                  "param_override": "string", "header_override": "string", "status_code_mapping": "string",
                  "test_model": "string", "tag": "string", "remark": "string", "other": "string",
                  "openai_organization": "string", "auto_ban": "integer", "key_mode": "string"}


def cooling() -> dict[int, float]:
    """Channel id -> seconds left of its cooldown (gateway/relay/cooldown.py), read on the gateway's loop."""
    return state().cooldowns()


def channel_view(c: ChannelInfo, cooldowns: dict[int, float] | None = None) -> dict:
    """A channel as the API shows it; `cooldown_until`: when a cooled-down channel is tried again (0: not cooling)."""
    left = (cooldowns or {}).get(c.id)
    return {"id": c.id, "type": c.type, "type_name": c.type_name, "name": c.name, "key_count": len(c.keys),
            "status": c.status, "status_reason": c.status_reason, "base_url": c.base_url,
            "models": ",".join(c.models), "group": ",".join(c.groups), "priority": c.priority, "weight": c.weight,
            "model_mapping": c.model_mapping, "param_override": c.param_override,
            "header_override": {k: mask_key(v) for k, v in c.header_override.items()},
            "status_code_mapping": c.status_code_mapping, "test_model": c.test_model, "tag": c.tag,
            "remark": c.remark, "other": c.other, "auto_ban": int(c.auto_ban), "key_mode": c.key_mode,
            "disabled_keys": len(c.disabled_keys), "response_time": c.response_time, "test_time": c.test_time,
            "balance": c.balance, "used_quota": c.used_quota, "created_time": c.created_time,
            "cooldown_until": int(time.time() + left + 0.999) if left else 0}


def _matches(c: ChannelInfo) -> bool:
    status, kind, tag = int_arg("status"), int_arg("type"), request.args.get("tag", "")
    return (status is None or c.status == status) and (kind is None or c.type == kind) and (not tag or c.tag == tag)


@api_route(channel_routes, "GET", "/api/channel/", role=ADMIN, query=("p", "page_size", "status", "type", "tag", "id_sort"))
async def list_channels():
    """Channels, highest priority first (`id_sort=true`: by id); never their keys."""
    page, size = page_args()
    found = [c for c in await off_loop(channels.list_channels) if _matches(c)]
    if request.args.get("id_sort", "").lower() in ("true", "1"):
        found.sort(key=lambda c: c.id)
    cooldowns = cooling()
    return page_of([channel_view(c, cooldowns) for c in found], page, size)


@api_route(channel_routes, "GET", "/api/channel/search", role=ADMIN, query=("keyword", "group", "model", "p", "page_size"))
async def search_channels():
    """Channels whose name, tag, base URL or id contains `keyword`, serving `group` and `model`."""
    page, size = page_args()
    keyword = request.args.get("keyword", "").strip().lower()
    group, model = request.args.get("group", "").strip(), request.args.get("model", "").strip()
    found = [c for c in await off_loop(channels.list_channels)
             if (not keyword or keyword in f"{c.id} {c.name} {c.tag} {c.base_url}".lower())
             and (not group or group in c.groups) and (not model or any(model in m for m in c.models))]
    cooldowns = cooling()
    return page_of([channel_view(c, cooldowns) for c in found], page, size)


@api_route(channel_routes, "GET", "/api/channel/<int:channel_id>", role=ADMIN)
async def get_channel(channel_id: int):
    """One channel (without its keys)."""
    return ok(channel_view(await off_loop(channels.get_channel, channel_id), cooling()))


def _fields(data: dict) -> dict:
    out = {}
    for name, kind in CHANNEL_FIELDS.items():
        value = field_of(data, name, kind)
        if value is not None:
            out[name] = value
    return out


@api_route(channel_routes, "POST", "/api/channel/", role=ADMIN, body={"mode": "string", "channel": "object", **CHANNEL_FIELDS},
           audit="add channel {name}")
async def add_channel():
    """Add a channel: its fields, or new-api's {"mode": "single", "channel": {...}}."""
    data = await json_body()
    mode, wrapped = field_of(data, "mode", "string", "single"), field_of(data, "channel", "object")
    if mode != "single":
        raise ApiError(400, "only mode 'single' is supported: one channel (one key per line) per call")
    data = data if wrapped is None else wrapped
    return ok(channel_view(await off_loop(lambda: channels.create_channel(**_fields(data)))))


def _update(channel_id: int, fields: dict, status: int | None) -> ChannelInfo:
    if not fields.get("key", "x").strip():
        fields.pop("key")  # new-api: an empty key keeps the stored one
    channel = channels.update_channel(channel_id, **fields) if fields else channels.get_channel(channel_id)
    if status is not None and status != channel.status:
        if status not in (channels.ENABLED, channels.MANUALLY_DISABLED):
            raise InvalidInput("status must be 1 (enabled) or 2 (disabled)")
        channel = channels.set_channel_status(channel_id, status, "disabled by an admin")
    return channel


@api_route(channel_routes, "PUT", "/api/channel/", role=ADMIN, body={"id": "integer", "status": "integer", **CHANNEL_FIELDS},
           audit="update channel {id}")
async def update_channel():
    """Change a channel (`id` in the body); an empty `key` keeps the stored keys."""
    data = await json_body()
    channel_id = field_of(data, "id", "integer", required=True)
    status = field_of(data, "status", "integer")
    return ok(channel_view(await off_loop(_update, channel_id, _fields(data), status)))


@api_route(channel_routes, "DELETE", "/api/channel/<int:channel_id>", role=ADMIN, audit="delete channel {channel_id}")
async def delete_channel(channel_id: int):
    """Delete a channel."""
    await off_loop(channels.delete_channel, channel_id)
    return ok()


@api_route(channel_routes, "GET", "/api/channel/test/<int:channel_id>", role=ADMIN, query=("model",))
async def test_one(channel_id: int):
    """Send the channel one small request (`model` optional); re-enables an auto-disabled one that passes."""
    channel = await off_loop(channels.get_channel, channel_id)
    result = await test_channel(channel, settings(), request.args.get("model", "").strip())
    data = {"time": result.elapsed_ms / 1000, "model": result.model, "status": result.status}
    return envelope(result.ok, "ok" if result.ok else result.message, data)


@api_route(channel_routes, "GET", "/api/channel/update_balance/<int:channel_id>", role=ADMIN)
async def update_balance(channel_id: int):
    """Ask the channel's upstream for the account balance (USD) and keep it."""
    channel = await off_loop(channels.get_channel, channel_id)
    balance = await off_loop(query_balance, channel, settings())
    if balance is None:
        return envelope(False, f"{channel.type_name} channels have no balance endpoint")
    return ok(balance)


@api_route(channel_routes, "GET", "/api/channel/fetch_models/<int:channel_id>", role=ADMIN)
async def fetch_channel_models(channel_id: int):
    """The models the channel's upstream lists for its key."""
    channel = await off_loop(channels.get_channel, channel_id)
    return ok(await off_loop(fetch_models, channel, settings()))


@api_route(channel_routes, "POST", "/api/channel/fetch_models", role=ADMIN,
           body={"type": "integer", "base_url": "string", "key": "string"})
async def fetch_models_for_new_channel():
    """The models an upstream lists for `key` before the channel is saved (type, base_url, key)."""
    data = await json_body()
    key = field_of(data, "key", "string", required=True).strip().splitlines()
    draft = draft_channel(field_of(data, "type", "integer", 1), field_of(data, "base_url", "string", ""),
                          key[0] if key else "")
    if not draft.keys or (find_type(draft.type).needs_base_url and not draft.base_url):
        raise InvalidInput("send the key (and the base URL for this type) to list its models")
    return ok(await off_loop(fetch_models, draft, settings()))
