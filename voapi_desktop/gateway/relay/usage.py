"""Usage as the upstream reported it, pulled from bodies and SSE lines."""

from __future__ import annotations

from dataclasses import dataclass

import orjson


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reported: bool = False  # False: nothing came from upstream
    cache_creation_tokens: int = 0  # part of prompt_tokens written to the prompt cache

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def usage_from(obj: object) -> Usage | None:
    """Read OpenAI chat/completions/embeddings or Responses API usage from a parsed body."""
    if not isinstance(obj, dict):
        return None
    usage = obj.get("usage")
    if not isinstance(usage, dict) and isinstance(obj.get("response"), dict):
        usage = obj["response"].get("usage")
    if not isinstance(usage, dict):
        return None
    prompt = usage.get("prompt_tokens", usage.get("input_tokens", 0)) or 0
    completion = usage.get("completion_tokens", usage.get("output_tokens", 0)) or 0
    if not completion and not prompt:
        prompt = usage.get("total_tokens", 0) or 0
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
    cached = details.get("cached_tokens", 0) if isinstance(details, dict) else 0
    try:
        return Usage(int(prompt), int(completion), int(cached or 0), True)
    except (TypeError, ValueError):
        return None


def usage_chunk_bytes(first_payload: bytes, usage: Usage, model: str) -> bytes:
    """A usage-only chat chunk (choices: []) shaped like the stream's own chunks."""
    try:
        template = orjson.loads(first_payload) if first_payload else {}
    except orjson.JSONDecodeError:
        template = {}
    if not isinstance(template, dict):
        template = {}
    chunk = {"id": template.get("id", ""), "object": template.get("object", "chat.completion.chunk"),
             "created": template.get("created", 0), "model": template.get("model", model), "choices": [],
             "usage": {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                       "total_tokens": usage.total_tokens}}
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


def usage_from_counts(counts: dict | None) -> Usage | None:
    """Usage from a translator's canonical counts {prompt_tokens, completion_tokens, cached_tokens, ...}."""
    if not isinstance(counts, dict):
        return None
    try:
        return Usage(int(counts.get("prompt_tokens") or 0), int(counts.get("completion_tokens") or 0),
                     int(counts.get("cached_tokens") or 0), True, int(counts.get("cache_creation_tokens") or 0))
    except (TypeError, ValueError):
        return None
