"""The Anthropic Messages front door: /v1/messages (stream too) and /v1/messages/count_tokens."""

from __future__ import annotations

from quart import Blueprint, g, request

from ..core.tokenize import count_request_input
from .dialects.anthropic_openai import anthropic_request_to_openai
from .errors import BadRequest
from .relay.context import RelayContext
from .relay.endpoints import MESSAGES
from .relay.parse import parse_json_body, translated
from .relay.pipeline import relay
from .routes_relay import (client_address, current_caller, read_json_request, read_raw_body, relay_state,
                           to_response)

anthropic_routes = Blueprint("anthropic", __name__)


@anthropic_routes.before_request
async def speak_anthropic() -> None:
    g.dialect = "anthropic"  # errors in Anthropic's envelope


@anthropic_routes.post("/v1/messages")
async def messages():
    snapshot, caller = await current_caller()
    parsed = await read_json_request(MESSAGES)
    ctx = RelayContext(g.request_id, MESSAGES, snapshot, caller, parsed, client_address(),
                       inbound="anthropic")
    return to_response(await relay(relay_state(), ctx, request.headers))


@anthropic_routes.post("/v1/messages/count_tokens")
async def count_tokens():
    """A local count (no upstream call, nothing billed) of what the request would send."""
    await current_caller()
    body = parse_json_body(await read_raw_body(), request.headers.get("Content-Type", ""))
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("'model' is required", param="model")
    if not isinstance(body.get("messages"), list):
        raise BadRequest("'messages' must be a list of messages", param="messages")
    return {"input_tokens": count_request_input("chat", translated(anthropic_request_to_openai, body), model)}
