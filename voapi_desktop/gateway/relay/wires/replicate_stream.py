"""Replicate's prediction stream (`urls.stream`, server-sent events) as OpenAI chat chunks (see replicate.py).

`ReplicateEvents` splits the SSE into (event, text); `ReplicateStream` turns `output` / `error` / `done`
events into chat.completion.chunk frames, ending with [DONE] or an error event.
"""

from __future__ import annotations

import time
import uuid

import orjson

from ...dialects.sse_events import SseEvents
from ..context import RelayContext
from ..sse import error_event
from ..usage import Usage
from .base import json_or_none

class ReplicateEvents:
    """Replicate's SSE as (event, text): unnamed events are "message"; comments (":408 ...") skipped."""

    def __init__(self) -> None:
        self._events = SseEvents()

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        return self._named(self._events.feed(chunk))

    def rest(self) -> list[tuple[str, str]]:
        return self._named(self._events.rest())

    @staticmethod
    def _named(events) -> list[tuple[str, str]]:
        return [(name or "message", data.decode("utf-8", "replace")) for name, data in events]


class ReplicateStream:
    """Replicate's `output` / `error` / `done` events as OpenAI chat chunks."""

    def __init__(self, ctx: RelayContext, local_usage) -> None:
        self.ctx, self.local_usage = ctx, local_usage  # local_usage: () -> Usage counted locally
        self.events = ReplicateEvents()
        self.id, self.created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        self.error: dict | None = None
        self._text: list[str] = []
        self._closed = False  # the terminator (or an error event) went out

    @property
    def done(self) -> bool:
        return self._closed

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._on(name, data) for name, data in self.events.feed(chunk))

    def finish(self) -> bytes:
        return b"".join(self._on(name, data) for name, data in self.events.rest())

    def _chunk(self, delta: dict | None, finish: str | None = None, usage: Usage | None = None) -> bytes:
        chunk: dict = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                       "model": self.ctx.request.model,
                       "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if usage is not None:
            chunk["usage"] = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                              "total_tokens": usage.total_tokens}
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    def _on(self, name: str, data: str) -> bytes:
        if self._closed:
            return b""
        if name == "output":
            if not data:
                return b""
            delta = {"content": data} if self._text else {"role": "assistant", "content": data}
            self._text.append(data)
            return self._chunk(delta)
        if name == "error":
            detail = json_or_none(data.encode())
            message = detail.get("detail") if isinstance(detail, dict) else data
            self.error = {"message": str(message or "the prediction failed")}
            return self.error_event(f"the model run failed: {self.error['message']}")
        if name == "done":
            reason = json_or_none(data.encode()) if data else {}
            reason = reason.get("reason") if isinstance(reason, dict) else None
            if reason:
                self.error = {"message": f"the prediction ended: {reason}"}
                return self.error_event(f"the prediction ended before it finished ({reason})")
            self._closed = True
            out = [self._chunk({}, "stop")]
            if self.ctx.request.client_wants_usage:
                out.append(self._chunk(None, usage=self.local_usage()))
            return b"".join(out) + b"data: [DONE]\n\n"
        return b""

    def has_content(self) -> bool:
        return bool(self._text)

    def usage(self) -> Usage | None:
        return None  # Replicate's stream carries no token counts: the pipeline counts locally

    def text(self) -> str:
        return "".join(self._text)

    def error_event(self, message: str, code: str = "upstream_error") -> bytes:
        self._closed = True
        return error_event("chat", message, code)

    def ending(self) -> bytes:
        return self.error_event("the upstream closed the stream before it finished")
