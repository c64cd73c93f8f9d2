"""Non-streamed replies between the Anthropic Messages and the OpenAI Chat Completions dialects,
plus the stop-reason and usage mappings the stream translators share.

Usage: Anthropic ``input_tokens`` excludes cached tokens, OpenAI ``prompt_tokens`` includes them.
``anthropic_usage`` gives the billing view of an Anthropic usage object
(``prompt_tokens`` = input + cache read + cache creation); the translated OpenAI reply carries no
private keys.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson

from .tool_args import tool_input

STOP_TO_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
                  "refusal": "content_filter", "pause_turn": "stop", "model_context_window_exceeded": "length"}
FINISH_TO_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use",
                  "content_filter": "refusal"}


def _int(value: Any) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def finish_reason_of(stop_reason: Any) -> str | None:
    """Anthropic ``stop_reason`` -> OpenAI ``finish_reason``; unknown reasons pass through."""
    if not stop_reason:
        return None
    return STOP_TO_FINISH.get(stop_reason, stop_reason)


def stop_reason_of(choice: dict) -> tuple[str | None, str | None]:
    """(stop_reason, stop_sequence) of an OpenAI choice. OpenAI never says which stop string matched;
    vLLM-style servers do, in ``choice.stop_reason`` (a string), which makes it ``stop_sequence``."""
    finish = choice.get("finish_reason")
    if not finish:
        return None, None
    matched = choice.get("stop_reason")
    if finish == "stop" and isinstance(matched, str) and matched:
        return "stop_sequence", matched
    return FINISH_TO_STOP.get(finish, "end_turn"), None


def anthropic_usage(usage: dict | None) -> dict:
    """Billing view of an Anthropic usage object:
    ``{prompt_tokens, completion_tokens, cached_tokens, cache_creation_tokens}``, where
    ``prompt_tokens`` counts every input token (fresh + cache read + cache creation)."""
    usage = usage if isinstance(usage, dict) else {}
    read = _int(usage.get("cache_read_input_tokens"))
    creation = _int(usage.get("cache_creation_input_tokens"))
    return {"prompt_tokens": _int(usage.get("input_tokens")) + read + creation,
            "completion_tokens": _int(usage.get("output_tokens")),
            "cached_tokens": read, "cache_creation_tokens": creation}


def openai_usage_from_billing(usage: dict) -> dict:
    """An OpenAI usage object from the ``anthropic_usage`` view."""
    return {"prompt_tokens": usage["prompt_tokens"], "completion_tokens": usage["completion_tokens"],
            "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"],
            "prompt_tokens_details": {"cached_tokens": usage["cached_tokens"]}}


def anthropic_usage_from_openai(usage: dict | None) -> dict:
    """Anthropic usage numbers from an OpenAI usage object (cached tokens leave ``input_tokens``)."""
    usage = usage if isinstance(usage, dict) else {}
    details = usage.get("prompt_tokens_details")
    cached = _int(details.get("cached_tokens")) if isinstance(details, dict) else 0
    prompt = _int(usage.get("prompt_tokens"))
    return {"input_tokens": max(prompt - cached, 0), "output_tokens": _int(usage.get("completion_tokens")),
            "cache_read_input_tokens": cached, "cache_creation_input_tokens": 0}


def message_id(openai_id: Any) -> str:
    return "msg_" + (openai_id if isinstance(openai_id, str) and openai_id else uuid.uuid4().hex)


def completion_id(anthropic_id: Any) -> str:
    return "chatcmpl-" + (anthropic_id if isinstance(anthropic_id, str) and anthropic_id else uuid.uuid4().hex)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def openai_response_to_anthropic(resp: dict, model: str) -> dict:
    """A ``chat.completion`` object as an Anthropic ``message`` object.
    ``reasoning_content`` (DeepSeek-style) becomes a leading thinking block with an empty signature."""
    choices = resp.get("choices") or []
    choice = choices[0] if choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    content: list[dict] = []
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        content.append({"type": "thinking", "thinking": reasoning, "signature": ""})
    text = _content_text(message.get("content"))
    if text:
        content.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or []:
        if not isinstance(call, dict):
            continue
        function = call.get("function") or {}
        content.append({"type": "tool_use", "id": call.get("id") or "toolu_" + uuid.uuid4().hex[:24],
                        "name": function.get("name", ""), "input": tool_input(function.get("arguments"))})
    stop_reason, stop_sequence = stop_reason_of(choice)
    if stop_reason is None:
        stop_reason = "tool_use" if message.get("tool_calls") else "end_turn"
    return {"id": message_id(resp.get("id")), "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop_reason, "stop_sequence": stop_sequence,
            "usage": anthropic_usage_from_openai(resp.get("usage"))}


def anthropic_response_to_openai(resp: dict, model: str) -> dict:
    """An Anthropic ``message`` object as a ``chat.completion`` object. Text blocks are joined;
    thinking blocks become ``message.reasoning_content``; redacted thinking and server-tool blocks
    are dropped. Bill from ``anthropic_usage(resp["usage"])``, which also has the cache creation count."""
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[dict] = []
    for block in resp.get("content") or []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text") or "")
        elif kind == "thinking" and block.get("thinking"):
            thinking.append(block["thinking"])
        elif kind == "tool_use":
            calls.append({"id": block.get("id", ""), "type": "function",
                          "function": {"name": block.get("name", ""),
                                       "arguments": orjson.dumps(block.get("input") or {}).decode()}})
    message: dict = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
    if thinking:
        message["reasoning_content"] = "".join(thinking)
    if calls:
        message["tool_calls"] = calls
    finish = finish_reason_of(resp.get("stop_reason")) or ("tool_calls" if calls else "stop")
    return {"id": completion_id(resp.get("id")), "object": "chat.completion", "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": openai_usage_from_billing(anthropic_usage(resp.get("usage")))}
