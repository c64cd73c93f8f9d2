"""A tiny publish/subscribe hub: service writes announce what kind of data changed.

The gateway's snapshot and the GUI's pages subscribe; publishing happens after
the write committed, in the thread that wrote.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)

_listeners: list[Callable[[str], None]] = []
_lock = threading.Lock()


def subscribe(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call `listener(kind)` after every write; returns the unsubscribe function."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)
    return unsubscribe


def publish(kind: str) -> None:
    """Tell every listener that data of `kind` (user, token, channel, option, log) changed."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(kind)
        except Exception:  # a broken listener must not undo a committed write
            log.exception("change listener failed for %s", kind)
