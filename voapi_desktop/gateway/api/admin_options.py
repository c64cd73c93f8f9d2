"""Runtime settings for root: read them all (secrets masked) and change one, validated by the settings table."""

from __future__ import annotations

from quart import Blueprint

from ...core.settings import SETTINGS
from ...store.options import set_option
from .base import ROOT, ApiError, api_route, field_of, install, json_body, off_loop, ok, settings

option_routes = Blueprint("api_options", __name__)
install(option_routes)


def _options() -> list[dict]:
    current = settings()
    return [{"key": s.name, "value": current.display(s.name), "alias": s.alias or "", "type": s.type,
             "group": s.group, "secret": s.secret, "read_only": s.scope == "boot", "source": current.source(s.name),
             "help": s.help} for s in SETTINGS]


@api_route(option_routes, "GET", "/api/option/", role=ROOT)
async def list_options():
    """Every setting with its value (secret values masked unless OFF_SETTING_KEY_HIDE)."""
    return ok(_options())


@api_route(option_routes, "PUT", "/api/option/", role=ROOT, body={"key": "string", "value": "string"},
           audit="set option {key}")
async def update_option():
    """Change one runtime setting (`key`: its name, env var or new-api option name)."""
    data = await json_body()
    key = field_of(data, "key", "string", required=True)
    if "value" not in data:
        raise ApiError(400, "the field 'value' is required")
    name, _ = await off_loop(set_option, key, data["value"])
    return ok({"key": name, "value": settings().display(name)})

