"""Clients and channels of different dialects, translated through the OpenAI chat shape.

    client body --to_canonical--> OpenAI chat body --channel codec--> upstream request
    upstream answer --channel codec--> OpenAI chat answer / chunks --client codec--> client answer

Supported: chat in every direction (OpenAI chat, Anthropic messages, Gemini generateContent),
and OpenAI embeddings to Gemini channels.
"""

from __future__ import annotations

import orjson

from ....store.channels import ChannelInfo
from ...dialects import anthropic_openai as anth
from ...dialects import gemini_openai as gem
from ...dialects.sse_events import SseEvents
from ..context import RelayContext
from ..endpoints import ENDPOINTS
from ..parse import translated
from ..usage import Usage, usage_from, usage_from_counts
from .anthropic import anthropic_headers, anthropic_url
from .base import Plain, UpstreamRequest, json_or_none
from .gemini import gemini_headers, gemini_url, gemini_usage
from .openai import openai_request
from .shaping import apply_openai_system, drop_fields

DEFAULT_MAX_TOKENS = 8192


def canonical_request(ctx: RelayContext) -> dict:
    """The client's request as an OpenAI chat (or embeddings) body."""
    canonical = dict(ctx.openai_body())  # a copy: the shaping below changes top-level fields
    canonical["model"] = ctx.request.model
    if ctx.request.stream:
        canonical["stream"] = True
        canonical["stream_options"] = {"include_usage": True}
    return canonical


def canonical_endpoint(ctx: RelayContext) -> str:
    return "embeddings" if ctx.endpoint.name == "embeddings" else "chat"


def _shaped(ctx: RelayContext, channel: ChannelInfo) -> dict:
    body = canonical_request(ctx)
    body["model"] = ctx.upstream_model
    body.update(channel.param_override)
    return apply_openai_system(drop_fields(body, channel), channel)


class TranslatedWire:
    def __init__(self, client: str, channel: str):
        self.client = client
        self.wire = channel

    def request(self, ctx: RelayContext, channel: ChannelInfo, key: str, client_headers) -> UpstreamRequest:
        if self.wire == "openai":  # openai_request maps the model and shapes the body itself
            endpoint = ENDPOINTS[canonical_endpoint(ctx)]
            return openai_request(ctx, channel, key, client_headers, canonical_request(ctx), endpoint)
        body = _shaped(ctx, channel)
        if self.wire == "anthropic":
            upstream = translated(anth.openai_request_to_anthropic, body, DEFAULT_MAX_TOKENS)
            return UpstreamRequest(anthropic_url(channel), anthropic_headers(channel, key, None),
                                   orjson.dumps(upstream))
        if canonical_endpoint(ctx) == "embeddings":
            action, upstream = translated(gem.openai_embeddings_to_gemini, body, ctx.upstream_model)
            return UpstreamRequest(gemini_url(channel, ctx.upstream_model, action, False),
                                   gemini_headers(channel, key), orjson.dumps(upstream))
        action = "streamGenerateContent" if ctx.request.stream else "generateContent"
        upstream = translated(gem.openai_request_to_gemini, body)
        return UpstreamRequest(gemini_url(channel, ctx.upstream_model, action, ctx.request.stream),
                               gemini_headers(channel, key), orjson.dumps(upstream))

    def plain(self, ctx: RelayContext, body: bytes, content_type: str) -> Plain | None:
        parsed = json_or_none(body)
        if not isinstance(parsed, dict):
            return None
        try:
            answer, usage = self._canonical_answer(ctx, parsed)
            client_answer = self._client_answer(ctx, answer)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError):
            return None  # an answer we cannot read is a failed attempt, like a body that is not JSON
        text, content = _answer_text(answer)
        return Plain(orjson.dumps(client_answer), "application/json", usage, text,
                     has_content=content or canonical_endpoint(ctx) != "chat")

    def _canonical_answer(self, ctx: RelayContext, parsed: dict) -> tuple[dict, Usage | None]:
        model = ctx.request.model
        if self.wire == "anthropic":
            usage = usage_from_counts(anth.anthropic_usage(parsed["usage"])) \
                if isinstance(parsed.get("usage"), dict) else None
            return anth.anthropic_response_to_openai(parsed, model), usage
        if self.wire == "gemini":
            if canonical_endpoint(ctx) == "embeddings":
                answer = gem.gemini_embeddings_to_openai(parsed, model, ctx.request.body.get("encoding_format"))
                return answer, None
            # from usageMetadata itself: the translated answer says 0 tokens when there was none
            return gem.gemini_response_to_openai(parsed, model), gemini_usage(parsed)
        return parsed, usage_from(parsed)

    def _client_answer(self, ctx: RelayContext, answer: dict) -> dict:
        if self.client == "anthropic":
            return anth.openai_response_to_anthropic(answer, ctx.request.model)
        if self.client == "gemini":
            return gem.openai_response_to_gemini(answer, ctx.request.model)
        answer["model"] = ctx.request.model
        return answer

    def stream(self, ctx: RelayContext, local_usage) -> "TranslatedStream":
        return TranslatedStream(_source(self.wire, ctx), _sink(self.client, ctx), local_usage)


def _answer_text(answer: dict) -> tuple[str, bool]:
    texts, content = [], False
    for choice in answer.get("choices") or ():
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict):
            if isinstance(message.get("content"), str) and message["content"]:
                texts.append(message["content"])
                content = True
            content = content or bool(message.get("tool_calls"))
    return "".join(texts), content


# --- streams: a source turns upstream bytes into OpenAI chunks, a sink turns chunks into client bytes ---

class _Source:
    """Upstream SSE bytes -> OpenAI chunks; subclasses convert one event (name, parsed JSON or raw data)."""

    def __init__(self) -> None:
        self.events = SseEvents()

    def feed(self, chunk: bytes) -> list[dict]:
        return self._chunks(self.events.feed(chunk))

    def finish(self) -> list[dict]:
        return self._chunks(self.events.rest())

    def _chunks(self, events) -> list[dict]:
        out: list[dict] = []
        for name, data in events:
            out += self._convert(name, data)
        return out

    def _convert(self, name: str | None, data: bytes) -> list[dict]:
        raise NotImplementedError


class OpenAISource(_Source):
    def __init__(self) -> None:
        super().__init__()
        self.done, self.error, self.counts = False, None, None

    def _convert(self, name: str | None, data: bytes) -> list[dict]:
        if data.strip() == b"[DONE]":
            self.done = True
            return []
        obj = json_or_none(data)
        if not isinstance(obj, dict):
            return []
        if isinstance(obj.get("error"), dict) and "choices" not in obj:
            self.error = obj["error"]
            return []
        usage = usage_from(obj)
        if usage is not None:
            self.counts = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                           "cached_tokens": usage.cached_tokens}
        return [obj]


class AnthropicSource(_Source):
    def __init__(self, model: str) -> None:
        super().__init__()
        self.convert = anth.AnthropicStreamToOpenAI(model, include_usage=True)

    done = property(lambda self: self.convert.done)
    error = property(lambda self: self.convert.error)
    counts = property(lambda self: self.convert.usage if self.convert.usage.get("completion_tokens") else None)

    def _convert(self, name: str | None, data: bytes) -> list[dict]:
        obj = json_or_none(data)
        return self.convert.feed(name, obj) if isinstance(obj, dict) else []


class GeminiSource(_Source):
    """Gemini has no end marker: the stream is done once a chunk carried a finishReason."""

    def __init__(self, model: str) -> None:
        super().__init__()
        self.convert = gem.GeminiStreamToOpenAI(model, include_usage=True)
        self.done = False

    error = property(lambda self: self.convert.error)
    counts = property(lambda self: self.convert.usage)

    def finish(self) -> list[dict]:
        return super().finish() + (self.convert.finish() if self.done else [])

    def _convert(self, name: str | None, data: bytes) -> list[dict]:
        obj = json_or_none(data)
        out = self.convert.feed(obj) if isinstance(obj, dict) else []
        self.done = self.done or any(c.get("finish_reason") for chunk in out for c in chunk.get("choices") or ())
        return out


def _source(wire: str, ctx: RelayContext):
    if wire == "anthropic":
        return AnthropicSource(ctx.request.model)
    if wire == "gemini":
        return GeminiSource(ctx.request.model)
    return OpenAISource()


def openai_usage(usage: Usage) -> dict:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens, "prompt_tokens_details": {"cached_tokens": usage.cached_tokens}}


class OpenAISink:
    def __init__(self, ctx: RelayContext) -> None:
        self.model, self.wants_usage, self.sent_usage = ctx.request.model, ctx.request.client_wants_usage, False

    def feed(self, chunk: dict) -> bytes:
        if not chunk.get("choices") and chunk.get("usage"):
            if not self.wants_usage:
                return b""
            self.sent_usage = True
        chunk["model"] = self.model
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    def finish(self, usage: Usage) -> bytes:
        extra = b""
        if self.wants_usage and not self.sent_usage:
            chunk = {"id": "", "object": "chat.completion.chunk", "created": 0, "model": self.model, "choices": [],
                     "usage": openai_usage(usage)}
            extra = b"data: " + orjson.dumps(chunk) + b"\n\n"
        return extra + b"data: [DONE]\n\n"

    def error_event(self, message: str) -> bytes:
        body = {"error": {"message": message, "type": "upstream_error", "param": None, "code": "upstream_error"}}
        return b"data: " + orjson.dumps(body) + b"\n\ndata: [DONE]\n\n"


class AnthropicSink:
    def __init__(self, ctx: RelayContext) -> None:
        self.convert = anth.OpenAIStreamToAnthropic(ctx.request.model)

    def feed(self, chunk: dict) -> bytes:
        return b"".join(anth.format_event(name, data) for name, data in self.convert.feed(chunk))

    def finish(self, usage: Usage) -> bytes:
        return b"".join(anth.format_event(name, data) for name, data in self.convert.finish(openai_usage(usage)))

    def error_event(self, message: str) -> bytes:
        return anth.format_event(*self.convert.error_event(message))


class GeminiSink:
    def __init__(self, ctx: RelayContext) -> None:
        self.convert = gem.OpenAIStreamToGemini(ctx.request.model)

    def feed(self, chunk: dict) -> bytes:
        return b"".join(gem.format_sse(obj) for obj in self.convert.feed(chunk))

    def finish(self, usage: Usage) -> bytes:
        return b"".join(gem.format_sse(obj) for obj in self.convert.finish())

    def error_event(self, message: str) -> bytes:
        return gem.format_sse(gem.gemini_error(502, message))


def _sink(client: str, ctx: RelayContext):
    if client == "anthropic":
        return AnthropicSink(ctx)
    if client == "gemini":
        return GeminiSink(ctx)
    return OpenAISink(ctx)


class Untranslatable(Exception):
    """An upstream chunk the translation failed on; `relayed` is the client's bytes for the chunks before it."""

    def __init__(self, relayed: bytes) -> None:
        super().__init__("an upstream chunk could not be translated")
        self.relayed = relayed


class TranslatedStream:
    """Source -> OpenAI chunks -> sink; keeps the text for a local count and notices errors."""

    def __init__(self, source, sink, local_usage) -> None:
        self.source, self.sink, self.local_usage = source, sink, local_usage
        self._text: list[str] = []
        self._content = False
        self._closed = False  # an error event or the terminators went out

    @property
    def done(self) -> bool:
        return self._closed

    @property
    def error(self) -> dict | None:
        return self.source.error

    def feed(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        try:
            for converted in self.source.feed(chunk):
                out.append(self._pass(converted))
        except Exception as exc:  # noqa: BLE001 - a chunk we cannot translate: keep what went before it
            raise Untranslatable(b"".join(out)) from exc
        if self.source.error is not None and not self._closed:
            self._closed = True
            message = str(self.source.error.get("message") or "the upstream reported an error")
            out.append(self.sink.error_event(message))
        return b"".join(out)

    def _pass(self, chunk: dict) -> bytes:
        """One chunk to the client; its text is kept for a count only once the sink took it."""
        texts, content = [], False
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if isinstance(delta, dict):
                if isinstance(delta.get("content"), str) and delta["content"]:
                    texts.append(delta["content"])
                    content = True
                for call in delta.get("tool_calls") or ():
                    content = True
                    arguments = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
                    if isinstance(arguments, str):
                        texts.append(arguments)
        out = self.sink.feed(chunk)
        self._text += texts
        self._content = self._content or content
        return out

    def finish(self) -> bytes:
        if self._closed:
            return b""
        out = [self._pass(c) for c in self.source.finish()]
        if self.source.done:
            self._closed = True
            out.append(self.sink.finish(self.usage() or self.local_usage()))
        return b"".join(out)

    def has_content(self) -> bool:
        return self._content  # a stream that finishes without any is an empty reply, retried elsewhere

    def usage(self) -> Usage | None:
        return usage_from_counts(self.source.counts)

    def text(self) -> str:
        return "".join(self._text)

    def error_event(self, message: str, code: str = "upstream_error") -> bytes:
        self._closed = True
        return self.sink.error_event(message)

    def ending(self) -> bytes:
        return self.error_event("the upstream closed the stream before it finished")
