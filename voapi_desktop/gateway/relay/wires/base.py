"""What every wire (one way of talking to a channel for one client dialect) provides.

    request(ctx, channel, key, client_headers) -> UpstreamRequest     where and what to send
    plain(ctx, body, content_type) -> Plain | AttemptFailure           a whole answer, as the client gets it
    stream(ctx, local_usage) -> StreamRelay                           a streamed answer, chunk by chunk

and, optionally, when one answer takes more than one upstream call (Replicate predictions):

    follow(ctx, session, first) -> response | AttemptFailure           the response to read or stream instead
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import orjson

from ..usage import Usage

@dataclass
class UpstreamRequest:
    url: str
    headers: dict[str, str]
    data: object  # bytes, or aiohttp.FormData


@dataclass
class Plain:
    body: bytes
    content_type: str
    usage: Usage | None  # as the upstream reported it; None: count locally
    text: str  # the generated text, for a local count and the empty-reply check
    has_content: bool = True
    units: int | None = None  # per-call units delivered (images), when the wire counted them


class StreamRelay(Protocol):
    done: bool  # the upstream's own terminator was seen
    error: dict | None  # the upstream reported an error inside the stream

    def feed(self, chunk: bytes) -> bytes:
        """Upstream bytes in, client bytes out (possibly nothing yet)."""

    def finish(self) -> bytes:
        """At upstream EOF: what is still owed to the client (buffered bytes, terminators)."""

    def has_content(self) -> bool:
        """Did any text or tool call come through yet?"""

    def usage(self) -> Usage | None:
        """Usage the upstream reported, if any."""

    def text(self) -> str:
        """The generated text so far, for a local count."""

    def error_event(self, message: str, code: str = "upstream_error") -> bytes:
        """Bytes that end a broken stream in the client's dialect, terminator included."""

    def ending(self) -> bytes:
        """Bytes that end a stream the upstream closed without its terminator."""


def json_or_none(data: bytes) -> object | None:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
