"""Gemini <-> OpenAI streams: :class:`GeminiStreamToOpenAI` (Gemini channel, OpenAI client),
:class:`OpenAIStreamToGemini` (OpenAI-type channel, Gemini-native client) and :func:`format_sse`.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from .gemini_common import _g, _render_part_text, _text_of
from .gemini_responses import (_FINISH_TO_GEMINI, _finish_to_openai, _function_call_part, _gemini_usage, _tool_call,
                               _usage_to_openai)

class GeminiStreamToOpenAI:
    """Parsed ``streamGenerateContent?alt=sse`` data objects in, OpenAI ``chat.completion.chunk`` dicts out.

    Gemini's ``usageMetadata`` is cumulative and the last object may revise it, so :attr:`usage` is
    always the last one seen. After an ``error`` object, :attr:`error` is set and :meth:`finish`
    returns nothing (the caller reports the error, as OpenAI ends a broken stream without a finish).
    """

    def __init__(self, model: str, include_usage: bool) -> None:
        self.model = model
        self.include_usage = include_usage
        self.error: dict | None = None
        self.id = "chatcmpl-gemini"
        self.created = int(time.time())
        self._started = False
        self._meta: dict | None = None
        self._calls: dict[int, int] = {}  # choice index -> tool calls so far
        self._finished: set[int] = set()

    def _chunk(self, choices: list[dict], **extra: Any) -> dict:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model, "choices": choices, **extra}

    def _delta(self, index: int, delta: dict, finish: str | None = None) -> dict:
        return self._chunk([{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}])

    def _start(self) -> list[dict]:
        if self._started:
            return []
        self._started = True
        return [self._delta(0, {"role": "assistant", "content": ""})]

    def feed(self, data: dict) -> list[dict]:
        if not isinstance(data, dict):
            return []
        if "error" in data:
            self.error = data["error"] if isinstance(data["error"], dict) else {"message": str(data["error"])}
            return []
        if not self._started and data.get("responseId"):
            self.id = f"chatcmpl-{data['responseId']}"
        out = self._start()
        if isinstance(data.get("usageMetadata"), dict):
            self._meta = data["usageMetadata"]
        for position, candidate in enumerate(data.get("candidates") or []):
            index = candidate.get("index", position)
            for part in (candidate.get("content") or {}).get("parts") or []:
                if not isinstance(part, dict):
                    continue
                if _g(part, "functionCall"):
                    n = self._calls.get(index, 0)
                    self._calls[index] = n + 1
                    out.append(self._delta(index, {"tool_calls": [{"index": n, **_tool_call(part, n)}]}))
                    continue
                text = _render_part_text(part)
                if text:
                    key = "reasoning_content" if part.get("thought") else "content"
                    out.append(self._delta(index, {key: text}))
            reason = candidate.get("finishReason")
            if reason and index not in self._finished:
                self._finished.add(index)
                out.append(self._delta(index, {}, _finish_to_openai(reason, self._calls.get(index, 0) > 0)))
        if not data.get("candidates") and (data.get("promptFeedback") or {}).get("blockReason") \
                and 0 not in self._finished:
            self._finished.add(0)
            out.append(self._delta(0, {}, "content_filter"))
        return out

    @property
    def usage(self) -> dict | None:
        """``{prompt_tokens, completion_tokens, cached_tokens}`` from the last usageMetadata; None if none came."""
        if self._meta is None:
            return None
        full = _usage_to_openai(self._meta)
        return {"prompt_tokens": full["prompt_tokens"], "completion_tokens": full["completion_tokens"],
                "cached_tokens": full["prompt_tokens_details"]["cached_tokens"]}

    def finish(self) -> list[dict]:
        """Call when the upstream closed: a finish chunk if none was seen, then the usage chunk if asked."""
        if self.error is not None:
            return []
        out = self._start()
        if not self._finished:
            self._finished.add(0)
            out.append(self._delta(0, {}, "tool_calls" if self._calls.get(0) else "stop"))
        if self.include_usage and self._meta is not None:
            out.append(self._chunk([], usage=_usage_to_openai(self._meta)))
        return out


class OpenAIStreamToGemini:
    """OpenAI ``chat.completion.chunk`` dicts in, Gemini ``streamGenerateContent`` objects out.

    Text and reasoning deltas become one object each. Tool calls are buffered until their arguments are
    complete and sent as whole ``functionCall`` parts on the object that carries ``finishReason``
    (Gemini never splits a call). That last object is held back until the usage chunk (or
    :meth:`finish`) so it can carry ``usageMetadata``.
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.error: dict | None = None
        self.response_id: str | None = None
        self._calls: dict[int, dict[int, dict]] = {}  # choice -> tool-call index -> {name, args, extra}
        self._finished: dict[int, str] = {}  # choice -> Gemini finishReason
        self._held: dict | None = None  # the finishing object, waiting for usage
        self._usage: dict | None = None
        self._sent_final = False

    def _object(self, candidates: list[dict]) -> dict:
        obj: dict = {"candidates": candidates, "modelVersion": self.model}
        if self.response_id:
            obj["responseId"] = self.response_id
        return obj

    def _flush_calls(self, index: int) -> list[dict]:
        calls = self._calls.pop(index, {})
        return [_function_call_part(c["name"], "".join(c["args"]), c["extra"]) for _, c in sorted(calls.items())]

    def feed(self, chunk: dict) -> list[dict]:
        if not isinstance(chunk, dict):
            return []
        if "error" in chunk:
            self.error = chunk["error"] if isinstance(chunk["error"], dict) else {"message": str(chunk["error"])}
            return []
        if self.response_id is None and chunk.get("id"):
            self.response_id = chunk["id"]
        if isinstance(chunk.get("usage"), dict):
            self._usage = chunk["usage"]
        out: list[dict] = []
        finishing: list[dict] = []
        for position, choice in enumerate(chunk.get("choices") or []):
            index = choice.get("index", position)
            delta = choice.get("delta") or {}
            parts: list[dict] = []
            if delta.get("reasoning_content"):
                parts.append({"text": delta["reasoning_content"], "thought": True})
            text = _text_of(delta.get("content"))
            if text:
                parts.append({"text": text})
            for call in delta.get("tool_calls") or []:
                slot = self._calls.setdefault(index, {}).setdefault(
                    call.get("index", 0), {"name": "", "args": [], "extra": None})
                function = call.get("function") or {}
                if function.get("name"):
                    slot["name"] = function["name"]
                if function.get("arguments"):
                    slot["args"].append(function["arguments"])
                if call.get("extra_content"):
                    slot["extra"] = call["extra_content"]
            reason = choice.get("finish_reason")
            if reason:
                self._finished[index] = _FINISH_TO_GEMINI.get(reason, "STOP")
                parts += self._flush_calls(index)
                finishing.append({"content": {"role": "model", "parts": parts or [{"text": ""}]},
                                  "finishReason": self._finished[index], "index": index})
            elif parts:
                out.append(self._object([{"content": {"role": "model", "parts": parts}, "index": index}]))
        if finishing:
            held = self._held or self._object([])
            held["candidates"].extend(finishing)
            self._held = held
        if self._held is not None and self._usage is not None:
            out.append(self._release())
        return out

    def _release(self) -> dict:
        obj, self._held = self._held, None
        if self._usage is not None:
            obj["usageMetadata"] = _gemini_usage(self._usage)
        self._sent_final = True
        return obj

    @property
    def usage(self) -> dict | None:
        """The OpenAI usage object the upstream reported, if any (for billing)."""
        return self._usage

    def finish(self) -> list[dict]:
        """Call when the upstream closed: buffered tool calls and the finishing object, if still held."""
        if self.error is not None:
            return []
        if self._held is None and not self._sent_final:  # closed without a finish_reason
            indexes = sorted(set(self._calls) | {0})
            self._held = self._object([{"content": {"role": "model", "parts": self._flush_calls(i) or [{"text": ""}]},
                                        "finishReason": "STOP", "index": i} for i in indexes])
        return [self._release()] if self._held is not None else []


def format_sse(obj: dict) -> bytes:
    """One Gemini ``alt=sse`` frame: compact JSON and CRLF line endings, as Google sends."""
    return b"data: " + orjson.dumps(obj) + b"\r\n\r\n"
