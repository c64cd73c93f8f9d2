"""The one SSE reader of the gateway: split a byte stream into events ``(event name or None, data)``.

Lines may end with LF, CRLF or CR; ``:`` comment lines and other fields (``id:``, ``retry:``) are
skipped; several ``data:`` lines are joined with ``\\n``; exactly one space after the colon is
removed (Replicate's text tokens keep their own leading spaces). A block with neither a ``data:``
nor an ``event:`` line is not an event. The data is never interpreted (``[DONE]`` comes back as is).
"""

from __future__ import annotations

import re

_EOL = rb"(?:\r\n|\r(?!\n)|\n)"
_EVENT_END = re.compile(_EOL + _EOL)


def parse_event(raw: bytes) -> tuple[str | None, bytes] | None:
    """One event block -> (name, data), or None when it carries neither."""
    name, data = None, []
    for line in raw.splitlines():
        if not line or line.startswith(b":"):
            continue
        field, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if field == b"event":
            name = value.strip().decode("utf-8", "replace")
        elif field == b"data":
            data.append(value)
    if not data and name is None:
        return None
    return name, b"\n".join(data)


class SseEvents:
    """Incremental: feed chunks as they arrive, get the events they completed."""

    def __init__(self) -> None:
        self._partial = b""

    def feed(self, chunk: bytes) -> list[tuple[str | None, bytes]]:
        parts = _EVENT_END.split(self._partial + chunk)
        self._partial = parts.pop()
        return [parsed for parsed in map(parse_event, parts) if parsed is not None]

    def rest(self) -> list[tuple[str | None, bytes]]:
        """The last event when the stream ended without its blank line."""
        rest, self._partial = self._partial, b""
        parsed = parse_event(rest) if rest.strip() else None
        return [parsed] if parsed else []


def split_events(data: bytes) -> list[bytes]:
    """Complete event blocks of `data`, and the unfinished tail last (for relays that forward blocks)."""
    return _EVENT_END.split(data)


def iter_sse_events(data: bytes) -> list[tuple[str | None, str]]:
    """A whole SSE body as (name, data text) pairs."""
    reader = SseEvents()
    return [(name, payload.decode("utf-8", "replace")) for name, payload in reader.feed(data) + reader.rest()]
