"""Gemini (Generative Language API) routes of the fake upstream (mixed into ``FakeUpstream``).

Routes (``genai.Client(api_key=…, http_options={"base_url": up.url})``), under
``/v1beta`` (also ``/v1`` and ``/v1alpha``), ``models/{model}:{method}``:

* ``POST …:generateContent``
* ``POST …:streamGenerateContent?alt=sse`` – SSE: ``data: {…}\\r\\n\\r\\n`` (CRLF,
  no ``event:`` lines, no end marker; the stream closes after the chunk with
  ``finishReason``), ``content-type: text/event-stream``,
  ``content-disposition: attachment``.
* ``POST …:streamGenerateContent`` without ``alt=sse`` – one pretty-printed JSON
  array, elements separated by ``\\n,\\r\\n`` (``application/json``).
* ``POST …:embedContent`` -> ``{"embedding": {"values": [8 floats]}}``;
  ``POST …:batchEmbedContents`` -> ``{"embeddings": [{"values": […]}, …]}``.
  The values are the same deterministic vector the OpenAI embeddings route
  gives for the same text (text parts joined with spaces).  No usage (the real
  API reports none).
* ``POST …:countTokens`` -> ``{"totalTokens": n, "promptTokensDetails": […]}``.

The key is read from ``x-goog-api-key``, else ``?key=``, else
``Authorization: Bearer`` (recorded as ``.key``).  ``require_keys`` rejects
other keys with the recorded HTTP 400 ``API_KEY_INVALID`` body.  Unknown
methods get 404 ``NOT_FOUND``; a body that is not a JSON object 400
``INVALID_ARGUMENT``.

Answers follow ``tests/fixtures/upstream/gemini/``: non-stream bodies are
2-space indented with a trailing newline and ``<`` escaped as ``\\u003c``; SSE
JSON uses ``": "`` after keys and no space after commas.  A candidate is
``{content: {parts: [{text}], role: model}, finishReason, index: 0}``, plus
``usageMetadata``, ``modelVersion`` (= model from the path) and ``responseId``.

Deterministic usage (``usageMetadata``):

* ``promptTokenCount`` = words of ``systemInstruction`` text parts + words of
  the text parts of every ``contents`` entry + 3 per entry.
* ``candidatesTokenCount`` = reply words after
  ``generationConfig.maxOutputTokens`` truncation (``finishReason:
  MAX_TOKENS`` when cut, else ``STOP``); for a function call the words after
  ``TOOL:``.
* ``totalTokenCount`` = prompt + candidates (+ ``thoughtsTokenCount`` /
  ``toolUsePromptTokenCount`` if an override sets them).
* ``Behaviour.usage`` is merged over the final numbers (Gemini key names;
  ``prompt_tokens``/``input_tokens`` and ``completion_tokens``/
  ``output_tokens``/``total_tokens`` are accepted as aliases);
  ``totalTokenCount`` is recomputed unless given.
* Streams: one chunk per two words (``"Hello from "``, ``"fake upstream."``);
  ``usageMetadata`` in every chunk, cumulative (candidates = words so far); the
  override applies to the last chunk only (bill from the last chunk).

Function calls: if the request has ``tools`` and the reply starts with
``TOOL:name {json}``, the part is ``{"functionCall": {"name", "args"},
"thoughtSignature": …}`` (``finishReason: STOP``); without a name the first
function declaration is used.  Streamed: the whole call in one chunk, then a
final chunk with an empty text part and the ``finishReason``.

Behaviour on these routes:

* ``*_after_chunks`` count SSE chunks; in JSON-array mode every array element
  counts, plus the closing ``]`` as the last event.
* ``midstream_error_after_chunks`` sends ``{"error": {"code": 503, "message",
  "status": "UNAVAILABLE"}}`` as the next chunk (SSE frame or array element),
  then EOF.
* ``omit_usage`` drops ``usageMetadata`` everywhere.
* errors use ``{"error": {"code", "message", "status"}}``: ``Behaviour(status=N)``
  and ``Behaviour.error(N, type_, code, message)`` (``type_`` is kept if it is a
  Google status name such as ``FAILED_PRECONDITION``, else it follows the
  HTTP status: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403
  PERMISSION_DENIED, 404 NOT_FOUND, 409 ABORTED, 429 RESOURCE_EXHAUSTED, 499
  CANCELLED, 500 INTERNAL, 501 NOT_IMPLEMENTED, 503 UNAVAILABLE, 504
  DEADLINE_EXCEEDED).  ``Behaviour.invalid_key()`` -> the recorded HTTP 400
  ``API_KEY_INVALID`` body; ``Behaviour.insufficient_quota()`` and
  ``Behaviour.rate_limited()`` -> the recorded 429 ``RESOURCE_EXHAUSTED`` body
  (``rate_limited`` sets its ``RetryInfo.retryDelay`` to ``"<retry_after>s"``
  and keeps the ``retry-after`` header).  A custom ``body`` and
  ``Behaviour.html()`` are sent as is.
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._common import DEFAULT_REPLY, _limit, _tool_reply, _truncate, _vector, _word_pieces, _words, load_fixture

if TYPE_CHECKING:  # pragma: no cover
    from .upstream import Behaviour, Recorded, _Ctx

__all__ = ["GeminiRoutes", "is_gemini_path", "gemini_prompt_tokens"]

_ROUTE = re.compile(r"/(v1beta|v1|v1alpha)/(?:models|tunedModels)/([^/:]+):([A-Za-z]+)/?")
_JSON = "application/json; charset=UTF-8"
_SSE_HEADERS = {"content-disposition": "attachment", "vary": "Origin, X-Origin, Referer"}

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_GOOGLE_STATUSES = set(_STATUS_NAMES.values()) | {
    "FAILED_PRECONDITION", "OUT_OF_RANGE", "ALREADY_EXISTS", "UNKNOWN", "DATA_LOSS", "UNIMPLEMENTED",
}
_MIDSTREAM_ERROR = {"error": {"code": 503, "message": "The model is overloaded. Please try again later.",
                              "status": "UNAVAILABLE"}}
_THOUGHT_SIGNATURE = base64.b64encode(b"fake-thought-signature").decode()
_WORDS_PER_CHUNK = 2


def is_gemini_path(path: str) -> bool:
    return _ROUTE.fullmatch(path) is not None or path == "/v1beta" or path.startswith("/v1beta/")


def _status_name(status: int) -> str:
    return _STATUS_NAMES.get(status) or ("INTERNAL" if status >= 500 else "INVALID_ARGUMENT")


def _pretty(obj: Any) -> bytes:
    """Google's non-stream formatting: 2-space indent, trailing newline, ``<`` escaped."""
    return (json.dumps(obj, indent=2, ensure_ascii=False).replace("<", "\\u003c") + "\n").encode()


def _sse_chunk(obj: Any) -> bytes:
    text = json.dumps(obj, separators=(",", ": "), ensure_ascii=False).replace("<", "\\u003c")
    return f"data: {text}\r\n\r\n".encode()


def _parts_text(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    if isinstance(content, dict):
        content = content.get("parts")
    out = []
    if isinstance(content, list):
        for p in content:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, dict) and isinstance(p.get("text"), str):
                out.append(p["text"])
    return out


def gemini_prompt_tokens(body: dict) -> int:
    """Words of ``systemInstruction`` + text words of every content + 3 per content."""
    n = sum(_words(t) for t in _parts_text(body.get("systemInstruction") or body.get("system_instruction")))
    contents = body.get("contents")
    if isinstance(contents, dict):
        contents = [contents]
    if isinstance(contents, list):
        n += sum(sum(_words(t) for t in _parts_text(c)) + 3 for c in contents)
    return n


class GeminiRoutes:
    """Mixin: the Gemini dialect of ``FakeUpstream``."""

    # -- dispatch ------------------------------------------------------------

    async def _gemini_answer(self, request: web.Request, rec: "Recorded", beh: "Behaviour") -> web.StreamResponse:
        from .upstream import _Ctx

        with self._lock:
            required = self._required_keys
        if required is not None and rec.key not in required:
            return web.Response(status=400, body=load_fixture("error_400_api_key_invalid.json", "gemini"),
                                headers={"content-type": _JSON})
        if beh.is_canned:
            return self._gemini_canned(beh)
        if beh.non_json_200:
            return web.Response(status=200, body=b"upstream says hi, but this is not JSON",
                                headers={"content-type": "text/plain; charset=utf-8", **beh.headers})
        m = _ROUTE.fullmatch(rec.path)
        handler = None
        if m is not None and request.method == "POST":
            handler = {
                "generateContent": self._gemini_generate,
                "streamGenerateContent": self._gemini_generate,
                "embedContent": self._gemini_embed,
                "batchEmbedContents": self._gemini_embed,
                "countTokens": self._gemini_count_tokens,
            }.get(m.group(3))
        if handler is None:
            return self._gemini_error(404, "NOT_FOUND", f"Method not found: {request.method} {rec.path}", beh)
        if not isinstance(rec.json, dict):
            return self._gemini_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.", beh)
        return await handler(_Ctx(request, rec, beh, None), m.group(2), m.group(3))

    # -- errors --------------------------------------------------------------

    def _gemini_error(self, status: int, status_name: str, message: str, beh: "Behaviour",
                      body: bytes | None = None) -> web.Response:
        if body is None:
            body = _pretty({"error": {"code": status, "message": message, "status": status_name}})
        return web.Response(status=status, body=body,
                            headers={"content-type": _JSON, **{k.lower(): v for k, v in beh.headers.items()}})

    def _gemini_canned(self, beh: "Behaviour") -> web.Response:
        status = beh.status if beh.status is not None else 200
        if beh.preset == "invalid_key":
            return self._gemini_error(400, "", "", beh, load_fixture("error_400_api_key_invalid.json", "gemini"))
        if beh.preset in ("insufficient_quota", "rate_limited"):
            raw = load_fixture("error_429_resource_exhausted.json", "gemini")
            retry_after = {k.lower(): v for k, v in beh.headers.items()}.get("retry-after")
            if beh.preset == "rate_limited" and retry_after is not None:
                obj = json.loads(raw)
                for d in obj["error"].get("details", []):
                    if d.get("@type", "").endswith("RetryInfo"):
                        d["retryDelay"] = f"{retry_after}s"
                raw = _pretty(obj)
            return self._gemini_error(429, "", "", beh, raw)
        if beh.preset == "error" or (beh.body is None and status >= 400):
            err = beh.body.get("error") if isinstance(beh.body, dict) else None
            err = err if isinstance(err, dict) else {}
            name = err.get("type")
            if name not in _GOOGLE_STATUSES:
                name = _status_name(status)
            message = err.get("message") or f"Fake upstream error {status}."
            return self._gemini_error(status, name, message, beh)
        return self._canned(beh)

    # -- endpoints -----------------------------------------------------------

    @staticmethod
    def _gemini_usage(prompt: int, candidates: int, override: dict | None) -> dict:
        usage: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": candidates}
        if override:
            o = dict(override)
            for alias, name in (("prompt_tokens", "promptTokenCount"), ("input_tokens", "promptTokenCount"),
                                ("completion_tokens", "candidatesTokenCount"),
                                ("output_tokens", "candidatesTokenCount"), ("total_tokens", "totalTokenCount")):
                if alias in o:
                    o.setdefault(name, o.pop(alias))
            usage.update(o)
        if "totalTokenCount" not in usage:
            usage["totalTokenCount"] = sum(
                usage.get(k, 0) or 0
                for k in ("promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount")
            )
        usage.setdefault("promptTokensDetails", [{"modality": "TEXT", "tokenCount": usage["promptTokenCount"]}])
        # key order as recorded
        order = ["promptTokenCount", "candidatesTokenCount", "totalTokenCount", "promptTokensDetails"]
        return {**{k: usage[k] for k in order if k in usage}, **usage}

    async def _gemini_count_tokens(self, ctx: "_Ctx", model: str, method: str) -> web.StreamResponse:
        body = ctx.json
        inner = body.get("generateContentRequest") if isinstance(body.get("generateContentRequest"), dict) else body
        n = gemini_prompt_tokens(inner)
        for alias in ("promptTokenCount", "prompt_tokens", "input_tokens"):
            if ctx.beh.usage and alias in ctx.beh.usage:
                n = ctx.beh.usage[alias]
                break
        obj = {"totalTokens": n, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": n}]}
        return await self._non_stream(ctx, obj, data=_pretty(obj), headers={"content-type": _JSON})

    async def _gemini_embed(self, ctx: "_Ctx", model: str, method: str) -> web.StreamResponse:
        body = ctx.json
        if method == "batchEmbedContents":
            reqs = body.get("requests")
            if not isinstance(reqs, list) or not reqs:
                return self._gemini_error(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: "
                                          "at least one request is required", ctx.beh)
            contents = [r.get("content") if isinstance(r, dict) else None for r in reqs]
        else:
            contents = [body.get("content")]
        if any(not isinstance(c, dict) for c in contents):
            return self._gemini_error(400, "INVALID_ARGUMENT", "* EmbedContentRequest.content: "
                                      "contents is not specified", ctx.beh)
        vectors = [{"values": _vector(" ".join(_parts_text(c)))} for c in contents]
        obj: dict[str, Any] = {"embeddings": vectors} if method == "batchEmbedContents" else {"embedding": vectors[0]}
        return await self._non_stream(ctx, obj, data=_pretty(obj), headers={"content-type": _JSON})

    async def _gemini_generate(self, ctx: "_Ctx", model: str, method: str) -> web.StreamResponse:
        body, beh = ctx.json, ctx.beh
        reply = beh.reply if beh.reply is not None else DEFAULT_REPLY
        response_id = base64.urlsafe_b64encode(os.urandom(17)).decode().rstrip("=")
        prompt = gemini_prompt_tokens(body)

        call: dict | None = None
        words: list[str] = []
        if body.get("tools") and reply.startswith("TOOL:"):
            name, args = _tool_reply(reply)
            if name is None:
                name = "tool"
                for t in body["tools"] if isinstance(body["tools"], list) else []:
                    decls = t.get("functionDeclarations") or t.get("function_declarations") if isinstance(t, dict) else None
                    if isinstance(decls, list) and decls and isinstance(decls[0], dict) and decls[0].get("name"):
                        name = decls[0]["name"]
                        break
            call = {"functionCall": {"name": name, "args": args}, "thoughtSignature": _THOUGHT_SIGNATURE}
            candidates = _words(reply[len("TOOL:"):])
            finish = "STOP"
        else:
            config = body.get("generationConfig") if isinstance(body.get("generationConfig"), dict) else {}
            words, cut = _truncate(reply, _limit(config, "maxOutputTokens"))
            candidates = len(words)
            finish = "MAX_TOKENS" if cut else "STOP"

        def response(parts: list, finish_reason: str | None, usage: dict | None) -> dict:
            cand: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
            if finish_reason is not None:
                cand["finishReason"] = finish_reason
            cand["index"] = 0
            obj: dict[str, Any] = {"candidates": [cand]}
            if usage is not None and not beh.omit_usage:
                obj["usageMetadata"] = usage
            obj["modelVersion"] = model
            obj["responseId"] = response_id
            return obj

        final_usage = self._gemini_usage(prompt, candidates, beh.usage)
        if method == "generateContent":
            parts = [call] if call is not None else [{"text": " ".join(words)}]
            obj = response(parts, finish, final_usage)
            return await self._non_stream(ctx, obj, data=_pretty(obj), headers={"content-type": _JSON})

        # streamGenerateContent: one chunk per word group (or the call + an empty closing chunk)
        chunks: list[dict] = []
        if call is not None:
            chunks.append(response([call], None, self._gemini_usage(prompt, candidates, None)))
            chunks.append(response([{"text": ""}], finish, final_usage))
        else:
            pieces = _word_pieces(words)
            groups = ["".join(pieces[i : i + _WORDS_PER_CHUNK]) for i in range(0, len(pieces), _WORDS_PER_CHUNK)]
            groups = groups or [""]
            done = 0
            for i, text in enumerate(groups):
                last = i == len(groups) - 1
                done += len(text.split())
                usage = final_usage if last else self._gemini_usage(prompt, done, None)
                chunks.append(response([{"text": text}], finish if last else None, usage))

        if ctx.request.query.get("alt") == "sse":
            events = [_sse_chunk(c) for c in chunks]
            return await self._stream(ctx, events, _sse_chunk(_MIDSTREAM_ERROR), content_type="text/event-stream",
                                      headers=_SSE_HEADERS)
        elems = [json.dumps(c, indent=2, ensure_ascii=False).replace("<", "\\u003c") for c in chunks]
        events = [("[" if i == 0 else "\n,\r\n").encode() + e.encode() for i, e in enumerate(elems)]
        events.append(b"\n]")
        sep = b"[" if beh.midstream_error_after_chunks == 0 else b"\n,\r\n"
        error = sep + json.dumps(_MIDSTREAM_ERROR, indent=2).encode() + b"\n]"
        return await self._stream(ctx, events, error, content_type=_JSON)
