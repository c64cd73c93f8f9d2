"""Wires: how a request in the client's dialect crosses to a channel of some dialect.

Same dialect on both sides is a pass-through; otherwise the request and the answer
are translated through the OpenAI chat shape (see translated.py).
"""

from __future__ import annotations

from ....core.channel_types import BY_ID
from ....store.channels import ChannelInfo
from ..context import RelayContext
from .openai import OpenAIWire

_OPENAI = OpenAIWire()


def channel_dialect(channel: ChannelInfo) -> str:
    """openai (OpenAI, Azure and compatible vendors), anthropic or gemini."""
    kind = BY_ID.get(channel.type)
    dialect = kind.dialect if kind else "openai"
    return "openai" if dialect == "azure" else dialect


def wire_for(ctx: RelayContext, channel: ChannelInfo):
    """The wire for this request on this channel, or None when the channel cannot serve it."""
    dialect = channel_dialect(channel)
    if ctx.inbound == "openai" and dialect == "openai":
        return _OPENAI
    return None
