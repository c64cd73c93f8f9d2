"""Split a complete SSE body into events: ``(event name or None, data)``.

Lines may end with LF, CRLF or CR; ``:`` comment lines are skipped; several ``data:`` lines are
joined with ``\\n``; one space after the colon is removed; a block without a ``data:`` line is not an
event. The data is returned as text, never interpreted (``[DONE]`` comes back as ``"[DONE]"``).
"""

from __future__ import annotations

import re

_LINE = re.compile(r"\r\n|\r|\n")


def iter_sse_events(data: bytes) -> list[tuple[str | None, str]]:
    events: list[tuple[str | None, str]] = []
    name: str | None = None
    lines: list[str] | None = None
    for line in _LINE.split(data.decode("utf-8", "replace")) + [""]:
        if not line:
            if lines is not None:
                events.append((name, "\n".join(lines)))
            name, lines = None, None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "event":
            name = value
        elif field == "data":
            lines = (lines or []) + [value]
    return events
