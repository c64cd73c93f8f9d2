"""The small typed context one relay request carries through its steps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ...store.channels import ChannelInfo
from ...store.snapshot import Snapshot
from .auth import Caller
from .endpoints import Endpoint
from .failures import AttemptFailure
from ..dialects.anthropic_openai import anthropic_request_to_openai
from ..dialects.gemini_openai import gemini_request_to_openai
from .parse import ParsedRequest, translated


@dataclass
class RelayContext:
    request_id: str
    endpoint: Endpoint
    snapshot: Snapshot
    caller: Caller
    request: ParsedRequest
    client_ip: str
    inbound: str = "openai"  # the client's dialect: openai, anthropic or gemini
    started: float = field(default_factory=time.perf_counter)
    tried: list[int] = field(default_factory=list)
    failures: list[AttemptFailure] = field(default_factory=list)
    channel: ChannelInfo | None = None
    key_index: int = 0
    upstream_model: str = ""
    first_byte_at: float | None = None
    _openai_body: dict | None = field(default=None, repr=False)

    def openai_body(self) -> dict:
        """The client's request in the OpenAI chat shape: translated once, then shared by the
        token count and the translating wires (treat it as read-only)."""
        if self._openai_body is None:
            body = self.request.body
            if self.inbound == "anthropic":
                self._openai_body = translated(anthropic_request_to_openai, body)
            elif self.inbound == "gemini":
                self._openai_body = translated(gemini_request_to_openai, body, self.request.model,
                                               self.request.stream)
            else:
                self._openai_body = body
        return self._openai_body

    @property
    def settings(self):
        return self.snapshot.settings

    def elapsed_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    def first_byte_ms(self) -> int:
        return int((self.first_byte_at - self.started) * 1000) if self.first_byte_at else 0
