"""The self-test's upstream: a tiny OpenAI-dialect HTTP/1.1 server on 127.0.0.1, in its own thread.

It answers `POST /v1/chat/completions` with a fixed reply and usage (PROMPT_TOKENS + COMPLETION_TOKENS),
as JSON or, when the body asks for `"stream": true`, as Server-Sent Events over chunked transfer
encoding ending in `data: [DONE]` (with a usage chunk when `stream_options.include_usage` is set).
Anything else is a 404. Connections are kept alive, one request at a time.
"""

from __future__ import annotations

import asyncio
import json
import threading

MODEL = "selftest-model"
REPLY_PARTS = ("Self-test ", "reply ", "from the built-in upstream.")
REPLY = "".join(REPLY_PARTS)
PROMPT_TOKENS, COMPLETION_TOKENS = 10, 5
USAGE = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
         "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS}
MAX_BODY = 1 << 20


def _json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _head(status: str, content_type: str, extra: str) -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}"
            "Connection: keep-alive\r\n\r\n").encode()


def _plain(status: str, obj) -> bytes:
    body = _json(obj)
    return _head(status, "application/json", f"Content-Length: {len(body)}\r\n") + body


def _event(obj) -> bytes:
    payload = b"data: " + (obj if isinstance(obj, bytes) else _json(obj)) + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(payload), payload)


def _chunk(delta: dict, finish: str | None = None) -> dict:
    return {"id": "chatcmpl-selftest", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def completion() -> bytes:
    """The whole non-stream answer."""
    return _plain("200 OK", {
        "id": "chatcmpl-selftest", "object": "chat.completion", "created": 1700000000, "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}],
        "usage": USAGE})


def stream(include_usage: bool) -> list[bytes]:
    """The stream's pieces, written one by one: head, a chunk per part, finish, usage, [DONE], end."""
    pieces = [_head("200 OK", "text/event-stream", "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n")]
    for i, part in enumerate(REPLY_PARTS):
        pieces.append(_event(_chunk({"role": "assistant", "content": part} if i == 0 else {"content": part})))
    pieces.append(_event(_chunk({}, "stop")))
    if include_usage:
        pieces.append(_event({**_chunk({}), "choices": [], "usage": USAGE}))
    pieces.append(_event(b"[DONE]") + b"0\r\n\r\n")
    return pieces


NOT_FOUND = _plain("404 Not Found", {"error": {"message": "not found", "type": "invalid_request_error"}})
BAD_REQUEST = _plain("400 Bad Request", {"error": {"message": "bad request", "type": "invalid_request_error"}})


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
    """(method, path, body) of the next request, or None when the client is gone or sent no length."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None  # the gateway always sends a length; anything else is not worth parsing here
    length = int(headers.get("content-length", "0") or 0)
    if not 0 <= length <= MAX_BODY:
        return None
    body = await reader.readexactly(length) if length else b""
    return parts[0], parts[1].split("?", 1)[0], body


def _answer(method: str, path: str, body: bytes) -> list[bytes]:
    if method != "POST" or path != "/v1/chat/completions":
        return [NOT_FOUND]
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return [BAD_REQUEST]
    if not isinstance(request, dict):
        return [BAD_REQUEST]
    if request.get("stream") is True:
        options = request.get("stream_options")
        return stream(isinstance(options, dict) and options.get("include_usage") is True)
    return [completion()]


class SelfTestUpstream:
    """`start()` returns once it listens; `url` is its base URL; `stop()` ends the thread."""

    def __init__(self) -> None:
        self.port = 0
        self.requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="selftest-upstream", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 5.0) -> "SelfTestUpstream":
        self._thread.start()
        if not self._ready.wait(timeout) or not self.port:
            raise RuntimeError("the self-test's upstream did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5.0)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except OSError:
            pass  # could not listen: start() says so
        finally:
            self._ready.set()  # start() must not wait out its timeout when binding failed

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await _read_request(reader)) is not None:
                self.requests += 1
                for piece in _answer(*request):
                    writer.write(piece)
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
