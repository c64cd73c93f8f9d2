"""OpenAI-dialect clients to OpenAI-type channels (OpenAI, Azure, compatible vendors): pass-through."""

from __future__ import annotations

import aiohttp
import orjson

from ....core import pricing
from ....store.channels import ChannelInfo
from ...providers.registry import adapter_for
from ..context import RelayContext
from ..endpoints import Endpoint
from ..sse import SseRelay, error_event, streamed_text
from ..usage import Usage, usage_chunk_bytes, usage_from
from .base import Plain, UpstreamRequest, json_or_none
from .shaping import apply_openai_system, drop_fields

# Client headers worth passing on; everything else (auth, cookies, X-Stainless-*) stays here.
PASSED_HEADERS = ("openai-beta", "accept")
AUDIO_IN = ("transcriptions", "translations")


def openai_body(ctx: RelayContext, channel: ChannelInfo, body: dict) -> dict:
    """The client's body with the mapped model, forced stream usage and the channel's shaping."""
    body = dict(body)
    body["model"] = ctx.upstream_model
    if ctx.request.stream and ctx.endpoint.name in ("chat", "completions", "messages", "generate") \
            and ctx.settings["FORCE_STREAM_OPTION"]:
        options = body.get("stream_options") if isinstance(body.get("stream_options"), dict) else {}
        body["stream_options"] = {**options, "include_usage": True}  # so streams are billed from real usage
    body.update(channel.param_override)
    return apply_openai_system(drop_fields(body, channel), channel)


def encode(ctx: RelayContext, body: dict, endpoint: Endpoint):
    """JSON bytes, or a multipart form carrying the uploads."""
    if endpoint.body == "json":
        return orjson.dumps(body), "application/json"
    form = aiohttp.FormData()
    for name, value in body.items():
        form.add_field(name, value if isinstance(value, str) else orjson.dumps(value).decode())
    for upload in ctx.request.files:
        form.add_field(upload.name, upload.data, filename=upload.filename, content_type=upload.content_type)
    return form, None


def openai_request(ctx: RelayContext, channel: ChannelInfo, key: str, client_headers, body: dict,
                   endpoint: Endpoint | None = None) -> UpstreamRequest:
    """The request to an OpenAI-type channel; `endpoint` when it differs from the client's (translation)."""
    endpoint = endpoint or ctx.endpoint
    adapter = adapter_for(channel.type)
    data, content_type = encode(ctx, openai_body(ctx, channel, body), endpoint)
    headers = {name: client_headers[name] for name in PASSED_HEADERS if name in client_headers}
    if content_type:
        headers["Content-Type"] = content_type
    headers.update(adapter.headers(channel, key))
    headers.update(channel.header_override)
    return UpstreamRequest(adapter.url(channel, endpoint, ctx.upstream_model, ctx.settings), headers, data)


class OpenAIWire:
    wire = "openai"

    def request(self, ctx: RelayContext, channel: ChannelInfo, key: str, client_headers) -> UpstreamRequest:
        return openai_request(ctx, channel, key, client_headers, ctx.request.body)

    def plain(self, ctx: RelayContext, body: bytes, content_type: str) -> Plain | None:
        """The answer as it came; None when it should have been JSON and is not."""
        parsed = json_or_none(body)
        if parsed is None and expects_json(ctx):
            return None
        usage, text = answer_usage(ctx, parsed, body)
        return Plain(body, content_type, usage, text, has_content=has_content(ctx, parsed))

    def stream(self, ctx: RelayContext, local_usage) -> "OpenAIStream":
        return OpenAIStream(ctx, local_usage)


def expects_json(ctx: RelayContext) -> bool:
    """Every plain answer is JSON, whatever its Content-Type says, except transcripts asked for as text."""
    if ctx.endpoint.name in AUDIO_IN:
        return ctx.request.body.get("response_format") not in ("text", "srt", "vtt")
    return True


def has_content(ctx: RelayContext, parsed: object) -> bool:
    """False only for a chat answer with neither text nor tool calls (an empty reply)."""
    if ctx.endpoint.name != "chat" or not isinstance(parsed, dict):
        return True
    for choice in parsed.get("choices") or ():
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict) and (message.get("content") or message.get("tool_calls")
                                          or message.get("function_call") or message.get("refusal")):
            return True
    return False


def answer_usage(ctx: RelayContext, parsed: object, raw: bytes) -> tuple[Usage | None, str]:
    """Usage of a plain answer, and (only when it has none) the text to count locally."""
    if not isinstance(parsed, dict):
        return None, raw.decode("utf-8", "replace") if ctx.endpoint.name in AUDIO_IN else ""
    if ctx.endpoint.name in AUDIO_IN:
        return _audio_usage(parsed), ""
    usage = usage_from(parsed)
    if usage is not None:
        return usage, ""
    return None, answer_text(parsed)


def _audio_usage(parsed: dict) -> Usage | None:
    """Transcription usage is audio time: `usage.seconds` (whisper) or `duration` (verbose_json)."""
    usage = parsed.get("usage")
    seconds = usage.get("seconds") if isinstance(usage, dict) and usage.get("type") == "duration" else \
        parsed.get("duration")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        return Usage(pricing.audio_minutes_tokens(seconds), 0, 0, True)
    return None


def answer_text(parsed: dict) -> str:
    parts = []
    for choice in parsed.get("choices") or ():
        if isinstance(choice, dict):
            message = choice.get("message") if isinstance(choice.get("message"), dict) else choice
            parts += [message[k] for k in ("content", "text") if isinstance(message.get(k), str)]
    for item in parsed.get("output") or ():
        for content in (item.get("content") or ()) if isinstance(item, dict) else ():
            if isinstance(content, dict) and isinstance(content.get("text"), str):
                parts.append(content["text"])
    return "".join(parts)


class OpenAIStream:
    """Pass-through SSE: withhold the usage chunk we asked for, add one the client asked for."""

    def __init__(self, ctx: RelayContext, local_usage=None):
        self.ctx = ctx
        self.local_usage = local_usage  # set by the pipeline: () -> Usage counted locally
        chat_like = ctx.endpoint.name in ("chat", "completions")
        wants = ctx.request.client_wants_usage
        forced = ctx.request.stream and ctx.settings["FORCE_STREAM_OPTION"]
        self.relay = SseRelay(withhold_usage_chunk=chat_like and forced and not wants,
                              usage_chunk=self._usage_chunk if chat_like and wants else None)

    @property
    def done(self) -> bool:
        return self.relay.done

    @property
    def error(self) -> dict | None:
        return self.relay.error

    def _usage_chunk(self, relay: SseRelay) -> bytes:
        usage = self.local_usage() if self.local_usage else Usage()
        return usage_chunk_bytes(relay.first_payload, usage, self.ctx.request.model)

    def feed(self, chunk: bytes) -> bytes:
        return self.relay.feed(chunk)

    def finish(self) -> bytes:
        return self.relay.finish()

    def has_content(self) -> bool:
        if self.ctx.endpoint.name != "chat":
            return True
        self._content = getattr(self, "_content", False) or bool(self.text())
        return self._content

    def usage(self) -> Usage | None:
        return self.relay.usage

    def text(self) -> str:
        return streamed_text(self.relay.payloads)

    def error_event(self, message: str, code: str = "upstream_error") -> bytes:
        return error_event(self.ctx.endpoint.name, message, code)

    def ending(self) -> bytes:
        """The upstream closed without its terminator: keep its own error if it sent one."""
        if self.relay.error is not None:
            return b"data: [DONE]\n\n" if self.ctx.endpoint.name != "responses" else b""
        return self.error_event("the upstream closed the stream before it finished")
