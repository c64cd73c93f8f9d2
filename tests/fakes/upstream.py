"""A local fake of the OpenAI HTTP API for the gateway's tests.

``FakeUpstream`` runs an aiohttp server on ``127.0.0.1`` (random port) in its
own thread with its own event loop, so it can be used from plain sync tests
and from tests whose gateway runs in yet another thread/loop::

    with FakeUpstream() as up:
        up.behave("sk-bad", Behaviour.invalid_key())
        client = openai.OpenAI(base_url=up.base_url, api_key="sk-good")
        ...
        assert up.requests[-1].key == "sk-good"

Every request is recorded (``.requests``).  What the fake answers is chosen
per API key (``Authorization: Bearer <key>`` or Azure ``api-key: <key>``) with
``.behave(key, Behaviour(...))``; keys without a behaviour get a normal answer.

The same server also speaks two more dialects, with the same ``Behaviour``
mechanism and the same ``.requests`` recording:

* Anthropic Messages (``POST /v1/messages``, ``/v1/messages/count_tokens``;
  key from ``x-api-key``) – see ``tests/fakes/anthropic_routes.py``;
* Gemini (``POST /v1beta/models/{model}:generateContent``,
  ``:streamGenerateContent``, ``:embedContent``, ``:batchEmbedContents``,
  ``:countTokens``; key from ``x-goog-api-key`` or ``?key=``) – see
  ``tests/fakes/gemini_routes.py``.

Shared helpers live in ``tests/fakes/_common.py`` (re-exported here).

Response shapes follow the real recordings in
``tests/fixtures/upstream/openai/`` (copied from the shared fixture set).

Deterministic token accounting (what the gateway should bill):

* chat: ``prompt_tokens`` = whitespace-separated words in every message's
  content (a string, or the ``text`` of text parts) + 3 per message;
  ``completion_tokens`` = words in the reply (after ``max_tokens`` /
  ``max_completion_tokens`` truncation).
* completions: prompt words (+0 overhead); completion as for chat.
* responses: ``input`` string -> words + 3; ``input`` list -> words + 3 per
  item; ``instructions`` -> words + 3.  ``output_tokens`` = reply words.
* embeddings: words of every input string (token-id lists count their length).
* rerank: ``total_tokens`` = words in the query + words in all documents.
* ``Behaviour.usage`` is merged over the computed numbers (``total_tokens`` is
  recomputed unless given).

Stream chunk counting for the ``*_after_chunks`` options: every SSE event of
the normal stream counts, including the first ``role`` chunk, the finish chunk,
the usage chunk and ``data: [DONE]`` (for the Responses API: every ``event:``
block).  ``N = 0`` acts right after the response headers.  If ``N`` is not
smaller than the number of events the stream is simply sent normally.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import email.parser
import email.policy
import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from ._common import (  # re-exported: other tests import some of these from here
    DEFAULT_REPLY,
    FIXTURES_DIR,
    FIXTURES_ROOT,
    _as_list,
    _compact,
    _content_words,
    _limit,
    _merge_usage,
    _new_id,
    _sse,
    _truncate,
    _vector,
    _word_pieces,
    _words,
    load_fixture,
)
from .anthropic_routes import AnthropicRoutes, is_anthropic_path
from .gemini_routes import GeminiRoutes, is_gemini_path
from .realtime import add_realtime_route

__all__ = ["Behaviour", "FakeUpstream", "Recorded", "FIXTURES_DIR", "FIXTURES_ROOT", "load_fixture"]

DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "text-embedding-3-small", "whisper-1", "dall-e-3"]


def _load_json(name: str) -> Any:
    return json.loads(load_fixture(name))


_JSON_CT = "application/json; charset=utf-8"
_CLOUDFLARE_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""
_CLOUDFLARE_TEMPLATE = """<!DOCTYPE html>
<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""


# --------------------------------------------------------------------------
# public data types
# --------------------------------------------------------------------------


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case keys
    body: bytes
    json: Any | None  # parsed body if it was JSON, else None
    key: str | None  # bearer token or ``api-key`` header value

    @property
    def model(self) -> str | None:
        """``json["model"]`` if present (multipart bodies: None); for Gemini
        routes the model named in the path (``/v1beta/models/<model>:…``)."""
        if isinstance(self.json, dict):
            m = self.json.get("model")
            if isinstance(m, str):
                return m
        g = re.search(r"/models/([^/:]+):", self.path) if is_gemini_path(self.path) else None
        return g.group(1) if g else None


@dataclass
class Behaviour:
    """How the fake answers requests of one API key.

    ``status``/``body``/``headers``: if ``status`` or ``body`` is set the fake
    answers with exactly that (``status`` defaults to 200 when only a body is
    given; a dict/list body is sent as JSON, ``str``/``bytes`` verbatim; a
    status >= 400 without body gets an OpenAI error envelope).  ``headers`` are
    also added to normal answers.

    The same behaviour works on every dialect; how each option looks on the
    Anthropic and Gemini routes is described in ``anthropic_routes.py`` and
    ``gemini_routes.py``.  ``preset`` is set by the helper constructors
    (``"error"``, ``"invalid_key"``, ``"insufficient_quota"``,
    ``"rate_limited"``, ``"html"``) so those routes can answer in their own
    error envelope instead of the OpenAI body; ``None`` = send ``body`` as is.
    """

    status: int | None = None
    body: bytes | str | dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)
    first_byte_delay: float = 0.0  # seconds before the response headers
    chunk_delay: float = 0.0  # seconds between stream events
    stall_after_chunks: int | None = None  # send N events, then hang
    stall_seconds: float = 30.0  # ...until the client leaves, this elapses (then the stream continues) or stop()
    reset_after_chunks: int | None = None  # send N events, then TCP RST
    truncate_after_chunks: int | None = None  # send N events, then clean EOF (no finish chunk / [DONE])
    trickle_bytes: int | None = None  # write each stream event in pieces of N bytes, chunk_delay before each piece
    midstream_error_after_chunks: int | None = None  # send N events, then `data: {"error": ...}` and EOF
    midstream_event: bytes | None = None  # with midstream_error_after_chunks: these bytes instead of the error
    omit_usage: bool = False  # no usage anywhere (body usage absent, no usage chunk)
    non_json_200: bool = False  # 200 text/plain with a non-JSON body
    reply: str | None = None  # answer text (default DEFAULT_REPLY)
    usage: dict | None = None  # merged over the computed usage
    count: int | None = None  # only the next N requests of the key, then normal
    preset: str | None = None  # which helper built this (lets other dialects translate it)

    # -- helper constructors ------------------------------------------------

    @classmethod
    def error(
        cls,
        status: int,
        type_: str = "invalid_request_error",
        code: str | None = None,
        message: str = "Fake upstream error.",
        **kw: Any,
    ) -> "Behaviour":
        """Answer ``status`` with the OpenAI error envelope."""
        body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
        return cls(status=status, body=body, preset="error", **kw)

    @classmethod
    def html(cls, status: int = 502, **kw: Any) -> "Behaviour":
        """A Cloudflare-like HTML error page (``text/html``)."""
        if status == 502:
            page = _CLOUDFLARE_502
        else:
            from http import HTTPStatus

            try:
                reason = HTTPStatus(status).phrase
            except ValueError:
                reason = "Error"
            page = _CLOUDFLARE_TEMPLATE.format(status=status, reason=reason)
        headers = {"content-type": "text/html", "server": "cloudflare", **kw.pop("headers", {})}
        return cls(status=status, body=page, headers=headers, preset="html", **kw)

    @classmethod
    def invalid_key(cls, **kw: Any) -> "Behaviour":
        """401 ``invalid_api_key`` exactly as recorded (chat/completions).
        Anthropic routes: the recorded 401 ``authentication_error``; Gemini
        routes: the recorded HTTP 400 ``API_KEY_INVALID``."""
        return cls(status=401, body=load_fixture("error_401_invalid_api_key.json"), preset="invalid_key", **kw)

    @classmethod
    def insufficient_quota(cls, **kw: Any) -> "Behaviour":
        """429 ``insufficient_quota`` exactly as recorded (do not retry)."""
        return cls(status=429, body=load_fixture("error_429_insufficient_quota.json"), preset="insufficient_quota", **kw)

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1, **kw: Any) -> "Behaviour":
        """429 ``rate_limit_exceeded`` as recorded, plus ``retry-after`` (if not None)."""
        headers = dict(kw.pop("headers", {}))
        if retry_after is not None:
            ra = int(retry_after) if float(retry_after).is_integer() else retry_after
            headers.setdefault("retry-after", str(ra))
        return cls(status=429, body=load_fixture("error_429_rate_limit.json"), headers=headers,
                   preset="rate_limited", **kw)

    @property
    def is_canned(self) -> bool:
        return self.status is not None or self.body is not None


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


class _ClientGone(Exception):
    pass


def _chat_prompt_tokens(messages: Any) -> int:
    if not isinstance(messages, list):
        return 0
    return sum(_content_words(m.get("content")) + 3 for m in messages if isinstance(m, dict))


def _responses_input_tokens(body: dict) -> int:
    n = 0
    inp = body.get("input")
    if isinstance(inp, str):
        n += _words(inp) + 3
    elif isinstance(inp, list):
        for item in inp:
            if isinstance(item, dict):
                n += _content_words(item.get("content")) + 3
            elif isinstance(item, str):
                n += _words(item) + 3
    if isinstance(body.get("instructions"), str):
        n += _words(body["instructions"]) + 3
    return n


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str | None, bytes]]]:
    """Return (fields, files) of a multipart/form-data body."""
    fields: dict[str, str] = {}
    files: dict[str, tuple[str | None, bytes]] = {}
    if not content_type.lower().startswith("multipart/"):
        return fields, files
    raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    if not msg.is_multipart():
        return fields, files
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            files.setdefault(name, (filename, payload))
        else:
            fields.setdefault(name, payload.decode("utf-8", "replace"))
    return fields, files


_MIDSTREAM_ERROR_LINE = None


def _midstream_error_data() -> str:
    """The recorded bare ``{"error": ...}`` JSON (Python-style spacing)."""
    global _MIDSTREAM_ERROR_LINE
    if _MIDSTREAM_ERROR_LINE is None:
        lines = [ln for ln in load_fixture("chat_stream_midstream_error.sse").decode().splitlines() if ln.startswith("data: ")]
        _MIDSTREAM_ERROR_LINE = lines[-1][len("data: ") :]
    return _MIDSTREAM_ERROR_LINE


_RESPONSE_TEMPLATE = None


def _response_template() -> dict:
    """The ``response`` object of the recorded ``response.created`` event."""
    global _RESPONSE_TEMPLATE
    if _RESPONSE_TEMPLATE is None:
        text = load_fixture("responses_stream.sse").decode()
        for line in text.splitlines():
            if line.startswith("data: "):
                _RESPONSE_TEMPLATE = json.loads(line[6:])["response"]
                break
    return copy.deepcopy(_RESPONSE_TEMPLATE)


_AUDIO_CT = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


# --------------------------------------------------------------------------
# the fake
# --------------------------------------------------------------------------


class FakeUpstream(AnthropicRoutes, GeminiRoutes):
    """Fake OpenAI-compatible (and Anthropic / Gemini) upstream in a background thread.

    Attributes read by tests (written by the server thread):
    ``requests`` (list[Recorded]), ``disconnects`` (requests the client abandoned
    before the fake finished answering), ``active_streams``,
    ``completed_streams``.  ``models`` (list[str]) and ``speech_bytes`` (int)
    may be changed at any time.
    """

    def __init__(self, *, models: list[str] | None = None, speech_bytes: int = 4096) -> None:
        self.models: list[str] = list(models) if models is not None else list(DEFAULT_MODELS)
        self.speech_bytes = speech_bytes
        self.requests: list[Recorded] = []
        self.disconnects = 0
        self.active_streams = 0
        self.completed_streams = 0
        self._lock = threading.Lock()
        self._behaviours: dict[str, Behaviour] = {}
        self._remaining: dict[str, int] = {}
        self._required_keys: set[str] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._started = threading.Event()
        self._startup_error: BaseException | None = None
        self._closing = False
        self.port: int | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> "FakeUpstream":
        if self._thread is not None:
            raise RuntimeError("FakeUpstream already started")
        self._closing = False
        self._startup_error = None
        self._started.clear()
        self._thread = threading.Thread(target=self._run, name="fake-upstream", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("FakeUpstream did not start")
        if self._startup_error is not None:
            self._thread.join(5)
            self._thread = None
            raise RuntimeError("FakeUpstream failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._closing = True
        loop, ev = self._loop, self._stop_event
        if loop is not None and ev is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(ev.set)
            except RuntimeError:  # loop already closed
                pass
        thread.join(15)
        self._thread = None

    def __enter__(self) -> "FakeUpstream":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeUpstream not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._startup_error = exc
            self._started.set()
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    async def _serve(self) -> None:
        self._stop_event = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        add_realtime_route(app, self)  # before the catch-all route
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = runner.addresses[0][1]
            self._started.set()
            await self._stop_event.wait()
        finally:
            await runner.cleanup()

    # -- configuration (test thread) ---------------------------------------

    def behave(self, key: str, behaviour: Behaviour) -> "FakeUpstream":
        """Answer requests carrying ``key`` with ``behaviour`` (replaces any
        previous one).  ``key="*"`` applies to every key (and keyless requests)
        that has no behaviour of its own."""
        with self._lock:
            self._behaviours[key] = behaviour
            if behaviour.count is not None:
                self._remaining[key] = behaviour.count
            else:
                self._remaining.pop(key, None)
        return self

    def normal(self, key: str) -> "FakeUpstream":
        """Forget the behaviour of ``key``."""
        with self._lock:
            self._behaviours.pop(key, None)
            self._remaining.pop(key, None)
        return self

    def require_keys(self, keys: set[str] | list[str] | tuple[str, ...] | None) -> "FakeUpstream":
        """Only these keys are valid; others get the recorded 401 body.
        ``None`` switches key validation off again."""
        with self._lock:
            self._required_keys = set(keys) if keys is not None else None
        return self

    def clear(self) -> None:
        """Forget recorded requests and reset the counters."""
        self.requests.clear()
        self.disconnects = 0
        self.completed_streams = 0

    def reset(self) -> None:
        """``clear()`` plus forget behaviours and ``require_keys``."""
        self.clear()
        with self._lock:
            self._behaviours.clear()
            self._remaining.clear()
            self._required_keys = None

    def requests_for(self, key: str | None) -> list[Recorded]:
        return [r for r in list(self.requests) if r.key == key]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> bool:
        """Poll ``predicate()`` in the calling thread; True once it is truthy,
        False after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return bool(predicate())
            time.sleep(interval)

    async def wait_for_async(self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> bool:
        """Like ``wait_for`` but sleeps with ``asyncio.sleep`` (for async tests)."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return bool(predicate())
            await asyncio.sleep(interval)

    def _take_behaviour(self, key: str | None) -> Behaviour | None:
        with self._lock:
            for k in ((key,) if key is not None else ()) + ("*",):
                beh = self._behaviours.get(k)
                if beh is None:
                    continue
                if k in self._remaining:
                    left = self._remaining[k]
                    if left <= 0:
                        self._behaviours.pop(k, None)
                        self._remaining.pop(k, None)
                        continue
                    self._remaining[k] = left - 1
                    if left - 1 <= 0:
                        self._behaviours.pop(k, None)
                        self._remaining.pop(k, None)
                return beh
            return None

    # -- request plumbing (server thread) ----------------------------------

    @staticmethod
    def _client_gone(request: web.Request) -> bool:
        tr = request.transport
        return tr is None or tr.is_closing()

    async def _pause(self, request: web.Request, seconds: float) -> None:
        """Sleep ``seconds``; raise _ClientGone if the client leaves; return
        early when the fake is stopping."""
        deadline = time.monotonic() + seconds
        while True:
            if self._client_gone(request):
                raise _ClientGone()
            left = deadline - time.monotonic()
            if left <= 0 or self._closing:
                return
            await asyncio.sleep(min(0.01, left))

    @staticmethod
    def _abort(request: web.Request) -> None:
        tr = request.transport
        if tr is None:
            return
        sock = tr.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        tr.abort()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        parsed: Any = None
        if body and "json" in headers.get("content-type", "json"):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        key = None
        auth = headers.get("authorization", "")
        bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        if is_anthropic_path(request.path):
            key = headers.get("x-api-key") or bearer
        elif is_gemini_path(request.path):
            key = headers.get("x-goog-api-key") or request.query.get("key") or bearer
        elif bearer is not None:
            key = bearer
        elif "api-key" in headers:
            key = headers["api-key"]
        rec = Recorded(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=headers,
            body=body,
            json=parsed,
            key=key,
        )
        self.requests.append(rec)

        beh = self._take_behaviour(key) or Behaviour()
        try:
            if beh.first_byte_delay > 0:
                await self._pause(request, beh.first_byte_delay)
            return await self._answer(request, rec, beh)
        except _ClientGoneQuiet:
            return web.Response(status=499)
        except _ClientGone:
            self.disconnects += 1
            return web.Response(status=499)

    async def _answer(self, request: web.Request, rec: Recorded, beh: Behaviour) -> web.StreamResponse:
        path = rec.path
        if is_anthropic_path(path):
            return await self._anthropic_answer(request, rec, beh)
        if is_gemini_path(path):
            return await self._gemini_answer(request, rec, beh)
        deployment = None
        m = re.fullmatch(r"/openai/deployments/([^/]+)(/.*)", path)
        if m:
            deployment, sub = m.group(1), m.group(2)
        elif path.startswith("/openai/v1/"):
            sub = path[len("/openai/v1") :]
        elif path.startswith("/v1/"):
            sub = path[len("/v1") :]
        else:
            sub = path
        sub = sub.rstrip("/") or "/"

        with self._lock:
            required = self._required_keys
        if required is not None and rec.key not in required:
            name, extra = "error_401_invalid_api_key.json", {}
            if sub == "/completions":
                name = "error_401_invalid_api_key_completions.json"
            elif sub.startswith("/responses"):
                name, extra = "error_401_responses_api.json", {"www-authenticate": 'Bearer realm="OpenAI API"'}
            return self._raw(401, load_fixture(name), {"content-type": _JSON_CT, **extra})

        if beh.is_canned:
            return self._canned(beh)
        if beh.non_json_200:
            return web.Response(
                status=200,
                body=b"upstream says hi, but this is not JSON",
                headers={"content-type": "text/plain; charset=utf-8", **beh.headers},
            )

        handler = None
        if request.method == "POST":
            handler = {
                "/chat/completions": self._chat,
                "/completions": self._completions,
                "/embeddings": self._embeddings,
                "/moderations": self._moderations,
                "/images/generations": self._images,
                "/images/edits": self._image_edits,
                "/audio/speech": self._speech,
                "/audio/transcriptions": self._transcription,
                "/audio/translations": self._transcription,
                "/rerank": self._rerank,
                "/responses": self._responses,
            }.get(sub)
        elif request.method == "GET":
            if sub == "/models":
                return self._json(
                    {"object": "list", "data": [self._model_obj(mid) for mid in self.models]}, beh
                )
            if sub.startswith("/models/"):
                mid = sub[len("/models/") :]
                if mid in self.models:
                    return self._json(self._model_obj(mid), beh)
                return self._error(404, "invalid_request_error", "model_not_found",
                                   f"The model '{mid}' does not exist", beh)
        if handler is None:
            return self._error(404, "invalid_request_error", None,
                               f"Invalid URL ({request.method} {path})", beh)

        ctx = _Ctx(request, rec, beh, deployment)
        if handler in (self._image_edits, self._transcription):
            return await handler(ctx)
        if not isinstance(rec.json, dict):
            return self._error(400, "invalid_request_error", None,
                               "We could not parse the JSON body of your request.", beh)
        return await handler(ctx)

    # -- response builders ---------------------------------------------------

    @staticmethod
    def _raw(status: int, body: bytes, headers: dict[str, str]) -> web.Response:
        return web.Response(status=status, body=body, headers=headers)

    def _canned(self, beh: Behaviour) -> web.Response:
        status = beh.status if beh.status is not None else 200
        headers = {k.lower(): v for k, v in beh.headers.items()}
        body = beh.body
        if body is None and status >= 400:
            body = {"error": {"message": f"Fake upstream error {status}.", "type": "server_error"
                              if status >= 500 else "invalid_request_error", "param": None, "code": None}}
        if isinstance(body, (dict, list)):
            data = json.dumps(body, indent=4).encode() + b"\n"
            headers.setdefault("content-type", _JSON_CT)
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body or b""
        if "content-type" not in headers:
            headers["content-type"] = _JSON_CT if data.lstrip()[:1] in (b"{", b"[") else "text/plain; charset=utf-8"
        return web.Response(status=status, body=data, headers=headers)

    @staticmethod
    def _json(obj: Any, beh: Behaviour, status: int = 200, indent: int | None = 2) -> web.Response:
        data = json.dumps(obj, indent=indent, ensure_ascii=False).encode()
        headers = {"content-type": "application/json", **beh.headers}
        return web.Response(status=status, body=data, headers=headers)

    def _error(self, status: int, type_: str, code: str | None, message: str, beh: Behaviour) -> web.Response:
        body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
        return web.Response(
            status=status,
            body=json.dumps(body, indent=4).encode() + b"\n",
            headers={"content-type": _JSON_CT, **beh.headers},
        )

    @staticmethod
    def _model_obj(mid: str) -> dict:
        return {"id": mid, "object": "model", "created": 1700000000, "owned_by": "fake-upstream"}

    async def _non_stream(
        self, ctx: "_Ctx", obj: Any, *, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> web.StreamResponse:
        """Non-stream answer honouring reset/stall behaviours.  ``data`` (with
        ``headers``, which must include the content type) replaces the default
        2-space-indented JSON encoding of ``obj``."""
        beh = ctx.beh
        if beh.reset_after_chunks is not None:
            self._abort(ctx.request)
            raise _ClientGoneQuiet()
        if beh.stall_after_chunks is not None:
            await self._pause(ctx.request, beh.stall_seconds)
        if data is None:
            return self._json(obj, beh)
        return web.Response(status=200, body=data, headers={**(headers or {}), **beh.headers})

    async def _stream(
        self,
        ctx: "_Ctx",
        events: list[bytes],
        error_event: bytes,
        content_type: str = "text/event-stream; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> web.StreamResponse:
        request, beh = ctx.request, ctx.beh
        resp = web.StreamResponse(status=200)
        resp.headers["content-type"] = content_type
        if content_type.startswith("text/event-stream"):
            resp.headers["cache-control"] = "no-cache"
        for k, v in (headers or {}).items():
            resp.headers[k] = v
        for k, v in beh.headers.items():
            resp.headers[k] = v
        self.active_streams += 1
        try:
            await resp.prepare(request)
            for i, ev in enumerate(events):
                if beh.reset_after_chunks == i:
                    self._abort(request)
                    return resp
                if beh.truncate_after_chunks == i:
                    await resp.write_eof()
                    return resp
                if beh.midstream_error_after_chunks == i:
                    await resp.write(beh.midstream_event if beh.midstream_event is not None else error_event)
                    await resp.write_eof()
                    return resp
                if beh.stall_after_chunks == i:
                    await self._pause(request, beh.stall_seconds)
                elif i and beh.chunk_delay > 0 and not beh.trickle_bytes:
                    await self._pause(request, beh.chunk_delay)
                if self._client_gone(request):
                    raise _ClientGone()
                if beh.trickle_bytes:
                    await self._trickle(request, resp, ev, beh)
                else:
                    await resp.write(ev)
            await resp.write_eof()
            self.completed_streams += 1
        except (ConnectionResetError, _ClientGone):
            self.disconnects += 1
        finally:
            self.active_streams -= 1
        return resp

    async def _trickle(self, request: web.Request, resp: web.StreamResponse, event: bytes, beh: Behaviour) -> None:
        """A slow link: the event in pieces of ``trickle_bytes``, ``chunk_delay`` before each."""
        for start in range(0, len(event), beh.trickle_bytes):
            await self._pause(request, beh.chunk_delay)
            await resp.write(event[start:start + beh.trickle_bytes])

    # -- endpoints -----------------------------------------------------------

    async def _chat(self, ctx: "_Ctx") -> web.StreamResponse:
        body, beh = ctx.json, ctx.beh
        model = ctx.model
        reply = beh.reply if beh.reply is not None else DEFAULT_REPLY
        cid = _new_id("chatcmpl-fake")
        created = int(time.time())
        prompt_tokens = _chat_prompt_tokens(body.get("messages"))

        tool_call = None
        if body.get("tools") and reply.startswith("TOOL:"):
            tool_call = self._parse_tool(reply, body)

        if tool_call is not None:
            name, args = tool_call
            completion_tokens = _words(reply[len("TOOL:"):])
            finish = "tool_calls"
            words: list[str] = []
        else:
            words, cut = _truncate(reply, _limit(body, "max_completion_tokens", "max_tokens"))
            completion_tokens = len(words)
            finish = "length" if cut else "stop"
        usage = _merge_usage(
            {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            beh.usage,
            "prompt_tokens",
            "completion_tokens",
        )
        call_id = _new_id("call_fake")

        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": " ".join(words), "refusal": None, "annotations": []}
            if tool_call is not None:
                message["content"] = None
                message["tool_calls"] = [
                    {"id": call_id, "type": "function", "function": {"name": tool_call[0], "arguments": tool_call[1]}}
                ]
            obj: dict[str, Any] = {
                "id": cid,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                "usage": usage,
                "service_tier": "default",
                "system_fingerprint": "fp_fake",
            }
            if beh.omit_usage:
                del obj["usage"]
            return await self._non_stream(ctx, obj)

        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict | None, finish_reason: str | None = None, choices: list | None = None, usage_: Any = None) -> bytes:
            c: dict[str, Any] = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "service_tier": "default",
                "system_fingerprint": "fp_fake",
                "choices": choices
                if choices is not None
                else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }
            if include_usage:
                c["usage"] = usage_
            return _sse(c)

        events: list[bytes] = []
        if tool_call is not None:
            name, args = tool_call
            events.append(
                chunk(
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
                        ],
                        "refusal": None,
                    }
                )
            )
            step = max(1, (len(args) + 2) // 3)
            for i in range(0, len(args), step):
                events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": args[i : i + step]}}]}))
        else:
            events.append(chunk({"role": "assistant", "content": "", "refusal": None}))
            for piece in _word_pieces(words):
                events.append(chunk({"content": piece}))
        events.append(chunk({}, finish))
        if include_usage and not beh.omit_usage:
            events.append(chunk(None, choices=[], usage_=usage))
        events.append(b"data: [DONE]\n\n")
        return await self._stream(ctx, events, _sse(_midstream_error_data()))

    @staticmethod
    def _parse_tool(reply: str, body: dict) -> tuple[str, str]:
        """``"TOOL:name {json}"`` -> (name, arguments).  Without a name the first
        tool of the request is used; without JSON the arguments are ``{}``."""
        rest = reply[len("TOOL:"):].strip()
        name, _, args = rest.partition(" ")
        if not name or name.startswith("{"):
            args = rest
            first = body["tools"][0] if isinstance(body["tools"], list) and body["tools"] else {}
            name = (first.get("function") or {}).get("name") or first.get("name") or "tool"
        args = args.strip() or "{}"
        return name, args

    async def _completions(self, ctx: "_Ctx") -> web.StreamResponse:
        body, beh = ctx.json, ctx.beh
        model = ctx.model
        reply = beh.reply if beh.reply is not None else DEFAULT_REPLY
        cid = _new_id("cmpl-fake")
        created = int(time.time())
        prompt_tokens = sum(_words(p) if isinstance(p, str) else 0 for p in _as_list(body.get("prompt")))
        words, cut = _truncate(reply, _limit(body, "max_tokens"))
        finish = "length" if cut else "stop"
        usage = _merge_usage(
            {"prompt_tokens": prompt_tokens, "completion_tokens": len(words), "total_tokens": prompt_tokens + len(words)},
            beh.usage,
            "prompt_tokens",
            "completion_tokens",
        )
        if not body.get("stream"):
            obj: dict[str, Any] = {
                "id": cid,
                "object": "text_completion",
                "created": created,
                "model": model,
                "choices": [{"text": " ".join(words), "index": 0, "logprobs": None, "finish_reason": finish}],
                "usage": usage,
            }
            if beh.omit_usage:
                del obj["usage"]
            return await self._non_stream(ctx, obj)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(text: str | None, finish_reason: str | None = None, usage_: Any = None) -> bytes:
            c: dict[str, Any] = {
                "id": cid,
                "object": "text_completion",
                "created": created,
                "choices": []
                if text is None
                else [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish_reason}],
                "model": model,
                "system_fingerprint": "fp_fake",
            }
            if include_usage:
                c["usage"] = usage_
            return _sse(c)

        events = [chunk(p) for p in _word_pieces(words)]
        events.append(chunk("", finish))
        if include_usage and not beh.omit_usage:
            events.append(chunk(None, usage_=usage))
        events.append(b"data: [DONE]\n\n")
        return await self._stream(ctx, events, _sse(_midstream_error_data()))

    async def _embeddings(self, ctx: "_Ctx") -> web.StreamResponse:
        body, beh = ctx.json, ctx.beh
        inputs = body.get("input")
        if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and isinstance(inputs[0], int)):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs:
            return self._error(400, "invalid_request_error", None, "'input' is a required property", beh)
        b64 = body.get("encoding_format") == "base64"
        data = []
        tokens = 0
        for i, item in enumerate(inputs):
            if isinstance(item, list):
                tokens += len(item)
                text = " ".join(map(str, item))
            else:
                tokens += _words(item)
                text = str(item)
            vec = _vector(text)
            emb: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode() if b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        usage: dict[str, Any] = {"prompt_tokens": tokens, "total_tokens": tokens}
        if beh.usage:
            usage.update(beh.usage)
            if "total_tokens" not in beh.usage:
                usage["total_tokens"] = usage["prompt_tokens"]
        obj: dict[str, Any] = {"object": "list", "data": data, "model": ctx.model, "usage": usage}
        if beh.omit_usage:
            del obj["usage"]
        return await self._non_stream(ctx, obj)

    async def _moderations(self, ctx: "_Ctx") -> web.StreamResponse:
        obj = _load_json("moderations.json")
        obj["id"] = _new_id("modr-fake")
        if ctx.json.get("model"):
            obj["model"] = ctx.json["model"]
        n = max(1, len(_as_list(ctx.json.get("input"))))
        obj["results"] = [copy.deepcopy(obj["results"][0]) for _ in range(n)]
        return await self._non_stream(ctx, obj)

    def _image_obj(self, n: int, response_format: str | None) -> dict:
        tmpl = _load_json("images_generations_url.json")
        url = tmpl["data"][0]["url"]
        items = []
        for i in range(max(1, n)):
            if response_format == "b64_json":
                items.append({"b64_json": base64.b64encode(b"\x89PNG\r\n\x1a\nfake-image-%d" % i).decode()})
            else:
                items.append({"url": url.replace("img-", f"img-{i}-", 1)})
        return {"created": int(time.time()), "data": items}

    async def _images(self, ctx: "_Ctx") -> web.StreamResponse:
        body = ctx.json
        n = body.get("n") if isinstance(body.get("n"), int) else 1
        return await self._non_stream(ctx, self._image_obj(n, body.get("response_format")))

    async def _image_edits(self, ctx: "_Ctx") -> web.StreamResponse:
        fields, files = _parse_multipart(ctx.rec.headers.get("content-type", ""), ctx.rec.body)
        if not any(k in files for k in ("image", "image[]")):
            return self._error(400, "invalid_request_error", None, "Missing required parameter: 'image'.", ctx.beh)
        if not fields.get("prompt"):
            return self._error(400, "invalid_request_error", None, "Missing required parameter: 'prompt'.", ctx.beh)
        try:
            n = int(fields.get("n", "1"))
        except ValueError:
            n = 1
        return await self._non_stream(ctx, self._image_obj(n, fields.get("response_format")))

    async def _speech(self, ctx: "_Ctx") -> web.StreamResponse:
        fmt = ctx.json.get("response_format") or "mp3"
        size = max(0, int(self.speech_bytes))
        pattern = (b"ID3\x04\x00\x00" + b"fake-audio-" * 8)
        data = (pattern * (size // len(pattern) + 1))[:size]
        parts = 4
        step = max(1, -(-size // parts))
        events = [data[i : i + step] for i in range(0, size, step)] or [b""]
        return await self._stream(ctx, events, b"", content_type=_AUDIO_CT.get(fmt, "audio/mpeg"))

    async def _transcription(self, ctx: "_Ctx") -> web.StreamResponse:
        beh = ctx.beh
        fields, files = _parse_multipart(ctx.rec.headers.get("content-type", ""), ctx.rec.body)
        if "file" not in files:
            return self._error(400, "invalid_request_error", None, "Missing required parameter: 'file'.", beh)
        model = fields.get("model") or ctx.deployment
        if not model:
            return self._error(400, "invalid_request_error", None, "Missing required parameter: 'model'.", beh)
        text = beh.reply if beh.reply is not None else DEFAULT_REPLY
        fmt = fields.get("response_format") or "json"
        if fmt in ("text", "srt", "vtt"):
            if beh.stall_after_chunks is not None:
                await self._pause(ctx.request, beh.stall_seconds)
            return web.Response(status=200, body=(text + "\n").encode(),
                                headers={"content-type": "text/plain; charset=utf-8", **beh.headers})
        obj: dict[str, Any] = {"text": text}
        if fmt == "verbose_json":
            obj = {
                "task": "translate" if ctx.rec.path.endswith("/translations") else "transcribe",
                "language": "english",
                "duration": 1.0,
                "text": text,
                "segments": [],
            }
        if not beh.omit_usage:
            if model.startswith("whisper"):
                usage: dict[str, Any] = {"type": "duration", "seconds": 1}
            else:
                out = _words(text)
                usage = {"type": "tokens", "input_tokens": 10, "output_tokens": out, "total_tokens": 10 + out,
                         "input_token_details": {"text_tokens": 0, "audio_tokens": 10}}
            if beh.usage:
                usage.update(beh.usage)
            obj["usage"] = usage
        return await self._non_stream(ctx, obj)

    async def _rerank(self, ctx: "_Ctx") -> web.StreamResponse:
        body, beh = ctx.json, ctx.beh
        query = body.get("query") if isinstance(body.get("query"), str) else ""
        docs = body.get("documents") if isinstance(body.get("documents"), list) else []
        qwords = set(query.lower().split())
        results = []
        tokens = _words(query)
        for i, d in enumerate(docs):
            text = d if isinstance(d, str) else (d.get("text", "") if isinstance(d, dict) else str(d))
            tokens += _words(text)
            dwords = set(text.lower().split())
            overlap = len(qwords & dwords) / (len(qwords) or 1)
            score = round(0.1 + 0.8 * overlap + 0.001 * (len(docs) - i), 6)
            r: dict[str, Any] = {"index": i, "relevance_score": score}
            if body.get("return_documents"):
                r["document"] = {"text": text}
            results.append(r)
        results.sort(key=lambda r: -r["relevance_score"])
        top_n = body.get("top_n")
        if isinstance(top_n, int) and top_n >= 0:
            results = results[:top_n]
        obj: dict[str, Any] = {"model": ctx.model, "results": results,
                               "usage": {"total_tokens": tokens, **(beh.usage or {})}}
        if beh.omit_usage:
            del obj["usage"]
        return await self._non_stream(ctx, obj)

    async def _responses(self, ctx: "_Ctx") -> web.StreamResponse:
        body, beh = ctx.json, ctx.beh
        reply = beh.reply if beh.reply is not None else DEFAULT_REPLY
        words, cut = _truncate(reply, _limit(body, "max_output_tokens"))
        text = " ".join(words)
        in_tok = _responses_input_tokens(body)
        override = dict(beh.usage or {})
        if "prompt_tokens" in override:
            override.setdefault("input_tokens", override.pop("prompt_tokens"))
        if "completion_tokens" in override:
            override.setdefault("output_tokens", override.pop("completion_tokens"))
        usage = _merge_usage(
            {
                "input_tokens": in_tok,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": len(words),
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": in_tok + len(words),
            },
            override,
            "input_tokens",
            "output_tokens",
        )
        created = int(time.time())
        rid, mid = _new_id("resp_fake"), _new_id("msg_fake")
        resp_obj = _response_template()
        resp_obj.update(
            id=rid,
            created_at=created,
            model=ctx.model,
            instructions=body.get("instructions"),
            max_output_tokens=body.get("max_output_tokens"),
            store=bool(body.get("store", True)),
            tools=body.get("tools") or [],
            metadata=body.get("metadata") or {},
            previous_response_id=body.get("previous_response_id"),
            temperature=body.get("temperature", 1.0),
            top_p=body.get("top_p", 1.0),
        )
        part = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
        item_done = {"id": mid, "type": "message", "status": "completed", "content": [part], "role": "assistant"}
        final = copy.deepcopy(resp_obj)
        final.update(
            status="incomplete" if cut else "completed",
            completed_at=None if cut else created,
            incomplete_details={"reason": "max_output_tokens"} if cut else None,
            output=[item_done],
            usage=None if beh.omit_usage else usage,
            service_tier="default",
        )
        if not body.get("stream"):
            if beh.omit_usage:
                final.pop("usage", None)
            return await self._non_stream(ctx, final)

        seq = iter(range(10**6))

        def ev(type_: str, **fields: Any) -> bytes:
            return _sse({"type": type_, **fields, "sequence_number": next(seq)}, event=type_)

        events = [
            ev("response.created", response=resp_obj),
            ev("response.in_progress", response=resp_obj),
            ev("response.output_item.added", output_index=0,
               item={"id": mid, "type": "message", "status": "in_progress", "content": [], "role": "assistant"}),
            ev("response.content_part.added", content_index=0, item_id=mid, output_index=0,
               part={"type": "output_text", "annotations": [], "logprobs": [], "text": ""}),
        ]
        for piece in _word_pieces(words):
            events.append(ev("response.output_text.delta", content_index=0, delta=piece, item_id=mid,
                             logprobs=[], output_index=0))
        events += [
            ev("response.output_text.done", content_index=0, item_id=mid, logprobs=[], output_index=0, text=text),
            ev("response.content_part.done", content_index=0, item_id=mid, output_index=0, part=part),
            ev("response.output_item.done", output_index=0, item=item_done),
            ev("response.incomplete" if cut else "response.completed", response=final),
        ]
        err = _sse(
            {"type": "error", "code": "server_error", "message": "The server had an error while processing your request. Sorry about that!",
             "param": None, "sequence_number": 0},
            event="error",
        )
        return await self._stream(ctx, events, err)


class _ClientGoneQuiet(_ClientGone):
    """The fake itself aborted the connection (not counted as a disconnect)."""


@dataclass
class _Ctx:
    request: web.Request
    rec: Recorded
    beh: Behaviour
    deployment: str | None

    @property
    def json(self) -> dict:
        return self.rec.json if isinstance(self.rec.json, dict) else {}

    @property
    def model(self) -> str:
        """Azure deployment name, else the requested model."""
        if self.deployment:
            return self.deployment
        m = self.json.get("model")
        return m if isinstance(m, str) else "gpt-4o-mini"
