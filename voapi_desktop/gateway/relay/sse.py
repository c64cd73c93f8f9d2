"""Relay an SSE stream event by event: watch usage, errors and the terminator, keep the
text for a local count, withhold or add the usage chunk. Events are never re-framed."""

from __future__ import annotations

from typing import Callable

import orjson

from ..dialects.sse_events import parse_event, split_events
from .usage import Usage, usage_from

DONE = b"data: [DONE]\n\n"
MAX_KEPT_TEXT = 4 * 1024 * 1024  # bytes of content events kept for counting when usage is missing


class SseRelay:
    """Fed the raw upstream bytes in order; returns what to forward to the client."""

    def __init__(self, withhold_usage_chunk: bool = False,
                 usage_chunk: Callable[["SseRelay"], bytes] | None = None) -> None:
        self.withhold_usage_chunk = withhold_usage_chunk  # we asked for usage, the client did not
        self.usage_chunk = usage_chunk  # the client asked for usage: make one if the upstream sends none
        self.usage: Usage | None = None
        self.done = False
        self.error: dict | None = None
        self.first_payload: bytes = b""
        self.payloads: list[bytes] = []  # data of content events, for a local count
        self._kept = 0
        self._partial = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._partial + chunk
        events = split_events(data)
        self._partial = events.pop()
        tail = data[len(data) - len(self._partial):] if self._partial else b""
        body = data[:len(data) - len(tail)]
        if not self.withhold_usage_chunk and not self.usage_chunk:
            for event in events:
                self._watch(event)
            return body  # nothing to change: forward the bytes exactly as they came
        return b"".join(self._relay(event) for event in events)

    def finish(self) -> bytes:
        """Whatever is left when the upstream closed (an event without its blank line)."""
        rest, self._partial = self._partial, b""
        if rest.strip():
            self._watch(rest)
        return rest

    def _relay(self, event: bytes) -> bytes:
        kind = self._watch(event)
        framed = event + b"\n\n"
        if kind == "usage_only" and self.withhold_usage_chunk:
            return b""
        if kind == "done" and self.usage is None and self.usage_chunk is not None:
            return self.usage_chunk(self) + framed
        return framed

    def _watch(self, event: bytes) -> str:
        parsed = parse_event(event)
        payload = parsed[1] if parsed else None
        if not payload:
            return ""
        if payload == b"[DONE]":
            self.done = True
            return "done"
        if not self.first_payload:
            self.first_payload = payload
        if self._kept < MAX_KEPT_TEXT and (b'"content"' in payload or b'"text"' in payload
                                           or b'"delta"' in payload or b'"arguments"' in payload):
            self.payloads.append(payload)
            self._kept += len(payload)
        if b'"usage"' not in payload and b'"error"' not in payload and b'"type":"response.' not in payload \
                and b'"type": "response.' not in payload:
            return ""
        return self._inspect(payload)

    def _inspect(self, payload: bytes) -> str:
        try:
            obj = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return ""
        if not isinstance(obj, dict):
            return ""
        kind = obj.get("type")
        if isinstance(obj.get("error"), dict) and "choices" not in obj:
            self.error = obj["error"]
        elif kind in ("response.failed", "error"):
            self.error = obj.get("error") or obj
        if kind in ("response.completed", "response.incomplete"):
            self.done = True
        usage = usage_from(obj)
        if usage is None:
            return ""
        self.usage = usage
        return "usage_only" if not obj.get("choices") and kind is None else "usage"


def streamed_text(payloads: list[bytes]) -> str:
    """The generated text in kept content events (chat, completions, Responses API)."""
    parts: list[str] = []
    for payload in payloads:
        try:
            obj = orjson.loads(payload)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(obj, dict):
            continue
        if obj.get("type") == "response.output_text.delta" and isinstance(obj.get("delta"), str):
            parts.append(obj["delta"])
        for choice in obj.get("choices") or ():
            if isinstance(choice, dict):
                parts.extend(_choice_text(choice.get("delta") or choice))
    return "".join(parts)


def _choice_text(part: dict) -> list[str]:
    texts = [part[name] for name in ("content", "text", "reasoning_content") if isinstance(part.get(name), str)]
    for call in part.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            texts += [function[n] for n in ("name", "arguments") if isinstance(function.get(n), str)]
    return texts


def error_event(endpoint_name: str, message: str, code: str = "upstream_error") -> bytes:
    """The event that ends a stream that broke after its first byte, terminator included."""
    if endpoint_name == "responses":
        body = orjson.dumps({"type": "error", "code": code, "message": message, "param": None})
        return b"event: error\ndata: " + body + b"\n\n"
    body = orjson.dumps({"error": {"message": message, "type": "upstream_error", "param": None, "code": code}})
    return b"data: " + body + b"\n\n" + DONE
