"""Gemini-native clients to Gemini channels: pass-through, usage from the last usageMetadata."""

from __future__ import annotations

import orjson

from ....store.channels import ChannelInfo
from ...dialects.sse_events import SseEvents
from ..context import RelayContext
from ..usage import Usage
from .base import Plain, UpstreamRequest, json_or_none
from .shaping import apply_gemini_system, drop_fields

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"


def gemini_url(channel: ChannelInfo, model: str, action: str, stream: bool) -> str:
    base = channel.effective_base_url or DEFAULT_BASE_URL
    if not base.rstrip("/").endswith(("/v1beta", "/v1")):
        base += "/v1beta"
    return f"{base}/models/{model}:{action}" + ("?alt=sse" if stream else "")


def gemini_headers(channel: ChannelInfo, key: str) -> dict[str, str]:
    return {"x-goog-api-key": key, "Content-Type": "application/json", **channel.header_override}


def gemini_usage(obj: dict) -> Usage | None:
    meta = obj.get("usageMetadata")
    if not isinstance(meta, dict):
        return None
    prompt = (meta.get("promptTokenCount") or 0) + (meta.get("toolUsePromptTokenCount") or 0)
    completion = (meta.get("candidatesTokenCount") or 0) + (meta.get("thoughtsTokenCount") or 0)
    return Usage(int(prompt), int(completion), int(meta.get("cachedContentTokenCount") or 0), True)


def candidate_text(obj: dict) -> tuple[str, bool]:
    """The text of a response's parts, and whether it carried any content (text or a function call)."""
    texts, content = [], False
    for candidate in obj.get("candidates") or ():
        for part in ((candidate.get("content") or {}).get("parts") or ()) if isinstance(candidate, dict) else ():
            if isinstance(part, dict):
                if isinstance(part.get("text"), str) and part["text"]:
                    texts.append(part["text"])
                    content = True
                content = content or "functionCall" in part or "executableCode" in part
    return "".join(texts), content


class GeminiWire:
    wire = "gemini"

    def request(self, ctx: RelayContext, channel: ChannelInfo, key: str, client_headers) -> UpstreamRequest:
        body = dict(ctx.request.body)
        body.update(channel.param_override)
        body = drop_fields(body, channel)
        if ctx.request.action in ("generateContent", "streamGenerateContent"):
            body = apply_gemini_system(body, channel)
        url = gemini_url(channel, ctx.upstream_model, ctx.request.action, ctx.request.stream)
        return UpstreamRequest(url, gemini_headers(channel, key), orjson.dumps(body))

    def plain(self, ctx: RelayContext, body: bytes, content_type: str) -> Plain | None:
        parsed = json_or_none(body)
        if not isinstance(parsed, dict):
            return None
        text, content = candidate_text(parsed)
        is_generate = ctx.request.action == "generateContent"
        return Plain(body, "application/json", gemini_usage(parsed), text, has_content=content or not is_generate)

    def stream(self, ctx: RelayContext, local_usage) -> "GeminiStream":
        return GeminiStream()


class GeminiStream:
    """Forwards the chunks as they came; the last usageMetadata wins; done at a finishReason."""

    def __init__(self) -> None:
        self.events = SseEvents()
        self.done = False
        self.error: dict | None = None
        self._usage: Usage | None = None
        self._text: list[str] = []
        self._content = False

    def feed(self, chunk: bytes) -> bytes:
        for _, data in self.events.feed(chunk):
            self._watch(data)
        return chunk

    def _watch(self, data: bytes) -> None:
        obj = json_or_none(data)
        if not isinstance(obj, dict):
            return
        if isinstance(obj.get("error"), dict):
            self.error = obj["error"]
            return
        self._usage = gemini_usage(obj) or self._usage
        text, content = candidate_text(obj)
        self._text.append(text)
        self._content = self._content or content
        if any(isinstance(c, dict) and c.get("finishReason") for c in obj.get("candidates") or ()):
            self.done = True

    def finish(self) -> bytes:
        for _, data in self.events.rest():
            self._watch(data)
        return b""

    def has_content(self) -> bool:
        return self._content  # a stream that finishes without any is an empty reply, retried elsewhere

    def usage(self) -> Usage | None:
        return self._usage

    def text(self) -> str:
        return "".join(self._text)

    def error_event(self, message: str, code: str = "upstream_error") -> bytes:
        body = {"error": {"code": 502, "message": message, "status": "UNAVAILABLE"}}
        return b"data: " + orjson.dumps(body) + b"\r\n\r\n"

    def ending(self) -> bytes:
        return b"" if self.error is not None else self.error_event("the upstream closed the stream early")
