"""Command line: `voapi-desktop` (GUI), `serve` (headless), and scriptable admin commands.

Every command takes --data-dir and honours SQL_DSN; list/create commands take --json.
Nothing here imports PySide6 except the GUI entry, and only when it runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict

from . import __version__
from .core import redact
from .core.settings import UnknownSetting
from .gateway.listen import PortInUse
from .store.db import DatabaseUnavailable
from .store.errors import ServiceError

log = logging.getLogger("voapi_desktop")


def _common(parser: argparse.ArgumentParser, json_output: bool = False) -> argparse.ArgumentParser:
    parser.add_argument("--data-dir", help="where the database and caches live (env DATA_DIR)")
    if json_output:
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voapi-desktop", description="A personal, self-hosted LLM API gateway.")
    parser.add_argument("--version", action="version", version=f"voapi-desktop {__version__}")
    parser.add_argument("--selftest", action="store_true",
                        help="start the gateway on a free port with a built-in fake upstream, relay a request, exit 0/1")
    parser.add_argument("--selftest-console", metavar="PNG",
                        help="open the console with its gateway in a temp data dir, save the window as PNG, exit 0/1")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    from .commands import (channel_cmd, checkin_cmd, log_cmd, option_cmd, price_cmd, redemption_cmd, serve_cmd,
                           token_cmd, user_cmd)
    for module in (serve_cmd, channel_cmd, token_cmd, user_cmd, option_cmd, price_cmd, log_cmd, redemption_cmd,
                   checkin_cmd):
        module.register(commands, _common)
    return parser


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact.install()  # keys never reach a log line (core/redact.py)


def print_rows(rows: list, columns: list[tuple[str, str]], as_json: bool) -> None:
    """Rows of dataclasses or dicts as JSON or an aligned table."""
    plain = [asdict(row) if hasattr(row, "__dataclass_fields__") else dict(row) for row in rows]
    if as_json:
        print(json.dumps(plain, ensure_ascii=False, indent=2, default=str))
        return
    table = [[title for _, title in columns]] + [[str(row.get(name, "")) for name, _ in columns] for row in plain]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.selftest:
        from .selftest import run
        return run()
    if args.selftest_console:
        from .ui.selftest import run
        return run(args.selftest_console)
    if args.command is None:
        from .app import run_gui
        return run_gui()
    setup_logging(logging.INFO if args.command == "serve" else logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except (ServiceError, DatabaseUnavailable, PortInUse, UnknownSetting, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
