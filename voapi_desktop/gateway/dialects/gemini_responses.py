"""Gemini <-> OpenAI non-stream answers: chat both ways, embeddings, the models list and errors.

OpenAI client -> Gemini channel: :func:`gemini_response_to_openai`, :func:`gemini_embeddings_to_openai`.
Gemini-native client -> OpenAI-type channel: :func:`openai_response_to_gemini`, :func:`gemini_models_list`,
:func:`gemini_error`. The part, finish-reason and usage helpers are shared with ``gemini_streams``.
"""

from __future__ import annotations

import base64
import struct
import time
from typing import Any

from .gemini_common import _dumps, _g, _render_part_text, _text_of
from .tool_args import tool_input

_FINISH_TO_OPENAI = {
    "STOP": "stop", "MAX_TOKENS": "length",
    "SAFETY": "content_filter", "RECITATION": "content_filter", "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter", "LANGUAGE": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}
_FINISH_TO_GEMINI = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP", "function_call": "STOP",
                     "content_filter": "SAFETY"}
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    405: "INVALID_ARGUMENT", 408: "DEADLINE_EXCEEDED", 409: "ABORTED", 413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


# ------------------------------------------------------------------ OpenAI client -> Gemini channel

def _tool_call(part: dict, n: int) -> dict:
    call = _g(part, "functionCall") or {}
    out = {"id": call.get("id") or f"call_{n}", "type": "function",
           "function": {"name": call.get("name", ""), "arguments": _dumps(call.get("args") or {})}}
    signature = _g(part, "thoughtSignature")
    if signature:
        out["extra_content"] = {"google": {"thought_signature": signature}}
    return out


def _finish_to_openai(reason: str | None, has_tool_calls: bool) -> str:
    mapped = _FINISH_TO_OPENAI.get(reason or "STOP", "stop")
    return "tool_calls" if has_tool_calls and mapped == "stop" else mapped


def _usage_to_openai(meta: Any) -> dict:
    meta = meta if isinstance(meta, dict) else {}
    prompt = int(meta.get("promptTokenCount") or 0) + int(meta.get("toolUsePromptTokenCount") or 0)
    thoughts = int(meta.get("thoughtsTokenCount") or 0)
    completion = int(meta.get("candidatesTokenCount") or 0) + thoughts
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": int(meta.get("cachedContentTokenCount") or 0)},
            "completion_tokens_details": {"reasoning_tokens": thoughts}}


def gemini_response_to_openai(resp: dict, model: str) -> dict:
    """A Gemini ``GenerateContentResponse`` as an OpenAI ``chat.completion``."""
    choices = []
    for position, candidate in enumerate(resp.get("candidates") or []):
        texts, thoughts, calls = [], [], []
        for part in (candidate.get("content") or {}).get("parts") or []:
            if not isinstance(part, dict):
                continue
            if _g(part, "functionCall"):
                calls.append(_tool_call(part, len(calls)))
                continue
            text = _render_part_text(part)
            if text is None:
                continue
            (thoughts if part.get("thought") else texts).append(text)
        message: dict = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
        if thoughts:
            message["reasoning_content"] = "".join(thoughts)
        if calls:
            message["tool_calls"] = calls
        choices.append({"index": candidate.get("index", position), "message": message,
                        "finish_reason": _finish_to_openai(candidate.get("finishReason"), bool(calls)),
                        "logprobs": None})
    if not choices:  # promptFeedback.blockReason (or an empty answer)
        blocked = bool((resp.get("promptFeedback") or {}).get("blockReason"))
        choices.append({"index": 0, "message": {"role": "assistant", "content": ""},
                        "finish_reason": "content_filter" if blocked else "stop", "logprobs": None})
    return {"id": f"chatcmpl-{resp.get('responseId') or 'gemini'}", "object": "chat.completion",
            "created": int(time.time()), "model": model, "choices": choices,
            "usage": _usage_to_openai(resp.get("usageMetadata"))}


def gemini_embeddings_to_openai(resp: dict, model: str, encoding_format: str | None) -> dict:
    """``embedContent`` / ``batchEmbedContents`` reply as an OpenAI embeddings list.

    Gemini reports no token counts: ``usage`` is zero and the gateway counts the input locally.
    """
    if isinstance(resp.get("embedding"), dict):
        vectors = [resp["embedding"].get("values") or []]
    else:
        vectors = [(e or {}).get("values") or [] for e in resp.get("embeddings") or []]
    data = []
    for i, values in enumerate(vectors):
        embedding: Any = values
        if encoding_format == "base64":
            embedding = base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
        data.append({"object": "embedding", "index": i, "embedding": embedding})
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 0, "total_tokens": 0}}


# ------------------------------------------------------- Gemini-native client -> OpenAI-type channel

def _gemini_usage(usage: Any) -> dict:
    usage = usage if isinstance(usage, dict) else {}
    prompt = int(usage.get("prompt_tokens") or usage.get("input_tokens") or 0)
    completion = int(usage.get("completion_tokens") or usage.get("output_tokens") or 0)
    reasoning = int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    cached = int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    meta = {"promptTokenCount": prompt, "candidatesTokenCount": completion - reasoning,
            "totalTokenCount": int(usage.get("total_tokens") or prompt + completion),
            "cachedContentTokenCount": cached}
    if reasoning:
        meta["thoughtsTokenCount"] = reasoning
    return meta


def _function_call_part(name: str, arguments: Any, extra: Any) -> dict:
    part: dict = {"functionCall": {"name": name, "args": tool_input(arguments)}}
    signature = ((extra or {}).get("google") or {}).get("thought_signature") if isinstance(extra, dict) else None
    if signature:
        part["thoughtSignature"] = signature
    return part


def openai_response_to_gemini(resp: dict, model: str) -> dict:
    """A ``chat.completion`` as a Gemini ``GenerateContentResponse``."""
    candidates = []
    for position, choice in enumerate(resp.get("choices") or []):
        message = choice.get("message") or {}
        parts: list[dict] = []
        if message.get("reasoning_content"):
            parts.append({"text": message["reasoning_content"], "thought": True})
        text = _text_of(message.get("content")) or message.get("refusal") or ""
        if text:
            parts.append({"text": text})
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            parts.append(_function_call_part(function.get("name", ""), function.get("arguments"),
                                             call.get("extra_content")))
        if not parts:
            parts.append({"text": ""})
        candidates.append({"content": {"role": "model", "parts": parts},
                           "finishReason": _FINISH_TO_GEMINI.get(choice.get("finish_reason") or "stop", "STOP"),
                           "index": choice.get("index", position)})
    out: dict = {"candidates": candidates, "usageMetadata": _gemini_usage(resp.get("usage")),
                 "modelVersion": model}
    if resp.get("id"):
        out["responseId"] = resp["id"]
    return out


def gemini_models_list(models: list[str]) -> dict:
    """``GET /v1beta/models`` body for the given model ids."""
    out = []
    for model in models:
        name = model.split("/", 1)[1] if model.startswith("models/") else model
        methods = ["generateContent", "streamGenerateContent"]
        if "embedding" in name:
            methods.append("embedContent")
        out.append({"name": f"models/{name}", "version": "001", "displayName": name,
                    "supportedGenerationMethods": methods})
    return {"models": out}


def gemini_error(status: int, message: str) -> dict:
    """A Google-style error body: ``{"error": {"code", "message", "status"}}``."""
    name = _STATUS_NAMES.get(status) or ("FAILED_PRECONDITION" if 400 <= status < 500 else "INTERNAL")
    return {"error": {"code": status, "message": message, "status": name}}
