"""Watch an SSE stream as it is forwarded: usage, errors, the terminator. Never re-frames it."""

from __future__ import annotations

import orjson

from .usage import Usage, usage_from

DONE = b"data: [DONE]\n\n"


class SseWatcher:
    """Fed the raw bytes in order; parses only the lines billing needs."""

    def __init__(self) -> None:
        self._partial = b""
        self.usage: Usage | None = None
        self.done = False
        self.error: dict | None = None
        self.chunks = 0

    def feed(self, chunk: bytes) -> None:
        self.chunks += 1
        data = self._partial + chunk
        if b"\n" not in data:
            self._partial = data
            return
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if line.startswith(b"data:"):
                self._data_line(line[5:].strip())

    def _data_line(self, payload: bytes) -> None:
        if payload == b"[DONE]":
            self.done = True
            return
        if b'"usage"' not in payload and b'"error"' not in payload and b"response.completed" not in payload \
                and b"response.failed" not in payload:
            return
        try:
            obj = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return
        if not isinstance(obj, dict):
            return
        if isinstance(obj.get("error"), dict) and "choices" not in obj:
            self.error = obj["error"]
        kind = obj.get("type")
        if kind == "response.completed":
            self.done = True
        elif kind in ("response.failed", "error"):
            self.error = obj.get("error") or obj
        usage = usage_from(obj)
        if usage is not None:
            self.usage = usage


def error_event(endpoint_name: str, message: str, code: str = "upstream_error") -> bytes:
    """The event that ends a stream that broke after its first byte, terminator included."""
    if endpoint_name == "responses":
        body = orjson.dumps({"type": "error", "code": code, "message": message, "param": None})
        return b"event: error\ndata: " + body + b"\n\n"
    body = orjson.dumps({"error": {"message": message, "type": "upstream_error", "param": None, "code": code}})
    return b"data: " + body + b"\n\n" + DONE
