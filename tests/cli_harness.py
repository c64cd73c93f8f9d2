"""What the CLI tests share: `Cli` runs `cli.main` in-process, `clean_env` keeps the machine's settings out.

A test module takes the autouse fixture by importing it by name: `from tests.cli_harness import clean_env`.
"""

from __future__ import annotations

import json
from pathlib import Path

import bcrypt
import pytest

from voapi_desktop.cli import main
from voapi_desktop.core.settings import SETTINGS
from voapi_desktop.store import users
from voapi_desktop.store.db import close_database

SETTING_ENV_VARS = sorted({s.env for s in SETTINGS} | {"DATA_DIR", "SQL_DSN"})


def cheap_hash(password: str) -> str:
    """A bcrypt hash at the lowest cost: verifies like the real one, in a fraction of the time."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No setting may come from the machine's environment (DATA_DIR, SQL_DSN, PORT, ...); cheap hashes."""
    for name in SETTING_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(users, "hash_password", cheap_hash)
    yield
    close_database()


class Cli:
    """Runs `main([...] + ["--data-dir", ...])` and keeps what it printed."""

    def __init__(self, capsys, data_dir: Path):
        self.capsys, self.data_dir = capsys, data_dir
        self.out = self.err = ""

    def __call__(self, *args: str) -> int:
        self.capsys.readouterr()  # forget what earlier calls printed
        try:
            code = main([*args, "--data-dir", str(self.data_dir)])
        except SystemExit as exc:  # argparse: --version, usage errors
            code = exc.code
        self.out, self.err = self.capsys.readouterr()
        return code

    def ok(self, *args: str) -> str:
        """Run a command that must succeed; returns what it printed."""
        assert self(*args) == 0, self.err
        return self.out

    def json(self, *args: str):
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args: str, code: int = 2) -> str:
        """Run a command that must fail cleanly, with no traceback; returns the error message.

        Clean is one `error: ...` line, or argparse's usage followed by its one `prog: error: ...` line.
        """
        assert self(*args) == code, (self.out, self.err)
        assert "Traceback" not in self.err
        if self.err.startswith("usage:"):
            message = self.err.strip().splitlines()[-1]
            assert ": error: " in message, self.err
            return message.split(": error: ", 1)[1]
        assert self.err.startswith("error: "), self.err
        assert self.err.count("\n") == 1, self.err  # one line, no stack
        return self.err[len("error: "):].strip()
