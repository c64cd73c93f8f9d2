"""Wires: how a request in the client's dialect crosses to a channel of some dialect.

Same dialect on both sides is a pass-through; otherwise the request and the answer
are translated through the OpenAI chat shape (see translated.py).
"""

from __future__ import annotations

from ....core.channel_types import BY_ID
from ....store.channels import ChannelInfo
from ..context import RelayContext
from .anthropic import AnthropicWire
from .gemini import GeminiWire
from .openai import OpenAIWire
from .replicate import ReplicateWire
from .translated import TranslatedWire

PASS_THROUGH = {"openai": OpenAIWire(), "anthropic": AnthropicWire(), "gemini": GeminiWire()}
# What a translation can carry: chat in every direction, embeddings from OpenAI clients to Gemini.
TRANSLATABLE = {"chat", "messages", "generate"}


def channel_dialect(channel: ChannelInfo) -> str:
    """openai (OpenAI, Azure and compatible vendors), anthropic, gemini or replicate."""
    kind = BY_ID.get(channel.type)
    dialect = kind.dialect if kind else "openai"
    return "openai" if dialect == "azure" else dialect


def wire_for(ctx: RelayContext, channel: ChannelInfo):
    """The wire for this request on this channel, or None when the channel cannot serve it."""
    dialect = channel_dialect(channel)
    if dialect == "replicate":  # predictions, not a chat dialect: OpenAI clients' images and chat
        return ReplicateWire() if ctx.inbound == "openai" and ctx.endpoint.name in ReplicateWire.endpoints else None
    if ctx.inbound == dialect:
        return PASS_THROUGH[dialect]
    if ctx.endpoint.name in TRANSLATABLE or (ctx.endpoint.name == "embeddings" and dialect == "gemini"):
        return TranslatedWire(ctx.inbound, dialect)
    return None
