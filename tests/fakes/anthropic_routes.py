"""Anthropic Messages API routes of the fake upstream (mixed into ``FakeUpstream``).

Routes (``anthropic.Anthropic(base_url=up.url)``):

* ``POST /v1/messages`` – non-stream and ``"stream": true``.
* ``POST /v1/messages/count_tokens`` -> ``{"input_tokens": n}``.

(``GET /v1/models`` stays the OpenAI list.)  The key is read from
``x-api-key``, else ``Authorization: Bearer`` (recorded as ``.key``).  The
``anthropic-version`` header is required: without it the answer is Anthropic's
400 ``invalid_request_error`` (checked after ``require_keys`` and before any
``Behaviour``, so a gateway that forgets the header fails even in fault tests).  ``require_keys`` rejects other keys with the
recorded 401 ``authentication_error`` body.  A body that is not a JSON object,
or has no ``messages`` list, gets a 400 ``invalid_request_error``;
``max_tokens`` is not enforced (the real API requires it).

Shapes follow ``tests/fixtures/upstream/anthropic/``: compact JSON; the message
is ``{id: msg_…, type: message, role: assistant, model: <requested>, content,
stop_reason, stop_sequence: null, usage: {input_tokens,
cache_creation_input_tokens, cache_read_input_tokens, output_tokens,
service_tier}}``; every answer carries a ``request-id: req_…`` header.

Deterministic usage:

* ``input_tokens`` = words of ``system`` (string or text blocks) + words of
  all text in ``messages`` (string contents, ``text`` blocks, text inside
  ``tool_result`` blocks) + 3 per message.  ``count_tokens`` answers the same
  number.
* ``output_tokens`` = reply words after ``max_tokens`` truncation
  (``stop_reason: max_tokens`` when cut, else ``end_turn``); for a tool call
  the words after ``TOOL:``.
* cache fields are 0.  ``Behaviour.usage`` is merged over these; keys
  ``input_tokens``, ``output_tokens``, ``cache_read_input_tokens``,
  ``cache_creation_input_tokens`` (the OpenAI names ``prompt_tokens`` /
  ``completion_tokens`` are accepted as aliases, ``total_tokens`` is ignored).

Tool use: if the request has ``tools`` and the reply starts with
``TOOL:name {json}``, the answer is one ``tool_use`` block
(``stop_reason: tool_use``); without a name the first tool is used.  Streamed,
its input arrives as ``input_json_delta`` fragments: ``""`` then the compact
JSON in three pieces (a tool call without arguments gets exactly one
``""`` fragment, like the real API).

Stream (``event: NAME\\ndata: {...}\\n\\n``; every ``data`` JSON is padded with
0-15 random spaces before its final ``}``, ``ping`` is ``{"type": "ping"}``):
``message_start`` (usage with the input/cache fields and ``output_tokens: 1``),
``content_block_start``, ``ping``, one ``content_block_delta`` per word
(``text_delta``) or the ``input_json_delta`` fragments, ``content_block_stop``,
``message_delta`` (stop_reason; usage ``input_tokens``, cache fields and the
final ``output_tokens``), ``message_stop``.

Behaviour on these routes:

* every SSE event above counts for the ``*_after_chunks`` options
  (``message_start`` is event 0, ``ping`` is event 2).
* ``midstream_error_after_chunks`` sends the recorded
  ``event: error`` / ``overloaded_error`` frame, then EOF (no ``message_stop``).
* ``omit_usage``: no usage anywhere – the message has no ``usage`` key, and in
  a stream neither ``message_start.message`` nor ``message_delta`` has one.
* errors use Anthropic's envelope ``{"type":"error","error":{"type",
  "message"},"request_id"}`` with ``x-should-retry`` (``true`` for
  408/409/429/5xx) and ``request-id`` headers: ``Behaviour(status=N)`` and
  ``Behaviour.error(N, type_, code, message)`` (``type_`` is kept if it is one of
  Anthropic's error types other than the default ``invalid_request_error``,
  else it follows the status: 400 invalid_request_error, 401
  authentication_error, 402 billing_error, 403 permission_error, 404
  not_found_error, 413 request_too_large, 429 rate_limit_error, 504
  timeout_error, 529 overloaded_error, other 5xx api_error).
  ``Behaviour.invalid_key()`` -> the recorded 401 body;
  ``Behaviour.insufficient_quota()`` -> 400 ``invalid_request_error`` "Your
  credit balance is too low…" (what Anthropic sends when out of credit);
  ``Behaviour.rate_limited()`` -> 429 ``rate_limit_error`` plus its
  ``retry-after``.  A custom ``body`` and ``Behaviour.html()`` are sent as is.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._common import (
    DEFAULT_REPLY,
    _compact,
    _limit,
    _new_id,
    _pieces,
    _tool_reply,
    _truncate,
    _word_pieces,
    _words,
    load_fixture,
)

if TYPE_CHECKING:  # pragma: no cover
    from .upstream import Behaviour, Recorded, _Ctx

__all__ = ["AnthropicRoutes", "is_anthropic_path", "anthropic_input_tokens"]

_PATHS = {"/v1/messages": "messages", "/v1/messages/count_tokens": "count_tokens"}
_JSON = "application/json"
_SSE = "text/event-stream; charset=utf-8"

_ERROR_TYPES = {
    "invalid_request_error",
    "authentication_error",
    "billing_error",
    "permission_error",
    "not_found_error",
    "request_too_large",
    "rate_limit_error",
    "api_error",
    "timeout_error",
    "overloaded_error",
}
_STATUS_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_CREDIT_TOO_LOW = (
    "Your credit balance is too low to access the Anthropic API. "
    "Please go to Plans & Billing to upgrade or purchase credits."
)
_RATE_LIMITED = (
    "This request would exceed the rate limit for your organization of 50 requests per minute. "
    "For details, refer to: https://docs.claude.com/en/api/rate-limits."
)

_rng = random.Random()


def is_anthropic_path(path: str) -> bool:
    return (path.rstrip("/") or "/") in _PATHS


def _error_type_for(status: int) -> str:
    if status in _STATUS_TYPES:
        return _STATUS_TYPES[status]
    return "api_error" if status >= 500 else "invalid_request_error"


def _block_words(content: Any) -> int:
    if isinstance(content, str):
        return _words(content)
    n = 0
    if isinstance(content, list):
        for block in content:
            if isinstance(block, str):
                n += _words(block)
            elif isinstance(block, dict):
                if isinstance(block.get("text"), str):
                    n += _words(block["text"])
                elif block.get("type") == "tool_result":
                    n += _block_words(block.get("content"))
    return n


def anthropic_input_tokens(body: dict) -> int:
    """Words of ``system`` + text words of every message + 3 per message."""
    n = _block_words(body.get("system"))
    messages = body.get("messages")
    if isinstance(messages, list):
        n += sum(_block_words(m.get("content")) + 3 for m in messages if isinstance(m, dict))
    return n


def _padded(obj: Any, min_pad: int = 0) -> str:
    """Compact JSON with a random run of spaces before the final ``}`` (as sent by Anthropic)."""
    text = _compact(obj)
    return text[:-1] + " " * _rng.randint(min_pad, 15) + "}"


def _event(name: str, obj: Any, min_pad: int = 0) -> bytes:
    return f"event: {name}\ndata: {_padded(obj, min_pad)}\n\n".encode()


_PING = b'event: ping\ndata: {"type": "ping"}\n\n'


class AnthropicRoutes:
    """Mixin: the Anthropic dialect of ``FakeUpstream``."""

    # -- dispatch ------------------------------------------------------------

    async def _anthropic_answer(self, request: web.Request, rec: "Recorded", beh: "Behaviour") -> web.StreamResponse:
        from .upstream import _Ctx

        with self._lock:
            required = self._required_keys
        if required is not None and rec.key not in required:
            return web.Response(status=401, body=load_fixture("error_401_authentication.json", "anthropic"),
                                headers=self._anthropic_error_headers(401))
        if "anthropic-version" not in rec.headers:
            return self._anthropic_error(400, "invalid_request_error", "anthropic-version: header is required", beh)
        if beh.is_canned:
            return self._anthropic_canned(beh)
        if beh.non_json_200:
            return web.Response(status=200, body=b"upstream says hi, but this is not JSON",
                                headers={"content-type": "text/plain; charset=utf-8", **beh.headers})
        if request.method != "POST":
            return self._anthropic_error(405, "invalid_request_error", f"Method Not Allowed ({request.method})", beh)
        if not isinstance(rec.json, dict):
            return self._anthropic_error(400, "invalid_request_error",
                                         "There was an error parsing the body of your request.", beh)
        if not isinstance(rec.json.get("messages"), list):
            return self._anthropic_error(400, "invalid_request_error", "messages: Field required", beh)
        ctx = _Ctx(request, rec, beh, None)
        if _PATHS[rec.path.rstrip("/")] == "count_tokens":
            return await self._anthropic_count_tokens(ctx)
        return await self._anthropic_messages(ctx)

    # -- errors --------------------------------------------------------------

    @staticmethod
    def _anthropic_error_headers(status: int) -> dict[str, str]:
        retry = status in (408, 409, 429) or status >= 500
        return {"content-type": _JSON, "request-id": _new_id("req_fake"),
                "x-should-retry": "true" if retry else "false"}

    def _anthropic_error(self, status: int, type_: str, message: str, beh: "Behaviour",
                         body: bytes | None = None) -> web.Response:
        headers = self._anthropic_error_headers(status)
        if body is None:
            body = _compact({"type": "error", "error": {"type": type_, "message": message},
                             "request_id": headers["request-id"]}).encode()
        return web.Response(status=status, body=body, headers={**headers, **{k.lower(): v for k, v in beh.headers.items()}})

    def _anthropic_canned(self, beh: "Behaviour") -> web.Response:
        status = beh.status if beh.status is not None else 200
        if beh.preset == "invalid_key":
            return self._anthropic_error(401, "", "", beh, load_fixture("error_401_authentication.json", "anthropic"))
        if beh.preset == "insufficient_quota":
            return self._anthropic_error(400, "invalid_request_error", _CREDIT_TOO_LOW, beh)
        if beh.preset == "rate_limited":
            return self._anthropic_error(429, "rate_limit_error", _RATE_LIMITED, beh)
        if beh.preset == "error" or (beh.body is None and status >= 400):
            err = beh.body.get("error") if isinstance(beh.body, dict) else None
            err = err if isinstance(err, dict) else {}
            type_ = err.get("type")
            if type_ not in _ERROR_TYPES or type_ == "invalid_request_error":
                type_ = _error_type_for(status)
            message = err.get("message") or f"Fake upstream error {status}."
            return self._anthropic_error(status, type_, message, beh)
        return self._canned(beh)

    # -- endpoints -----------------------------------------------------------

    @staticmethod
    def _anthropic_usage_override(beh: "Behaviour") -> dict:
        override = dict(beh.usage or {})
        if "prompt_tokens" in override:
            override.setdefault("input_tokens", override.pop("prompt_tokens"))
        if "completion_tokens" in override:
            override.setdefault("output_tokens", override.pop("completion_tokens"))
        override.pop("total_tokens", None)
        return override

    async def _anthropic_count_tokens(self, ctx: "_Ctx") -> web.StreamResponse:
        n = anthropic_input_tokens(ctx.json)
        n = self._anthropic_usage_override(ctx.beh).get("input_tokens", n)
        return await self._non_stream(ctx, None, data=_compact({"input_tokens": n}).encode(),
                                      headers={"content-type": _JSON, "request-id": _new_id("req_fake")})

    async def _anthropic_messages(self, ctx: "_Ctx") -> web.StreamResponse:
        body, beh = ctx.json, ctx.beh
        model = body.get("model") if isinstance(body.get("model"), str) else "claude-fake"
        reply = beh.reply if beh.reply is not None else DEFAULT_REPLY
        msg_id = _new_id("msg_fake")
        headers = {"request-id": _new_id("req_fake")}

        tool: tuple[str, dict] | None = None
        words: list[str] = []
        if body.get("tools") and reply.startswith("TOOL:"):
            name, args = _tool_reply(reply)
            if name is None:
                tools = body["tools"]
                first = tools[0] if isinstance(tools, list) and tools and isinstance(tools[0], dict) else {}
                name = first.get("name") or "tool"
            tool = (name, args)
            output_tokens = _words(reply[len("TOOL:"):])
            stop = "tool_use"
        else:
            words, cut = _truncate(reply, _limit(body, "max_tokens"))
            output_tokens = len(words)
            stop = "max_tokens" if cut else "end_turn"

        usage: dict[str, Any] = {
            "input_tokens": anthropic_input_tokens(body),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        }
        usage.update(self._anthropic_usage_override(beh))
        tool_id = _new_id("toolu_fake")

        if not body.get("stream"):
            if tool is not None:
                content = [{"type": "tool_use", "id": tool_id, "name": tool[0], "input": tool[1]}]
            else:
                content = [{"type": "text", "text": " ".join(words)}]
            msg: dict[str, Any] = {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                                   "content": content, "stop_reason": stop, "stop_sequence": None, "usage": usage}
            if beh.omit_usage:
                del msg["usage"]
            return await self._non_stream(ctx, msg, data=_compact(msg).encode(),
                                          headers={"content-type": _JSON, **headers})

        start_usage = {k: usage[k] for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
                       if k in usage}
        start_usage.update(output_tokens=1, service_tier=usage.get("service_tier", "standard"))
        start_msg: dict[str, Any] = {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                                     "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}
        if beh.omit_usage:
            del start_msg["usage"]
        events = [_event("message_start", {"type": "message_start", "message": start_msg}, min_pad=1)]
        if tool is not None:
            block = {"type": "tool_use", "id": tool_id, "name": tool[0], "input": {}}
            fragments = [""] + (_pieces(_compact(tool[1])) if tool[1] else [])
            deltas = [{"type": "input_json_delta", "partial_json": f} for f in fragments]
        else:
            block = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": p} for p in _word_pieces(words)]
        events.append(_event("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}))
        events.append(_PING)
        for d in deltas:
            events.append(_event("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": d}))
        events.append(_event("content_block_stop", {"type": "content_block_stop", "index": 0}))
        delta_msg: dict[str, Any] = {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}}
        if not beh.omit_usage:
            delta_msg["usage"] = {k: usage[k] for k in ("input_tokens", "cache_creation_input_tokens",
                                                        "cache_read_input_tokens", "output_tokens") if k in usage}
        events.append(_event("message_delta", delta_msg))
        events.append(_event("message_stop", {"type": "message_stop"}))
        error = load_fixture("stream_error_overloaded.sse", "anthropic")
        return await self._stream(ctx, events, error, content_type=_SSE, headers=headers)

