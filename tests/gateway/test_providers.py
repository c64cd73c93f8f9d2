"""Every channel type can be reached: an adapter for its dialect, or a relay wire that builds its requests."""

from __future__ import annotations

from voapi_desktop.core.channel_types import CHANNEL_TYPES
from voapi_desktop.gateway.providers.registry import ADAPTERS, WIRE_DIALECTS
from voapi_desktop.gateway.relay.wires import PASS_THROUGH


def test_every_channel_type_has_an_adapter_or_a_wire():
    missing = [t.name for t in CHANNEL_TYPES if t.dialect not in ADAPTERS and t.dialect not in WIRE_DIALECTS]
    assert missing == []


def test_wire_dialects_have_pass_through_wires_or_their_own():
    assert {"anthropic", "gemini"} <= set(PASS_THROUGH)
