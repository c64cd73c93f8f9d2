"""Anthropic Messages clients to Anthropic channels: pass-through, usage with cache tokens."""

from __future__ import annotations

import orjson

from ....store.channels import ChannelInfo
from ...dialects.anthropic_openai import anthropic_usage, error_event, format_event
from ...dialects.sse_events import SseEvents
from ..context import RelayContext
from ..usage import Usage, usage_from_counts
from .base import Plain, UpstreamRequest, json_or_none
from .shaping import apply_anthropic_system, drop_fields

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
PASSED_HEADERS = ("anthropic-beta",)


def anthropic_url(channel: ChannelInfo) -> str:
    base = channel.effective_base_url or DEFAULT_BASE_URL
    return base + ("/messages" if base.endswith("/v1") else "/v1/messages")


def anthropic_headers(channel: ChannelInfo, key: str, client_headers) -> dict[str, str]:
    headers = {"x-api-key": key, "Content-Type": "application/json",
               "anthropic-version": (client_headers.get("anthropic-version") if client_headers else None)
               or ANTHROPIC_VERSION}
    for name in PASSED_HEADERS:
        if client_headers and name in client_headers:
            headers[name] = client_headers[name]
    headers.update(channel.header_override)
    return headers


class AnthropicWire:
    wire = "anthropic"

    def request(self, ctx: RelayContext, channel: ChannelInfo, key: str, client_headers) -> UpstreamRequest:
        body = dict(ctx.request.body)
        body["model"] = ctx.upstream_model
        body.update(channel.param_override)
        body = apply_anthropic_system(drop_fields(body, channel), channel)
        return UpstreamRequest(anthropic_url(channel), anthropic_headers(channel, key, client_headers),
                               orjson.dumps(body))

    def plain(self, ctx: RelayContext, body: bytes, content_type: str) -> Plain | None:
        parsed = json_or_none(body)
        if not isinstance(parsed, dict):
            return None
        blocks = [b for b in parsed.get("content") or () if isinstance(b, dict)]
        text = "".join(b.get("text", "") for b in blocks if isinstance(b.get("text"), str))
        usage = usage_from_counts(anthropic_usage(parsed["usage"])) if isinstance(parsed.get("usage"), dict) \
            else None
        return Plain(body, "application/json", usage, text,
                     has_content=any(b.get("type") in ("text", "tool_use") and (b.get("text") or b.get("name"))
                                     for b in blocks))

    def stream(self, ctx: RelayContext, local_usage) -> "AnthropicStream":
        return AnthropicStream()


class AnthropicStream:
    """Forwards the events as they came; reads usage (cumulative), text, errors, message_stop."""

    def __init__(self) -> None:
        self.events = SseEvents()
        self.done = False
        self.error: dict | None = None
        self._usage: dict = {}
        self._text: list[str] = []
        self._content = False

    def feed(self, chunk: bytes) -> bytes:
        for name, data in self.events.feed(chunk):
            self._watch(name, data)
        return chunk

    def _watch(self, name: str | None, data: bytes) -> None:
        event = json_or_none(data)
        if not isinstance(event, dict):
            return
        kind = name or event.get("type")
        if kind == "message_start" and isinstance(event.get("message"), dict):
            self._usage.update(event["message"].get("usage") or {})
        elif kind == "message_delta" and isinstance(event.get("usage"), dict):
            self._usage.update({k: v for k, v in event["usage"].items() if v is not None})
        elif kind == "content_block_delta" and isinstance(event.get("delta"), dict):
            delta = event["delta"]
            for field in ("text", "thinking", "partial_json"):
                if isinstance(delta.get(field), str) and delta[field]:
                    self._text.append(delta[field])
                    self._content = True
        elif kind == "content_block_start" and (event.get("content_block") or {}).get("type") == "tool_use":
            self._content = True
        elif kind == "message_stop":
            self.done = True
        elif kind == "error":
            self.error = event.get("error") or event

    def finish(self) -> bytes:
        for name, data in self.events.rest():
            self._watch(name, data)
        return b""

    def has_content(self) -> bool:
        return self._content  # a stream that stops without any is an empty reply, retried elsewhere

    def usage(self) -> Usage | None:
        return usage_from_counts(anthropic_usage(self._usage)) if self._usage.get("output_tokens") else None

    def text(self) -> str:
        return "".join(self._text)

    def error_event(self, message: str, code: str = "upstream_error") -> bytes:
        return format_event(*error_event(message))

    def ending(self) -> bytes:
        """No message_stop: Anthropic's own error event already ended it, else we do."""
        return b"" if self.error is not None else self.error_event("the upstream closed the stream early")
