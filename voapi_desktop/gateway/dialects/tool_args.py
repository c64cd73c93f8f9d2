"""OpenAI tool-call arguments (a JSON string) as the object Anthropic's `input` and Gemini's `args` hold."""

from __future__ import annotations

from typing import Any

import orjson


def tool_input(arguments: Any) -> dict:
    """Tool-call arguments as a dict: empty, invalid or non-object JSON becomes ``{}``."""
    if isinstance(arguments, dict):
        return arguments
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
