"""Time in one place, so tests can inject a fake clock."""

import time


def now() -> int:
    """Unix seconds."""
    return int(time.time())
