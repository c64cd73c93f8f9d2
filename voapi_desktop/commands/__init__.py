"""One module per CLI command group; each has `register(subparsers, common)`."""

from __future__ import annotations

import getpass
from typing import Iterable

from ..store import audit
from ..store.runtime import StoreRuntime, open_store


def store_for(args, **overrides) -> StoreRuntime:
    """Open the store with the flags every command shares."""
    return open_store(overrides={"DATA_DIR": getattr(args, "data_dir", None), **overrides})


def audited(action: str, fields: Iterable[str] = ()) -> None:
    """Record an admin change the command just made: a MANAGE row by "cli" from "local", with the names
    (never the values) of the fields it set and the OS account that ran it (store/audit.py)."""
    audit.record(audit.CLI, action, ip=audit.LOCAL, fields=list(fields), os_user=os_user())


def given(values: dict) -> list[str]:
    """The names of the fields that got a value (for a create: what the operator chose)."""
    return [name for name, value in values.items() if value not in ("", None, (), [])]


def os_user() -> str:
    """The OS account running the command, or "" where none can be found (a bare container)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return ""
