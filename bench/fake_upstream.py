"""A fake OpenAI-dialect upstream for the benchmark: a raw asyncio HTTP/1.1 server, no framework.

    python bench/fake_upstream.py --port 0 --chunks 20 --delay-ms 5

Prints `listening on <port>` once it accepts connections. Serves:

- POST /v1/chat/completions, non-stream: a fixed small JSON answer with usage (10 prompt + 5 completion
  tokens), Content-Length, keep-alive.
- the same with "stream": true: Server-Sent Events over chunked transfer encoding; `--chunks` content
  chunks, `--delay-ms` apart (the first one at once), then a finish chunk, a usage chunk (choices: [])
  when the request asks for stream_options.include_usage, and `data: [DONE]`.
- GET /stats: JSON counters (requests, streams, non_stream) so the runner can see what reached it.
- anything else: 404.

Its own CPU must stay small next to the gateway's: the answers are prebuilt bytes, the request is only
parsed as JSON when it mentions "stream", and a stream costs one timer per chunk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

PROMPT_TOKENS, COMPLETION_TOKENS = 10, 5
MODEL = "bench-model"
CREATED = 1700000000
COUNTERS = {"requests": 0, "non_stream": 0, "streams": 0, "bad": 0}


def _json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _response(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Connection: keep-alive\r\n\r\n").encode() + body


PLAIN_BODY = _json({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": CREATED, "model": MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help you today?"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
              "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS},
})
PLAIN_RESPONSE = _response("200 OK", PLAIN_BODY)
NOT_FOUND = _response("404 Not Found", _json({"error": {"message": "not found", "type": "invalid_request_error"}}))
BAD_REQUEST = _response("400 Bad Request", _json({"error": {"message": "bad request",
                                                            "type": "invalid_request_error"}}))
STREAM_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n")


def _chunk(payload: bytes) -> bytes:
    """One HTTP chunk holding one SSE event."""
    event = b"data: " + payload + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(event), event)


def _delta(delta: dict, finish=None) -> bytes:
    return _chunk(_json({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": CREATED,
                         "model": MODEL, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}))


FIRST_CHUNK = _delta({"role": "assistant", "content": "tok0 "})
CONTENT_CHUNK = _delta({"content": "tok "})
FINISH_CHUNK = _delta({}, "stop")
USAGE_CHUNK = _chunk(_json({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": CREATED,
                            "model": MODEL, "choices": [],
                            "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
                                      "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS}}))
DONE_AND_END = _chunk(b"[DONE]") + b"0\r\n\r\n"


class Upstream(asyncio.Protocol):
    """One client connection: requests are handled one at a time, in order (pipelining tolerated)."""

    chunks = 20
    delay = 0.005

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy = False  # a stream is being written: later requests wait for it
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self.process()

    def process(self) -> None:
        while not self.busy and not self.closed:
            request = self.next_request()
            if request is None:
                return
            self.handle(*request)

    def next_request(self):
        """(method, path, headers bytes, body) of the next complete request, or None."""
        buffer = self.buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(buffer[:end])
        lower = head.lower()
        start = end + 4
        length_at = lower.find(b"\r\ncontent-length:")
        if length_at >= 0:
            line_end = lower.find(b"\r\n", length_at + 2)
            length = int(lower[length_at + 17:line_end if line_end > 0 else len(lower)].strip())
            if len(buffer) < start + length:
                return None
            body = bytes(buffer[start:start + length])
            del buffer[:start + length]
        elif b"\r\ntransfer-encoding: chunked" in lower:
            decoded = _dechunk(buffer, start)
            if decoded is None:
                return None
            body, used = decoded
            del buffer[:used]
        else:
            body = b""
            del buffer[:start]
        first_line = head.split(b"\r\n", 1)[0].split(b" ")
        method = first_line[0]
        path = first_line[1] if len(first_line) > 1 else b"/"
        return method, path, lower, body

    def handle(self, method: bytes, path: bytes, head: bytes, body: bytes) -> None:
        COUNTERS["requests"] += 1
        close = b"\r\nconnection: close" in head
        if method == b"POST" and path.split(b"?", 1)[0] == b"/v1/chat/completions":
            stream, usage = False, False
            if b'"stream"' in body:
                try:
                    parsed = json.loads(body)
                except ValueError:
                    COUNTERS["bad"] += 1
                    self.reply(BAD_REQUEST, close)
                    return
                stream = parsed.get("stream") is True
                options = parsed.get("stream_options")
                usage = isinstance(options, dict) and options.get("include_usage") is True
            if stream:
                COUNTERS["streams"] += 1
                self.busy = True
                asyncio.get_running_loop().create_task(self.stream(usage, close))
                return
            COUNTERS["non_stream"] += 1
            self.reply(PLAIN_RESPONSE, close)
        elif method == b"GET" and path == b"/stats":
            self.reply(_response("200 OK", _json(COUNTERS)), close)
        else:
            self.reply(NOT_FOUND, close)

    def reply(self, data: bytes, close: bool) -> None:
        self.transport.write(data)
        if close:
            self.transport.close()
            self.closed = True

    async def stream(self, usage: bool, close: bool) -> None:
        transport = self.transport
        transport.write(STREAM_HEAD + FIRST_CHUNK)
        for _ in range(self.chunks - 1):
            await asyncio.sleep(self.delay)
            if self.closed:
                return
            transport.write(CONTENT_CHUNK)
        transport.write(FINISH_CHUNK + (USAGE_CHUNK if usage else b"") + DONE_AND_END)
        if close:
            transport.close()
            self.closed = True
            return
        self.busy = False
        self.process()


def _dechunk(buffer: bytearray, start: int):
    """(body, bytes used) of a complete chunked body starting at `start`, or None if incomplete."""
    parts, at = [], start
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";", 1)[0], 16)
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", line_end)
            if trailer_end < 0:
                return None
            return b"".join(parts), trailer_end + 4
        if len(buffer) < line_end + 2 + size + 2:
            return None
        parts.append(bytes(buffer[line_end + 2:line_end + 2 + size]))
        at = line_end + 2 + size + 2


async def serve(host: str, port: int, chunks: int, delay_ms: float) -> None:
    Upstream.chunks = max(chunks, 1)
    Upstream.delay = delay_ms / 1000
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upstream, host, port, backlog=1024, reuse_address=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--chunks", type=int, default=20, help="content chunks per stream")
    parser.add_argument("--delay-ms", type=float, default=5.0, help="milliseconds between content chunks")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the fake upstream listens on loopback only")
    asyncio.run(serve(args.host, args.port, args.chunks, args.delay_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
