"""One adapter per dialect; channel types name their dialect (core.channel_types)."""

from __future__ import annotations

from ...core.channel_types import BY_ID
from .azure import AzureAdapter
from .base import Adapter
from .openai import OpenAIAdapter

ADAPTERS: dict[str, Adapter] = {
    "openai": OpenAIAdapter(),
    "azure": AzureAdapter(),
}
# Dialects whose requests are built by their relay wire (gateway/relay/wires), not by an adapter.
WIRE_DIALECTS = ("anthropic", "gemini", "replicate")


def adapter_for(channel_type: int) -> Adapter:
    """The adapter of a channel type (every known type has one; a test checks it)."""
    return ADAPTERS[BY_ID[channel_type].dialect if channel_type in BY_ID else "openai"]
