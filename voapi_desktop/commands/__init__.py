"""One module per CLI command group; each has `register(subparsers, common)`."""

from __future__ import annotations

from ..store.runtime import StoreRuntime, open_store


def store_for(args, warn_default_password: bool = False, **overrides) -> StoreRuntime:
    """Open the store with the flags every command shares."""
    return open_store(overrides={"DATA_DIR": getattr(args, "data_dir", None), **overrides},
                      warn_default_password=warn_default_password)
