"""What the relay pipeline answers, independent of the web framework that sends it.

The Quart routes turn it into a Response (routes_relay.to_response); the fast path
(gateway/fastpath.py) sends it with two ASGI messages, or one per chunk for a stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import AsyncIterator


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None  # already started; closing it settles the request
    headers: dict[str, str] = field(default_factory=dict)
