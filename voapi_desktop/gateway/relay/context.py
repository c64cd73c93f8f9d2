"""The small typed context one relay request carries through its steps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ...store.channels import ChannelInfo
from ...store.snapshot import Snapshot
from .auth import Caller
from .endpoints import Endpoint
from .failures import AttemptFailure
from .parse import ParsedRequest


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

    @property
    def settings(self):
        return self.snapshot.settings

    def elapsed_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    def first_byte_ms(self) -> int:
        return int((self.first_byte_at - self.started) * 1000) if self.first_byte_at else 0
