"""One function per user action: each runs its service call through ops.

An admin change passes `audit="delete channel 5"` (and `audit_fields=`, the names of the fields it
changed) to `Ops.run`, which records it as a MANAGE row once the change succeeded (store/audit.py).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterable

NAMED = 20  # ids named in one audit row; more are counted
VOLATILE = {"used_quota", "request_count", "response_time", "test_time", "balance", "balance_updated_time",
            "status_time"}  # moved by traffic and tests, never by an edit


def targets(noun: str, ids: Iterable[object]) -> str:
    """'channel 5', 'channels 5, 6', or 'channels 1, 2, … (+30)' for an audit row."""
    ids = [str(i) for i in ids]
    if len(ids) == 1:
        return f"{noun} {ids[0]}"
    more = f", … (+{len(ids) - NAMED})" if len(ids) > NAMED else ""
    return f"{noun}s {', '.join(ids[:NAMED])}{more}"


class Edit:
    """An edit that notes which fields it changed: run it as the op and pass `changed` as audit_fields.

    `read()` and `write()` return the same kind of info dataclass; the names in `changed` are its
    attributes that differ afterwards (a new key shows as `keys`, never as its value)."""

    def __init__(self, read: Callable[[], object], write: Callable[[], object]):
        self.read, self.write = read, write
        self.changed: list[str] = []

    def __call__(self) -> object:
        before = self.read()
        after = self.write()
        if before is not None:  # None: gone before the write, which then refused
            self.changed[:] = [f.name for f in dataclasses.fields(after) if f.compare and f.name not in VOLATILE
                               and getattr(before, f.name) != getattr(after, f.name)]
        return after
