"""Channel types as data: id (new-api compatible), name, upstream dialect, default base URL.

OpenAI-compatible vendors are the OpenAI dialect with another base URL; they
are rows here, not code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelType:
    id: int
    name: str
    dialect: str  # which provider adapter speaks to it
    default_base_url: str
    needs_base_url: bool = False


CHANNEL_TYPES: tuple[ChannelType, ...] = (
    ChannelType(1, "OpenAI", "openai", "https://api.openai.com"),
    ChannelType(3, "Azure OpenAI", "azure", "", needs_base_url=True),
    ChannelType(4, "Ollama", "openai", "http://localhost:11434"),
    ChannelType(8, "Custom", "openai", "", needs_base_url=True),
    ChannelType(14, "Anthropic", "anthropic", "https://api.anthropic.com"),
    ChannelType(20, "OpenRouter", "openai", "https://openrouter.ai/api"),
    ChannelType(24, "Gemini", "gemini", "https://generativelanguage.googleapis.com"),
    ChannelType(25, "Moonshot", "openai", "https://api.moonshot.cn"),
    ChannelType(29, "Groq", "openai", "https://api.groq.com/openai"),
    ChannelType(40, "SiliconFlow", "openai", "https://api.siliconflow.cn"),
    ChannelType(42, "Mistral", "openai", "https://api.mistral.ai"),
    ChannelType(43, "DeepSeek", "openai", "https://api.deepseek.com"),
    ChannelType(48, "xAI", "openai", "https://api.x.ai"),
    ChannelType(56, "Replicate", "replicate", "https://api.replicate.com"),
)

BY_ID = {t.id: t for t in CHANNEL_TYPES}
_BY_NAME = {t.name.lower().replace(" ", ""): t for t in CHANNEL_TYPES}
_BY_NAME.update(azure=BY_ID[3], claude=BY_ID[14], google=BY_ID[24], googlegemini=BY_ID[24])


def find_type(value: str | int) -> ChannelType:
    """Look a type up by id or by name (case and spaces ignored)."""
    text = str(value).strip()
    if text.isdigit() and int(text) in BY_ID:
        return BY_ID[int(text)]
    found = _BY_NAME.get(text.lower().replace(" ", ""))
    if found is None:
        names = ", ".join(t.name for t in CHANNEL_TYPES)
        raise ValueError(f"unknown channel type {value!r}; known types: {names}")
    return found
