"""Streams between the Anthropic Messages and the OpenAI Chat Completions dialects.

Both translators take parsed events (JSON already decoded: Anthropic pads its SSE JSON with random
spaces, so nothing here looks at raw bytes) and return translated events in order.

Tool calls without arguments: Anthropic streams one ``input_json_delta`` with ``partial_json: ""``.
``AnthropicStreamToOpenAI`` forwards no empty fragment and, when a tool block closes without any
non-empty fragment, emits one ``arguments: "{}"`` fragment, so the assembled arguments are ``"{}"``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson

from .anthropic_responses import (anthropic_usage, anthropic_usage_from_openai, completion_id, finish_reason_of,
                                  message_id, openai_usage_from_billing, stop_reason_of)

Event = tuple[str, dict]


def format_event(name: str, data: dict) -> bytes:
    """One Anthropic SSE event: ``event: NAME`` + ``data: <compact json>`` + blank line."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def error_event(message: str, type: str = "api_error") -> Event:  # noqa: A002 - Anthropic's field name
    return "error", {"type": "error", "error": {"type": type, "message": message}}


class OpenAIStreamToAnthropic:
    """OpenAI ``chat.completion.chunk`` dicts -> Anthropic SSE events, in Anthropic's order:
    message_start, per block content_block_start (+ one ping after the first) / deltas / stop,
    then from ``finish()`` message_delta and message_stop.

    ``reasoning_content`` deltas become a thinking block (no signature). A tool call is keyed by its
    ``index`` (a new ``id`` on a known index starts a new call); a late fragment for a call whose block
    is already closed is still sent with that block's index. A chunk ``{"error": ...}`` yields an
    ``error`` event and ends the translation.
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.started = False
        self.finished = False
        self.stop_reason: str | None = None
        self.stop_sequence: str | None = None
        self.usage: dict | None = None  # the latest OpenAI usage object seen
        self._id: str | None = None
        self._next_index = 0
        self._open: tuple[str, Any] | None = None  # ("text"|"thinking", None) or ("tool", openai index)
        self._open_index = -1
        self._tools: dict[int, tuple[str, int]] = {}  # openai index -> (call id, block index)
        self._pinged = False
        self._saw_tool = False

    # -- helpers
    def _start(self, chunk: dict) -> list[Event]:
        self.started = True
        self._id = message_id(chunk.get("id"))
        usage = anthropic_usage_from_openai(chunk.get("usage"))
        message = {"id": self._id, "type": "message", "role": "assistant", "model": self.model, "content": [],
                   "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": usage["input_tokens"],
                             "cache_creation_input_tokens": 0,
                             "cache_read_input_tokens": usage["cache_read_input_tokens"], "output_tokens": 0}}
        return [("message_start", {"type": "message_start", "message": message})]

    def _close(self) -> list[Event]:
        if self._open is None:
            return []
        index, self._open, self._open_index = self._open_index, None, -1
        return [("content_block_stop", {"type": "content_block_stop", "index": index})]

    def _open_block(self, kind: str, key: Any, block: dict) -> list[Event]:
        events = self._close()
        self._open, self._open_index = (kind, key), self._next_index
        self._next_index += 1
        events.append(("content_block_start",
                       {"type": "content_block_start", "index": self._open_index, "content_block": block}))
        if not self._pinged:
            self._pinged = True
            events.append(("ping", {"type": "ping"}))
        return events

    def _delta(self, index: int, delta: dict) -> Event:
        return "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}

    def _tool_call(self, call: dict) -> list[Event]:
        key = call.get("index", 0)
        function = call.get("function") or {}
        known = self._tools.get(key)
        events: list[Event] = []
        if known is None or (call.get("id") and call["id"] != known[0]):
            call_id = call.get("id") or "toolu_" + uuid.uuid4().hex[:24]
            self._saw_tool = True
            events += self._open_block("tool", key, {"type": "tool_use", "id": call_id,
                                                     "name": function.get("name") or "", "input": {}})
            known = self._tools[key] = (call_id, self._open_index)
        fragment = function.get("arguments")
        if isinstance(fragment, str) and fragment:
            events.append(self._delta(known[1], {"type": "input_json_delta", "partial_json": fragment}))
        return events

    def _text(self, kind: str, text: str) -> list[Event]:
        events: list[Event] = []
        if self._open is None or self._open[0] != kind:
            block = {"type": "text", "text": ""} if kind == "text" else \
                {"type": "thinking", "thinking": "", "signature": ""}
            events += self._open_block(kind, None, block)
        delta = {"type": "text_delta", "text": text} if kind == "text" else \
            {"type": "thinking_delta", "thinking": text}
        events.append(self._delta(self._open_index, delta))
        return events

    # -- public
    def feed(self, chunk: dict) -> list[Event]:
        if self.finished or not isinstance(chunk, dict):
            return []
        if "error" in chunk and not chunk.get("choices"):
            error = chunk["error"] if isinstance(chunk["error"], dict) else {"message": str(chunk["error"])}
            return [self.error_event(str(error.get("message") or "upstream error"))]
        events: list[Event] = [] if self.started else self._start(chunk)
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                events += self._text("thinking", reasoning)
            if isinstance(delta.get("content"), str) and delta["content"]:
                events += self._text("text", delta["content"])
            for call in delta.get("tool_calls") or []:
                if isinstance(call, dict):
                    events += self._tool_call(call)
            if choice.get("finish_reason"):
                self.stop_reason, self.stop_sequence = stop_reason_of(choice)
                events += self._close()
        return events

    def finish(self, usage: dict | None = None) -> list[Event]:
        """Close the message. ``usage``: an OpenAI usage object (e.g. counted locally); the default
        is the last one the stream carried. The usage in message_delta is cumulative."""
        if self.finished:
            return []
        events: list[Event] = [] if self.started else self._start({})
        events += self._close()
        self.finished = True
        numbers = anthropic_usage_from_openai(usage if usage is not None else self.usage)
        stop_reason = self.stop_reason or ("tool_use" if self._saw_tool else "end_turn")
        events.append(("message_delta", {
            "type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": self.stop_sequence},
            "usage": {"input_tokens": numbers["input_tokens"], "cache_creation_input_tokens": 0,
                      "cache_read_input_tokens": numbers["cache_read_input_tokens"],
                      "output_tokens": numbers["output_tokens"]}}))
        events.append(("message_stop", {"type": "message_stop"}))
        return events

    def error_event(self, message: str, type: str = "api_error") -> Event:  # noqa: A002
        """The ``error`` event for a failure after the 200; nothing follows it (no message_stop)."""
        self.finished = True
        return error_event(message, type)


class AnthropicStreamToOpenAI:
    """Anthropic SSE events -> OpenAI ``chat.completion.chunk`` dicts.

    ``include_usage``: end with a usage chunk (``choices: []``) at message_stop, as OpenAI does when
    the client asked for ``stream_options.include_usage``. An ``error`` event sets ``.error`` and
    yields nothing: the gateway ends the stream with its own error. ``.usage`` (billing view, see
    ``anthropic_usage``) is valid at any time; message_delta usage replaces, never adds to, what
    message_start said.
    """

    def __init__(self, model: str, include_usage: bool = False) -> None:
        self.model = model
        self.include_usage = include_usage
        self.error: dict | None = None
        self.finish_reason: str | None = None
        self.done = False  # message_stop seen
        self._raw: dict = {}  # latest Anthropic usage numbers
        self._id = completion_id(None)
        self._created = int(time.time())
        self._started = False
        self._tools: dict[int, list] = {}  # block index -> [openai tool index, had a non-empty fragment]

    @property
    def usage(self) -> dict:
        return anthropic_usage(self._raw)

    def _chunk(self, delta: dict, finish_reason: str | None = None) -> dict:
        return {"id": self._id, "object": "chat.completion.chunk", "created": self._created, "model": self.model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}

    def _take_usage(self, usage: Any) -> None:
        if isinstance(usage, dict):
            self._raw.update({k: v for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool)})

    def _begin(self) -> list[dict]:
        if self._started:
            return []
        self._started = True
        return [self._chunk({"role": "assistant", "content": ""})]

    def _args(self, tool: list, fragment: str) -> dict:
        return self._chunk({"tool_calls": [{"index": tool[0], "function": {"arguments": fragment}}]})

    def feed(self, event: str | None, data: dict) -> list[dict]:
        if not isinstance(data, dict) or self.error is not None:
            return []
        kind = event or data.get("type")
        if kind == "message_start":
            message = data.get("message") or {}
            if isinstance(message.get("id"), str):
                self._id = completion_id(message["id"])
            self._take_usage(message.get("usage"))
            return self._begin()
        if kind == "content_block_start":
            block = data.get("content_block") or {}
            out = self._begin()
            if block.get("type") == "tool_use":
                tool = self._tools[data.get("index", 0)] = [len(self._tools), False]
                out.append(self._chunk({"tool_calls": [{
                    "index": tool[0], "id": block.get("id", ""), "type": "function",
                    "function": {"name": block.get("name", ""), "arguments": ""}}]}))
            elif block.get("type") == "text" and block.get("text"):
                out.append(self._chunk({"content": block["text"]}))
            return out
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta" and delta.get("text"):
                return self._begin() + [self._chunk({"content": delta["text"]})]
            if dtype == "thinking_delta" and delta.get("thinking"):
                return self._begin() + [self._chunk({"reasoning_content": delta["thinking"]})]
            if dtype == "input_json_delta" and delta.get("partial_json"):
                tool = self._tools.get(data.get("index", 0))
                if tool is not None:
                    tool[1] = True
                    return [self._args(tool, delta["partial_json"])]
            return []  # signature_delta, citations_delta, empty fragments
        if kind == "content_block_stop":
            tool = self._tools.get(data.get("index", 0))
            if tool is not None and not tool[1]:
                tool[1] = True
                return [self._args(tool, "{}")]
            return []
        if kind == "message_delta":
            self._take_usage(data.get("usage"))
            reason = (data.get("delta") or {}).get("stop_reason")
            if not reason or self.finish_reason is not None:
                return []  # only the first message_delta with a stop reason makes the finish chunk
            self.finish_reason = finish_reason_of(reason)
            return self._begin() + [self._chunk({}, self.finish_reason)]
        if kind == "message_stop":
            if self.done:
                return []
            self.done = True
            if not self.include_usage:
                return []
            chunk = self._chunk({})
            chunk["choices"] = []
            chunk["usage"] = openai_usage_from_billing(self.usage)
            return [chunk]
        if kind == "error":
            error = data.get("error")
            self.error = error if isinstance(error, dict) else {"type": "api_error", "message": str(error)}
        return []  # ping and unknown events
