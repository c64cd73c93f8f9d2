"""One gateway per SQLite database: an exclusive lock file next to it, held while the gateway runs.

A single gateway keeps quota holds and rate-limit windows in memory (store/quota_book.py,
MemoryLimiter); a second gateway on the same file would not see them and could overspend. The
console's CLI commands do not take the lock: they only write, and the gateway picks their writes
up at its next snapshot reload. A shared PostgreSQL/MySQL database takes no lock: several
gateways share it with holds in the database and limits in Redis.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ServiceError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt


class GatewayBusy(ServiceError):
    """Another gateway serves this database; the message says what to do."""


class GatewayLock:
    def __init__(self, database_file: str | os.PathLike) -> None:
        self.path = Path(f"{database_file}.gateway-lock")
        self._fd: int | None = None

    def acquire(self) -> "GatewayLock":
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise GatewayBusy(f"another gateway (pid {holder}) is already serving the database "
                              f"{Path(str(self.path)[:-len('.gateway-lock')]).name}; stop it first, or "
                              "start this one with another --data-dir") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None


def _lock(fd: int) -> None:
    """An exclusive, non-waiting lock on the open file; OSError when another process holds it."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _holder(fd: int) -> str:
    try:
        return os.read(fd, 32).decode("ascii", "replace").strip() or "?"
    except OSError:  # Windows: the locked byte cannot be read
        return "?"
