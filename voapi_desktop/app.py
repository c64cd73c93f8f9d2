"""The GUI entry point. The desktop console arrives with its own issue; until then the
program without arguments runs the gateway headless, like `serve`."""

from __future__ import annotations

import sys


def run_gui() -> int:
    from .cli import main
    print("the desktop console is not part of this build yet; running the headless gateway (serve)",
          file=sys.stderr)
    return main(["serve"])
