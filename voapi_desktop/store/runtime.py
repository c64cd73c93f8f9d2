"""Open the store for a face (CLI, gateway, GUI): settings, data dir, database, migrations, root user."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import platformdirs

from ..core.settings import Settings
from . import migrations, users
from .db import close_database, open_database
from .options import load_options

log = logging.getLogger(__name__)


@dataclass
class StoreRuntime:
    data_dir: Path
    env: dict[str, str]
    overrides: dict[str, object]
    settings: Settings

    def close(self) -> None:
        close_database()


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("voapi-desktop", appauthor=False))


def open_store(env: Mapping[str, str] | None = None, overrides: Mapping[str, object] | None = None,
               bootstrap: bool = True) -> StoreRuntime:
    """Read boot settings, open and migrate the database, create root on first start."""
    env = dict(os.environ if env is None else env)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    boot = Settings.load(env=env, overrides=overrides)
    data_dir = Path(boot["DATA_DIR"]).expanduser() if boot["DATA_DIR"] else default_data_dir()
    db = open_database(data_dir, boot["SQL_DSN"], boot["SQLITE_BUSY_TIMEOUT"])
    migrations.migrate(db)
    if bootstrap and users.ensure_root_user(boot["INITIAL_ROOT_PASSWORD"]):
        log.info("created the root user 'root'")
    settings = Settings.load(env=env, options=load_options(), overrides=overrides)
    return StoreRuntime(data_dir, env, overrides, settings)


def warn_if_default_password() -> bool:
    """Warn while root still has the default password. A bcrypt check costs about 0.3 s of CPU, so
    `serve` runs it in a thread once it is serving, not before."""
    if users.root_uses_default_password():
        log.warning("the root user still has the default password 123456; change it "
                    "(voapi-desktop user passwd root) or set INITIAL_ROOT_PASSWORD before the first start")
        return True
    return False
