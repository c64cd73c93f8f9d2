"""The data dir is created 0700; the database (with its -wal/-shm) and the session secret 0600."""

from __future__ import annotations

import os
import stat

from voapi_desktop.gateway.api.session import SECRET_FILE, session_secret
from voapi_desktop.store.runtime import open_store


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_data_dir_database_and_secret_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        data = tmp_path / "fresh" / "data"
        runtime = open_store(env={"DATA_DIR": str(data)})
        session_secret(runtime.settings)
        runtime.close()
    finally:
        os.umask(old)
    assert mode(data) == 0o700
    files = {p.name: mode(p) for p in data.iterdir() if p.is_file()}
    assert {"voapi.db", SECRET_FILE} <= set(files)
    assert all(m == 0o600 for m in files.values()), files
