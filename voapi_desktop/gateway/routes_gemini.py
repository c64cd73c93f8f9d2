"""The Gemini front door: POST /v1beta/models/{model}:{action} (also under /v1) and GET /v1beta/models."""

from __future__ import annotations

import orjson
from quart import Blueprint, Response, g, request

from .dialects.gemini_openai import gemini_models_list
from .errors import BadRequest, ModelNotFound
from .relay.context import RelayContext
from .relay.endpoints import GEMINI_EMBED, GEMINI_GENERATE
from .relay.parse import ROUTING_FIELDS, ParsedRequest, check_generation_config, parse_json_body
from .relay.pipeline import relay
from .routes_relay import client_address, current_caller, read_raw_body, relay_state, to_response, visible_models

gemini_routes = Blueprint("gemini", __name__)
GENERATE = ("generateContent", "streamGenerateContent")
EMBED = ("embedContent", "batchEmbedContents")


@gemini_routes.before_request
async def speak_gemini() -> None:
    g.dialect = "gemini"  # errors in Gemini's envelope


@gemini_routes.get("/v1beta/models")
async def list_models():
    return Response(orjson.dumps(gemini_models_list(await visible_models())), content_type="application/json")


@gemini_routes.post("/v1beta/models/<path:target>")
@gemini_routes.post("/v1/models/<path:target>")  # google-genai's default API version
async def call_model(target: str):
    model, _, action = target.rpartition(":")
    model = model.removeprefix("models/")
    if not model or action not in GENERATE + EMBED:
        raise ModelNotFound(f"unknown method '{target}'; use {{model}}:generateContent, :streamGenerateContent, "
                            ":embedContent or :batchEmbedContents")
    snapshot, caller = await current_caller()
    raw = await read_raw_body()
    body = parse_json_body(raw, request.headers.get("Content-Type", ""))
    for name in ROUTING_FIELDS:
        body.pop(name, None)
    if action in GENERATE and not isinstance(body.get("contents"), list | dict):
        raise BadRequest("'contents' is required: a list of {role, parts}")
    check_generation_config(body)
    sse = request.args.get("alt") == "sse"
    stream = action == "streamGenerateContent" and sse
    parsed = ParsedRequest(model=model, stream=stream, body=body, size=len(raw),
                           action="generateContent" if action == "streamGenerateContent" and not sse else action)
    endpoint = GEMINI_GENERATE if action in GENERATE else GEMINI_EMBED
    ctx = RelayContext(g.request_id, endpoint, snapshot, caller, parsed, client_address(), inbound="gemini")
    answer = await relay(relay_state(), ctx, request.headers)
    if action == "streamGenerateContent" and not sse:  # Gemini's non-SSE stream is one JSON array
        answer.body = b"[" + answer.body + b"]"
    return to_response(answer)
