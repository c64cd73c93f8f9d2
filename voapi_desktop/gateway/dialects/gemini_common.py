"""Helpers shared by the Gemini <-> OpenAI translators (gemini_requests, gemini_responses, gemini_streams)."""

from __future__ import annotations

import re
from typing import Any

import orjson

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


def _g(d: Any, key: str, default: Any = None) -> Any:
    """``d[key]`` for a camelCase key, also accepting its snake_case spelling (Gemini REST takes both)."""
    if not isinstance(d, dict):
        return default
    if key in d:
        return d[key]
    snake = _CAMEL.sub("_", key).lower()
    return d.get(snake, default)


def _text_of(content: Any) -> str:
    """Plain text of an OpenAI message content (string or list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content
                       if isinstance(p, dict) and p.get("type") in ("text", "input_text", "output_text")
                       and isinstance(p.get("text"), str))
    return str(content)


def _render_part_text(part: dict) -> str | None:
    """Text for a non-function part, or None if the part carries no text for the client."""
    if isinstance(part.get("text"), str):
        return part["text"]
    code = _g(part, "executableCode")
    if isinstance(code, dict):
        language = str(code.get("language") or "python").lower()
        language = "python" if language in ("python", "language_unspecified") else language
        return f"\n```{language}\n{code.get('code', '')}\n```\n"
    result = _g(part, "codeExecutionResult")
    if isinstance(result, dict):
        outcome = result.get("outcome", "OUTCOME_OK")
        note = "" if outcome in ("OUTCOME_OK", None) else f"{outcome}\n"
        return f"\n```output\n{note}{result.get('output', '')}\n```\n"
    inline = _g(part, "inlineData")
    if isinstance(inline, dict) and inline.get("data"):
        mime = _g(inline, "mimeType") or "application/octet-stream"
        return f"![image](data:{mime};base64,{inline['data']})"
    return None
