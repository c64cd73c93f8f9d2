"""The OpenAI-dialect relay routes: read the request, hand it to the pipeline."""

from __future__ import annotations

import orjson
from quart import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..core import clock
from ..core.ratelimit import client_ip
from .dialects.gemini_openai import gemini_models_list
from .errors import BadRequest, ModelNotFound, PayloadTooLarge, UnsupportedMediaType
from .relay.answer import Answer
from .relay.auth import authenticate, raw_key
from .relay.context import RelayContext
from .relay.endpoints import ENDPOINTS, Endpoint
from .relay.parse import Upload, parse_json_body, validate, validate_multipart
from .relay.limits import check_api_client, check_client_ip
from .relay.pipeline import relay

relay_routes = Blueprint("relay", __name__)


def relay_state():
    return current_app.config["VOAPI_STATE"]


def client_address() -> str:
    """The client's IP: the socket's peer, or what a trusted proxy says (TRUSTED_PROXIES)."""
    if "client_ip" not in g:
        settings = relay_state().snapshots.current.settings
        g.client_ip = client_ip(request.remote_addr or "", request.headers, settings["TRUSTED_PROXIES"])
    return g.client_ip


async def limit_api_client() -> None:
    """A before_request hook of the REST API blueprints: GLOBAL_API_RATE_LIMIT per client IP."""
    state = relay_state()
    await check_api_client(state, state.snapshots.current.settings, client_address())


async def admit(state, headers, path: str, ip: str, query_key: str = ""):
    """Admit a relay request: the per-IP relay limit, then the key; (snapshot it was checked against, caller)."""
    snapshot = state.snapshots.current
    await check_client_ip(state, snapshot.settings, ip)
    caller = authenticate(snapshot, raw_key(headers, path, query_key), ip, clock.now())
    return snapshot, caller


async def current_caller():
    """Admit the request of this Quart request context."""
    query_key = request.args.get("key", "") if request.path.startswith(("/v1beta/", "/v1/models")) else ""
    return await admit(relay_state(), request.headers, request.path, client_address(), query_key)


def to_response(answer: Answer) -> Response:
    """The pipeline's answer as a Quart response."""
    if answer.stream is None:
        return Response(answer.body, status=answer.status, content_type=answer.content_type, headers=answer.headers)
    response = Response(answer.stream, status=answer.status, content_type=answer.content_type,
                        headers=answer.headers)
    response.timeout = None  # Quart's 60 s response timeout would cut long streams; ours apply instead
    return response


async def read_raw_body() -> bytes:
    """The whole request body, or 413 when it is over MAX_REQUEST_BODY_MB."""
    try:
        return await request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise PayloadTooLarge(f"the request body is larger than {_limit_mb()} MB") from None


async def read_json_request(endpoint: Endpoint):
    """A validated JSON request for `endpoint`."""
    raw = await read_raw_body()
    parsed = validate(parse_json_body(raw, request.headers.get("Content-Type", "")), endpoint)
    parsed.size = len(raw)
    return parsed


async def _read_request(endpoint: Endpoint):
    if endpoint.body == "multipart":
        try:
            return await _read_multipart(endpoint)
        except RequestEntityTooLarge:
            raise PayloadTooLarge(f"the request body is larger than {_limit_mb()} MB") from None
    return await read_json_request(endpoint)


def _limit_mb() -> int:
    return current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)


async def _read_multipart(endpoint: Endpoint):
    mime = request.mimetype or ""
    if mime != "multipart/form-data":
        raise UnsupportedMediaType(f"send this endpoint a multipart/form-data upload (got {mime or 'nothing'!r})")
    boundary = request.mimetype_params.get("boundary", "")
    if not boundary:
        raise BadRequest("the multipart Content-Type has no boundary: send 'multipart/form-data; boundary=...'")
    # Quart's form parser silently drops a truncated last part: refuse a body that never closes.
    closing = b"--" + boundary.encode("latin-1", "replace") + b"--"
    if closing not in await request.get_data(cache=True):
        raise BadRequest("the multipart body is incomplete: it does not end with the closing boundary "
                         f"'--{boundary[:70]}--'")
    try:
        form = await request.form
        files = await request.files
    except RequestEntityTooLarge:
        raise
    except (ValueError, KeyError) as exc:
        raise BadRequest(f"the multipart body cannot be read: {exc}") from None
    fields = {name: form.get(name, "") for name in form.keys()}
    uploads = [Upload(name, storage.filename or name, storage.content_type or "application/octet-stream",
                      storage.read()) for name, storage in files.items(multi=True)]
    return validate_multipart(fields, uploads, endpoint)


def _relay_view(endpoint: Endpoint):
    async def view():
        snapshot, caller = await current_caller()
        parsed = await _read_request(endpoint)
        ctx = RelayContext(g.request_id, endpoint, snapshot, caller, parsed, client_address())
        return to_response(await relay(relay_state(), ctx, request.headers))
    view.__name__ = f"relay_{endpoint.name}"
    return view


for _endpoint in ENDPOINTS.values():
    relay_routes.add_url_rule("/v1" + _endpoint.path, view_func=_relay_view(_endpoint), methods=["POST"])


def _model_object(model: str) -> dict:
    return {"id": model, "object": "model", "created": 1700000000, "owned_by": "voapi"}


async def visible_models() -> list[str]:
    snapshot, caller = await current_caller()
    models = snapshot.models_for(caller.group)
    limits = caller.token.model_limits
    return [m for m in models if not limits or m in limits]


def _anthropic_caller() -> bool:
    """The Anthropic SDKs always send anthropic-version, with x-api-key or (newer ones) a Bearer token."""
    return "anthropic-version" in request.headers


def _gemini_caller() -> bool:
    """google-genai (on /v1 by default) sends x-goog-api-key; a hand-made Gemini call may use ?key=."""
    return "x-goog-api-key" in request.headers or ("key" in request.args and "authorization" not in request.headers)


def _anthropic_model(model: str) -> dict:
    return {"type": "model", "id": model, "display_name": model, "created_at": "2024-01-01T00:00:00Z"}


@relay_routes.get("/v1/models")
async def list_models():
    if _gemini_caller():
        g.dialect = "gemini"  # also lets current_caller read ?key=
        return Response(orjson.dumps(gemini_models_list((await visible_models()))), content_type="application/json")
    if _anthropic_caller():
        g.dialect = "anthropic"  # before the caller is admitted: its refusals are in Anthropic's shape too
    models = await visible_models()
    if _anthropic_caller():
        body = {"data": [_anthropic_model(m) for m in models], "has_more": False,
                "first_id": models[0] if models else None, "last_id": models[-1] if models else None}
    else:
        body = {"object": "list", "data": [_model_object(m) for m in models]}
    return Response(orjson.dumps(body), content_type="application/json")


@relay_routes.get("/v1/models/<path:model>")
async def get_model(model: str):
    if _anthropic_caller():
        g.dialect = "anthropic"
    if model not in await visible_models():
        raise ModelNotFound(f"the model '{model}' does not exist or you do not have access to it", param="model")
    shape = _anthropic_model if _anthropic_caller() else _model_object
    return Response(orjson.dumps(shape(model)), content_type="application/json")
