"""The data dir and the secrets in it are the owner's only: directories 0700, files 0600.

SQLite creates its -wal and -shm files with the database file's permissions, so a database file made
here keeps them 0600 too. An existing directory is left as it is (an operator may share /data on purpose).
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE, FILE_MODE = 0o700, 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700 when it does not exist yet."""
    if not path.exists():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty as 0600 when it does not exist yet (before another program opens it)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    return path
