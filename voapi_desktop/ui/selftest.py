"""`voapi-desktop --selftest-console PNG`: the console opens, its gateway serves, its window is saved as PNG.

For the packaged executable (scripts/ci-binary) above all: it proves Qt unpacks from the bundle
(frozen_bundle), loads its platform plugin and draws every page. Everything happens in a temporary data
dir with preferences in a temporary file; exit 0 when the window was drawn and the gateway served.
Run it with QT_QPA_PLATFORM=offscreen where there is no display.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

TIMEOUT_MS = 30_000


def run(png: str) -> int:
    try:
        from PySide6.QtCore import QSettings, QTimer
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # frozen_bundle.BundleError too
        print(f"selftest-console: FAILED: no Qt: {exc}", file=sys.stderr)
        return 1
    from ..store.runtime import open_store
    from .application import Console
    from .i18n import I18n
    from .ops import Ops
    from .prefs import Preferences
    from .theme import apply_theme

    app = QApplication.instance() or QApplication([sys.argv[0]])
    outcome = {"code": 1}
    with tempfile.TemporaryDirectory(prefix="voapi-selftest-console-", ignore_cleanup_errors=True) as work:
        runtime = open_store(env={"DATA_DIR": str(Path(work) / "data")})
        prefs = Preferences(QSettings(str(Path(work) / "prefs.ini"), QSettings.IniFormat))
        apply_theme(app, prefs.theme, prefs.accent)
        ops = Ops()
        console = Console(runtime, ops, I18n("en"), prefs, host="127.0.0.1", port=0)
        console.start()

        def check() -> None:
            if not console.gateway.running:
                return
            poll.stop()
            for index in range(console.window.stack.count()):  # draw every page once
                console.window.stack.setCurrentIndex(index)
                app.processEvents()
            console.window.stack.setCurrentIndex(0)
            app.processEvents()
            image = console.window.grab()
            saved = not image.isNull() and image.save(png)
            print(f"selftest-console: gateway serving, window {image.width()}x{image.height()} "
                  f"{'saved to ' + png if saved else 'NOT saved'}")
            outcome["code"] = 0 if saved else 1
            console.quit()

        poll = QTimer(interval=100, timeout=check)
        poll.start()
        QTimer.singleShot(TIMEOUT_MS, lambda: (print("selftest-console: FAILED: gateway not serving in time",
                                                     file=sys.stderr), console.quit()))
        app.exec()
    print(f"selftest-console: {'passed' if outcome['code'] == 0 else 'FAILED'}")
    return outcome["code"]
