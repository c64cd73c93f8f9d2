"""The GUI entry point: `voapi-desktop` without a command opens the desktop console.

PySide6 is imported only here, when the console starts, so `serve` and the
admin commands never load Qt.
"""

from __future__ import annotations

import sys


def run_gui() -> int:
    """Open the console (window, tray, gateway in its background thread); returns the exit code."""
    from .frozen_bundle import BundleError
    try:
        from .ui.application import run
    except BundleError as exc:  # the executable could not unpack its Qt (frozen_bundle)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:  # a server install without Qt: say what to do instead of a traceback
        if not (exc.name or "").startswith(("PySide6", "shiboken6")):
            raise
        print("the console needs the gui extra: pip install voapi-desktop[gui]\n"
              f"({exc}); the headless gateway runs without it: voapi-desktop serve",
              file=sys.stderr)
        return 2
    return run(sys.argv)
